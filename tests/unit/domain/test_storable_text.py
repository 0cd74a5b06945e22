"""A sync log can always be stored, whatever error text it records: an error may quote the
value the database refused (NUL, a lone surrogate)."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from domain.common import storable_text
from domain.sync import SyncKind, SyncLog, SyncTrigger


@given(st.text(alphabet=st.characters(codec=None, exclude_categories=())))
def test_storable_text_encodes_as_utf8_without_nul(text):
    kept = storable_text(text)
    kept.encode("utf-8")
    assert "\x00" not in kept
    assert len(kept) <= len(text)


def test_a_recorded_error_is_storable_and_keeps_the_rest():
    log = SyncLog(SyncKind.PRODUCTS, SyncTrigger.API, datetime(2026, 1, 1, tzinfo=UTC))
    log.record_error("MLA1: not stored: '\ud800' in \x00title")
    log.finish(datetime(2026, 1, 1, tzinfo=UTC), "failed on '\udfff'")
    assert log.errors == ["MLA1: not stored: '\ufffd' in title", "failed on '\ufffd'"]
