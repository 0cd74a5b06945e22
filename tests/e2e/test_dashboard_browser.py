"""The dashboard in a real browser (Debian's Chromium driven by Playwright): sign in with
the API key, see a connected sandbox seller's sales, work and reputation, change the
period, fit a phone's width, sign out. Any console error fails the walk. Screenshots go
to the test's tmp dir (and to $MELI_DASHBOARD_SCREENSHOT, for the README's picture).

Needs /usr/bin/chromium (`.ci/run` installs it) and the playwright package (dev extras;
its own browser download is never used). Without them the test skips, unless
MELI_TEST_REQUIRE_SERVICES=1."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from domain.sync import SyncTrigger
from sandbox.testing import running_sandbox
from tests.conftest import REQUIRE_SERVICES
from tests.e2e.conftest import API_KEY, service_on_sandbox

CHROMIUM = Path("/usr/bin/chromium")


def _browser_or_skip():
    reason = None
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        async_playwright, reason = None, "the playwright package is not installed"
    if reason is None and not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (apt-get install chromium)"
    if reason is not None:
        if REQUIRE_SERVICES:
            pytest.fail(f"{reason} (MELI_TEST_REQUIRE_SERVICES=1 forbids skipping)")
        pytest.skip(reason)
    return async_playwright


async def test_a_seller_signs_in_reads_the_dashboard_changes_period_and_signs_out(
    tmp_path, aiohttp_client
):
    async_playwright = _browser_or_skip()
    shots = tmp_path / "screenshots"
    shots.mkdir()
    async with (
        running_sandbox(rate_limit=0, orders_per_seller=40, questions_per_seller=6) as sb,
        service_on_sandbox(sb, tmp_path, aiohttp_client) as service,
    ):
        container, account_id = service["container"], service["account_id"]
        await container.sync_catalogue()(account_id, SyncTrigger.API)
        await container.reconcile_orders()(account_id, SyncTrigger.API)
        await container.reconcile_questions()(account_id, SyncTrigger.API)
        await container.record_visits()(2)
        month = await container.dashboard_stats()(account_id, days=30)
        week = await container.dashboard_stats()(account_id, days=7)
        assert month.total_sales, "the sandbox seller sold nothing in 30 days"
        base = str(service["client"].make_url("/dashboard"))

        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
            )
            context = await browser.new_context(viewport={"width": 1280, "height": 900})
            page = await context.new_page()
            problems: list[str] = []
            page.on(
                "console",
                lambda m: (
                    problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None
                ),
            )
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))

            await page.goto(base)
            assert page.url.endswith("/dashboard/sign-in")
            await page.screenshot(path=str(shots / "1-sign-in.png"))
            await page.fill("input[name=api_key]", API_KEY)
            await page.click("button[type=submit]")
            await page.wait_for_url("**/dashboard")

            (cookie,) = await context.cookies()
            assert (cookie["name"], cookie["httpOnly"], cookie["sameSite"]) == (
                "meli_session",
                True,
                "Strict",
            )
            assert API_KEY not in cookie["value"] and API_KEY not in page.url
            assert API_KEY not in await page.content()

            figures = await page.inner_text("[data-panel=figures]")
            for currency, amount in month.total_sales.items():
                assert f"{amount:,.2f} {currency}" in figures
            assert await page.locator("[data-panel=sales] svg rect.bar").count() > 0
            work = await page.inner_text("[data-panel=work]")
            assert f"Unanswered questions, oldest first ({month.unanswered_questions})" in work
            reputation = await page.inner_text("[data-panel=reputation]")
            assert "level " in reputation and "claims" in reputation
            await page.screenshot(path=str(shots / "2-dashboard.png"), full_page=True)
            target = os.environ.get("MELI_DASHBOARD_SCREENSHOT")
            if target:
                shutil.copyfile(shots / "2-dashboard.png", target)

            await page.select_option("select[name=days]", "7")
            await page.click("form.pickers button[type=submit]")
            await page.wait_for_url("**/dashboard?*days=7*")
            heading = await page.inner_text("[data-panel=figures] h2")
            assert week.first_day.isoformat() in heading
            for currency, amount in week.total_sales.items():
                assert f"{amount:,.2f} {currency}" in await page.inner_text("[data-panel=figures]")

            await page.set_viewport_size({"width": 390, "height": 844})
            overflow = await page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"the page is {overflow}px wider than a phone"
            await page.screenshot(path=str(shots / "3-phone.png"), full_page=True)

            await page.click("text=Sign out")
            await page.wait_for_url("**/dashboard/sign-in")
            assert await context.cookies() == []
            await page.goto(base)
            assert page.url.endswith("/dashboard/sign-in")
            await browser.close()
        assert problems == []
    assert sorted(p.name for p in shots.iterdir()) == [
        "1-sign-in.png",
        "2-dashboard.png",
        "3-phone.png",
    ]
