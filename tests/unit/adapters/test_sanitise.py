"""Everything MercadoLibre sends is made storable before a reader sees it (house style
rule 13): PostgreSQL holds neither NUL nor a lone UTF-16 surrogate, and JSON cannot carry
NaN or infinity (mercadolibre-api.md §0.3)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.mercadolibre.client import _decode
from adapters.mercadolibre.sanitise import REPLACEMENT, clean, clean_text, load_json


def storable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (rb'{"title": "Zapatilla\u0000 Nike"}', {"title": "Zapatilla Nike"}),
        (rb'{"title": "Zapatilla \ud800 Nike"}', {"title": f"Zapatilla {REPLACEMENT} Nike"}),
        (rb'{"text": "\uDFFF\uD83D"}', {"text": REPLACEMENT * 2}),
        (rb'{"text": "\ud83d\ude00 ok"}', {"text": "\U0001f600 ok"}),
        (rb'{"k\u0000ey": ["\ud800", {"\udc00": 1}]}', {"key": [REPLACEMENT, {REPLACEMENT: 1}]}),
        (rb'{"text": "a \\ud800 literal"}', {"text": "a \\ud800 literal"}),
        (
            b'{"price": NaN, "big": 1e400, "small": -Infinity, "ok": 1.5}',
            {"price": None, "big": None, "small": None, "ok": 1.5},
        ),
    ],
)
def test_nul_and_lone_surrogates_and_non_finite_numbers_never_come_out(raw, expected):
    assert _decode(raw) == expected


def test_a_page_that_is_not_json_is_cleaned_too():
    assert _decode("<html>Bad\x00 gateway \udc80</html>".encode("utf-8", "surrogatepass")) == (
        "<html>Bad gateway \ufffd\ufffd\ufffd</html>"
    )


def test_invalid_utf8_bytes_become_replacement_characters():
    assert _decode(b'{"title": "caf\xe9"}') == {"title": f"caf{REPLACEMENT}"}


@given(st.text(alphabet=st.characters(codec=None, exclude_categories=())))
def test_any_text_comes_out_storable_and_unchanged_when_it_was(text):
    raw = json.dumps({"t": text, text: [text]}, ensure_ascii=True).encode()
    decoded = _decode(raw)
    for value in (decoded["t"], *decoded, *decoded[clean_text(text)]):
        assert storable(value)
    if storable(text):
        assert decoded == {"t": text, text: [text]}


@given(
    st.recursive(
        st.text() | st.floats() | st.integers() | st.none(),
        lambda c: st.lists(c) | st.dictionaries(st.text(), c),
    )
)
def test_clean_keeps_the_structure(data):
    cleaned = clean(data)
    assert type(cleaned) is type(data) or (isinstance(data, float) and cleaned is None)
    assert load_json(json.dumps(data)) == cleaned
