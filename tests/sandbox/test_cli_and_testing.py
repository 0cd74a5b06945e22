"""`meli sandbox` and the in-process API of sandbox.testing."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from click.testing import CliRunner

from sandbox import cli
from sandbox.config import SandboxConfig
from sandbox.testing import RunningSandbox, running_sandbox


def test_cli_prints_url_credentials_and_sellers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The banner names everything a newcomer needs (ref: mercadolibre-api.md §1.1, §1.2)."""
    started: dict[str, Any] = {}

    def fake_run_app(app: Any, host: str, port: int, print: Any) -> None:
        started.update(app=app, host=host, port=port)

    monkeypatch.setattr(cli.web, "run_app", fake_run_app)
    result = CliRunner().invoke(
        cli.sandbox_command,
        [
            "--port",
            "9000",
            "--sellers",
            "3",
            "--items-per-seller",
            "5",
            "--rate-limit",
            "0",
            "--token-ttl",
            "60",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:9000" in result.output
    assert "1000000000000001" in result.output
    assert "sandbox-secret" in result.output
    assert "http://localhost:8012/auth/callback" in result.output
    for site in ("MLA", "MCO", "MLB"):
        assert site in result.output
    assert started["port"] == 9000 and started["host"] == "127.0.0.1"
    from sandbox.http import STATE

    config = started["app"][STATE].config
    assert (config.rate_limit, config.token_ttl, config.items_per_seller) == (0, 60, 5)


def test_cli_sets_public_reads_and_notification_variants(monkeypatch: pytest.MonkeyPatch) -> None:
    """`--no-public-reads` and `--notification-variants canonical` reach the configuration
    (ref: mercadolibre-api.md §3/§4.1 public reads, §9.2 notification shapes)."""
    started: dict[str, Any] = {}
    monkeypatch.setattr(cli.web, "run_app", lambda app, **_: started.update(app=app))
    result = CliRunner().invoke(
        cli.sandbox_command,
        ["--items-per-seller", "1", "--no-public-reads", "--notification-variants", "canonical"],
    )
    assert result.exit_code == 0, result.output
    from sandbox.http import STATE

    config = started["app"][STATE].config
    assert (config.public_reads, config.notification_variants) == (False, "canonical")
    bad = CliRunner().invoke(cli.sandbox_command, ["--notification-variants", "random"])
    assert bad.exit_code != 0


def test_cli_defaults_match_the_config_defaults() -> None:
    """The documented defaults: port 8013, seed 42, 2 sellers, 50 items, 20 orders and 10
    questions each, no callback, no activity, 10 rps (ref: mercadolibre-api.md §1.2
    expires_in 21600, §2.4 the per-app limit, §9.1 the callback URL)."""
    params = {p.name: p.default for p in cli.sandbox_command.params}
    defaults = SandboxConfig()
    assert params["port"] == 8013
    assert params["host"] == "127.0.0.1"
    for name in (
        "seed",
        "sellers",
        "items_per_seller",
        "client_id",
        "client_secret",
        "redirect_uri",
        "rate_limit",
        "burst",
        "token_ttl",
        "orders_per_seller",
        "questions_per_seller",
        "callback_url",
        "public_reads",
        "notification_variants",
        "activity_rate",
    ):
        assert params[name] == getattr(defaults, name), name


async def test_running_sandbox_serves_real_http() -> None:
    """running_sandbox: ephemeral port, state, authorize and token_for (ref: §1.1, §1.2)."""
    async with running_sandbox(seed=3, rate_limit=0) as sb:
        assert isinstance(sb, RunningSandbox)
        assert sb.url.startswith("http://127.0.0.1:")
        assert sb.config.seed == 3
        seller = sb.sellers[0]["id"]
        code = await sb.authorize(seller)
        assert code.startswith("TG-") and code.endswith(f"-{seller}")
        token = await sb.token_for(seller)
        assert token["user_id"] == seller
        async with aiohttp.ClientSession() as session:
            response = await session.get(
                f"{sb.url}/users/me", headers={"Authorization": f"Bearer {token['access_token']}"}
            )
            assert response.status == 200
        sb.advance_clock(21_600)
        assert sb.state.clock.offset == 21_600


async def test_running_sandbox_accepts_a_config_object() -> None:
    """A config plus keyword overrides; a refused authorization raises (ref:
    mercadolibre-api.md §1.1 exact redirect_uri)."""
    async with running_sandbox(SandboxConfig(sellers=1), items_per_seller=3) as sb:
        assert (sb.config.sellers, sb.config.items_per_seller) == (1, 3)
        with pytest.raises(RuntimeError):
            await sb.authorize(sb.sellers[0]["id"], redirect_uri="http://elsewhere/cb")
