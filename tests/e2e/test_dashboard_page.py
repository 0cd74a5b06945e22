"""The dashboard page without a browser: the sign-in form and its cookie (signed,
HttpOnly, SameSite=Strict, Secure behind HTTPS), every panel, escaping, sign-out, and
what is refused. The browser walk is tests/e2e/test_dashboard_browser.py."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.accounts import AccountStatus
from domain.listings import ListingStatus
from tests.contracts.builders import a_listing, a_message, an_account, an_order
from tests.e2e.conftest import API_KEY

PANELS = (
    "figures",
    "sales",
    "work",
    "messages",
    "reputation",
    "top",
    "stock-outs",
    "reauthorize",
    "health",
)


async def test_a_signed_in_browser_sees_every_panel_with_everything_escaped(client, container):
    async with container.unit_of_work() as uow:
        account = await uow.accounts.add(an_account(nickname="<i>TIENDA</i>"))
        await uow.accounts.add(
            an_account(seller_id=2, nickname="VIEJA", status=AccountStatus.NEEDS_REAUTHORIZATION)
        )
        await uow.listings.upsert(
            [
                a_listing("MLA1000000001", account.id, title="<script>alert(1)</script>"),
                a_listing(
                    "MLA1000000002",
                    account.id,
                    title="Agotado & <b>",
                    status=ListingStatus.PAUSED,
                    sub_status=("out_of_stock",),
                    available_quantity=0,
                ),
            ]
        )
        await uow.orders.upsert([an_order(1, account.id, date_created=datetime.now(UTC))])
        # A buyer's message the seller has not read: the unread panel shows it, escaped.
        await uow.messages.upsert(
            [
                a_message(
                    "buyer-unread-1",
                    account.id,
                    from_user_id=77,
                    to_user_id=account.seller_id,
                    text="¿Llega hoy? <img src=x onerror=alert(2)>",
                    date_read=None,
                )
            ]
        )
        await uow.commit()

    page = await client.get("/dashboard", allow_redirects=False)
    assert (page.status, page.headers["Location"]) == (303, "/dashboard/sign-in")
    form = await client.get("/dashboard/sign-in")
    assert form.status == 200 and 'name="api_key"' in await form.text()
    assert "script-src" not in form.headers["Content-Security-Policy"]

    refused = await client.post(
        "/dashboard/sign-in", data={"api_key": "wrong-key-0123456789"}, allow_redirects=False
    )
    assert refused.status == 401 and "not valid" in await refused.text()
    assert "Set-Cookie" not in refused.headers

    signed = await client.post(
        "/dashboard/sign-in",
        data={"api_key": API_KEY},
        headers={"X-Forwarded-Proto": "https"},
        allow_redirects=False,
    )
    assert (signed.status, signed.headers["Location"]) == (303, "/dashboard")
    cookie = signed.headers["Set-Cookie"]
    for attribute in ("HttpOnly", "SameSite=Strict", "Secure", "Path=/dashboard"):
        assert attribute in cookie, cookie
    assert API_KEY not in cookie
    client.session.cookie_jar.clear()
    plain = await client.post(
        "/dashboard/sign-in", data={"api_key": API_KEY}, allow_redirects=False
    )
    assert "Secure" not in plain.headers["Set-Cookie"]  # over plain HTTP (make run)

    html = await (await client.get(f"/dashboard?account_id={account.id}&days=7")).text()
    for panel in PANELS:
        assert f'data-panel="{panel}"' in html, panel
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;i&gt;TIENDA&lt;/i&gt;" in html and "Agotado &amp; &lt;b&gt;" in html
    assert "VIEJA" in html  # needs re-authorization
    assert "Unread messages, oldest first (1)" in html
    assert "¿Llega hoy? &lt;img src=x onerror=alert(2)&gt;" in html and "<img" not in html
    assert "<svg" in html and "5,999.70 ARS" in html
    assert API_KEY not in html

    bad = await client.get("/dashboard?days=0")
    assert bad.status == 400

    out = await client.post("/dashboard/sign-out", allow_redirects=False)
    assert out.status == 303 and "meli_session=" in out.headers["Set-Cookie"]
    gone = await client.get("/dashboard", allow_redirects=False)
    assert gone.status == 303


async def test_a_forged_or_stale_cookie_is_no_session(client, container):
    client.session.cookie_jar.update_cookies({"meli_session": "9999999999.abc.def"})
    page = await client.get("/dashboard", allow_redirects=False)
    assert page.status == 303


async def test_a_sign_in_body_that_cannot_be_read_is_refused_without_a_session(client):
    """What a browser never sends but anyone can: each is a 400 with the form again."""
    for content_type, body in (
        ("multipart/form-data", b"api_key=x"),  # no boundary
        ("application/x-www-form-urlencoded; charset=bogus", b"api_key=x"),
        ("application/x-www-form-urlencoded", b"api_key=\xff\xfe"),
        ("multipart/form-data; boundary=b", b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--"),
    ):
        refused = await client.post(
            "/dashboard/sign-in", data=body, headers={"Content-Type": content_type}
        )
        assert refused.status == 400, (content_type, refused.status)
        assert "Set-Cookie" not in refused.headers and 'name="api_key"' in await refused.text()
