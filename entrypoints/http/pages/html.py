"""Building HTML where every value is escaped unless it is already markup.

`h(template, **values)` formats a trusted template (a literal in this package) with
values escaped for text and attributes; only `Markup` (what `h` and `join` return)
passes through. So a listing titled `<script>` shows as text, wherever it appears.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any


class Markup(str):
    """HTML that is already safe: built by `h` or `join`."""


def esc(value: Any) -> Markup:
    if isinstance(value, Markup):
        return value
    return Markup(html.escape("" if value is None else str(value), quote=True))


def h(template: str, **values: Any) -> Markup:
    return Markup(template.format(**{name: esc(value) for name, value in values.items()}))


def join(parts: Iterable[Markup], separator: str = "") -> Markup:
    return Markup(separator.join(esc(part) for part in parts))


STYLE = """
:root { --fg:#1d2330; --muted:#5b6476; --line:#dde2ea; --bg:#f5f7fa; --ok:#1b7f3b;
  --bad:#b3261e; --accent:#2d5bd7; font-family: system-ui, sans-serif; color: var(--fg); }
body { margin:0; background:var(--bg); }
header { display:flex; flex-wrap:wrap; gap:.5rem 1rem; align-items:center;
  justify-content:space-between; padding:.75rem 1rem; background:#fff;
  border-bottom:1px solid var(--line); }
header h1 { font-size:1.15rem; margin:0; }
form.pickers { display:flex; flex-wrap:wrap; gap:.5rem; align-items:end; }
label { font-size:.8rem; color:var(--muted); display:flex; flex-direction:column; gap:.15rem; }
select, input, button { font:inherit; padding:.35rem .5rem; border:1px solid var(--line);
  border-radius:6px; background:#fff; }
button { background:var(--accent); color:#fff; border-color:var(--accent); cursor:pointer; }
button.quiet { background:#fff; color:var(--fg); border-color:var(--line); }
main { padding:1rem; display:grid; gap:1rem;
  grid-template-columns:repeat(auto-fit, minmax(min(100%, 330px), 1fr)); }
section { background:#fff; border:1px solid var(--line); border-radius:10px;
  padding:.75rem 1rem; min-width:0; }
section.wide { grid-column:1 / -1; }
@media (min-width:720px) { section.double { grid-column:span 2; } }
section h2 { font-size:1rem; margin:.1rem 0 .6rem; }
.figures { display:grid; grid-template-columns:repeat(auto-fit, minmax(140px, 1fr)); gap:.5rem; }
.figure { border:1px solid var(--line); border-radius:8px; padding:.5rem; }
.figure b { display:block; font-size:1.2rem; overflow-wrap:anywhere; }
.figure span { color:var(--muted); font-size:.8rem; }
.scroll { overflow-x:auto; }
table { border-collapse:collapse; width:100%; font-size:.9rem; }
th, td { text-align:left; padding:.3rem .4rem; border-bottom:1px solid var(--line);
  vertical-align:top; }
td.n, th.n { text-align:right; white-space:nowrap; }
.ok { color:var(--ok); } .bad { color:var(--bad); } .muted { color:var(--muted); }
svg.chart { width:100%; display:block; }
svg .bar { fill:var(--accent); } svg .axis { stroke:var(--line); }
svg text { font-size:11px; fill:var(--muted); }
.signin { max-width:360px; margin:10vh auto; background:#fff; padding:1.5rem;
  border:1px solid var(--line); border-radius:10px; display:flex; flex-direction:column;
  gap:.75rem; }
.error { color:var(--bad); }
"""


def page(title: str, body: Markup) -> Markup:
    return h(
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        # An icon of its own, so the browser asks for no /favicon.ico.
        '<link rel="icon" href="data:,">'
        "<title>{title}</title><style>{style}</style></head><body>{body}</body></html>",
        title=title,
        style=Markup(STYLE),
        body=body,
    )


# No script at all, styles only inline, forms only to this service, never framed.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
