"""OAuth 2.0 (§1): authorization, token endpoint, refresh rotation, PKCE, revocation."""

from __future__ import annotations

import base64
import hashlib
import re

from yarl import URL

from sandbox.errors import INVALID_GRANT_DESCRIPTION
from tests.sandbox.conftest import MakeSandbox, Sandbox

INVALID_GRANT = {
    "error_description": INVALID_GRANT_DESCRIPTION,
    "error": "invalid_grant",
    "status": 400,
    "cause": [],
}


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def test_consent_page_lists_the_demo_sellers(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §1.1 (authorization URL and consent screen)."""
    sb = await make_sandbox()
    params = {
        "response_type": "code",
        "client_id": sb.config.client_id,
        "redirect_uri": sb.config.redirect_uri,
        "state": "abc",
    }
    response = await sb.client.get("/authorization", params=params)
    assert response.status == 200
    assert response.content_type == "text/html"
    page = await response.text()
    for seller in sb.state.sellers:
        assert seller.nickname in page
        assert str(seller.id) in page


async def test_consent_click_redirects_with_code_and_state(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §1.1 (redirect to redirect_uri?code=...&state=...; code format)."""
    sb = await make_sandbox()
    form = {
        "response_type": "code",
        "client_id": sb.config.client_id,
        "redirect_uri": sb.config.redirect_uri,
        "state": "abc",
        "user_id": str(sb.seller()),
    }
    response = await sb.client.post("/authorization", data=form, allow_redirects=False)
    assert response.status == 302
    location = URL(response.headers["Location"])
    assert str(location.with_query(None)) == sb.config.redirect_uri
    assert location.query["state"] == "abc"
    assert re.fullmatch(rf"TG-[0-9a-f]{{24}}-{sb.seller()}", location.query["code"])


async def test_consent_denied_redirects_with_access_denied(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §1.1 (consent screen; the user may refuse)."""
    sb = await make_sandbox()
    form = {
        "response_type": "code",
        "client_id": sb.config.client_id,
        "redirect_uri": sb.config.redirect_uri,
        "state": "s1",
        "decision": "deny",
    }
    response = await sb.client.post("/authorization", data=form, allow_redirects=False)
    location = URL(response.headers["Location"])
    assert location.query["error"] == "access_denied"
    assert location.query["state"] == "s1"


async def test_redirect_uri_must_match_exactly(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §1.1 (exact redirect_uri, else "Lo sentimos...")."""
    sb = await make_sandbox()
    params = {
        "response_type": "code",
        "client_id": sb.config.client_id,
        "redirect_uri": sb.config.redirect_uri + "/",
    }
    response = await sb.client.get("/authorization", params=params)
    assert response.status == 400
    assert "Lo sentimos, la aplicación no puede conectarse a tu cuenta" in await response.text()
    status, body = await sb.post(
        "/_sandbox/oauth/authorize",
        json={"user_id": sb.seller(), "redirect_uri": "http://localhost:8012/auth/callback?x=1"},
    )
    assert status == 400
    assert body["error"] == "invalid_redirect_uri"


async def test_unknown_client_is_refused_on_the_consent_page(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §1.1 (client_id of a registered app)."""
    sb = await make_sandbox()
    params = {"response_type": "code", "client_id": "999", "redirect_uri": sb.config.redirect_uri}
    response = await sb.client.get("/authorization", params=params)
    assert response.status == 400


async def test_token_response_shape_and_formats(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §1.2 (token response; APP_USR-<app>-<MMDDHH>-<32hex>-<user>)."""
    sb = await make_sandbox()
    seller = sb.seller()
    body = await sb.tokens_for(seller)
    assert set(body) == {
        "access_token",
        "token_type",
        "expires_in",
        "scope",
        "user_id",
        "refresh_token",
    }
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 21600
    assert body["scope"] == "offline_access read write"
    assert body["user_id"] == seller
    assert re.fullmatch(
        rf"APP_USR-{sb.config.client_id}-\d{{6}}-[0-9a-f]{{32}}-{seller}", body["access_token"]
    )
    assert re.fullmatch(rf"TG-[0-9a-f]{{24}}-{seller}", body["refresh_token"])


async def test_token_ttl_is_configurable(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §1.2 (expires_in 21600 by default [INF], configurable)."""
    sb = await make_sandbox(token_ttl=60)
    assert (await sb.tokens_for(sb.seller()))["expires_in"] == 60


async def test_no_refresh_token_without_offline_access(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §1.2 (refresh_token only with offline_access)."""
    sb = await make_sandbox(offline_access=False)
    body = await sb.tokens_for(sb.seller())
    assert "refresh_token" not in body
    assert body["scope"] == "read write"


async def test_token_endpoint_takes_form_parameters_only(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §1.2 (parameters MUST be in the form body, not the query)."""
    sb = await make_sandbox()
    code = await sb.authorize(sb.seller())
    params = {
        "grant_type": "authorization_code",
        "client_id": sb.config.client_id,
        "client_secret": sb.config.client_secret,
        "code": code,
        "redirect_uri": sb.config.redirect_uri,
    }
    status, body = await sb.post("/oauth/token", json=params)
    assert status == 400
    assert body["error"] == "invalid_request"
    assert "error_description" in body
    status, body = await sb.post("/oauth/token", params=params, data={"x": "1"})
    assert status == 400
    assert body["error"] == "invalid_request"


async def test_unsupported_grant_type(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §1.5 (only authorization_code and refresh_token)."""
    sb = await make_sandbox()
    status, body = await sb.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": sb.config.client_id,
            "client_secret": sb.config.client_secret,
        },
    )
    assert status == 400
    assert body["error"] == "unsupported_grant_type"


async def test_bad_client_secret_is_invalid_client(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §1.5 (invalid_client)."""
    sb = await make_sandbox()
    response = await sb.exchange(await sb.authorize(sb.seller()), client_secret="wrong")
    body = await response.json()
    assert response.status == 400
    assert body["error"] == "invalid_client"
    assert body["cause"] == []


async def test_unknown_scope_is_invalid_scope(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §1.5 (invalid_scope: not offline_access, write, read)."""
    sb = await make_sandbox()
    response = await sb.exchange(await sb.authorize(sb.seller()), scope="read admin")
    assert response.status == 400
    assert (await response.json())["error"] == "invalid_scope"


async def test_missing_parameter_is_invalid_request(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §1.5 (invalid_request: a required parameter is missing)."""
    sb = await make_sandbox()
    status, body = await sb.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "client_id": sb.config.client_id,
            "client_secret": sb.config.client_secret,
            "redirect_uri": sb.config.redirect_uri,
        },
    )
    assert status == 400
    assert body["error"] == "invalid_request"


async def test_code_is_single_use(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §1.5, §12.1 (codes single use; reuse -> exact invalid_grant)."""
    sb = await make_sandbox()
    code = await sb.authorize(sb.seller())
    assert (await sb.exchange(code)).status == 200
    response = await sb.exchange(code)
    assert response.status == 400
    assert await response.json() == INVALID_GRANT


async def test_code_expires(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §12.1 (codes are short-lived [INF: code_ttl 600 s])."""
    sb = await make_sandbox(code_ttl=600)
    code = await sb.authorize(sb.seller())
    sb.advance(601)
    response = await sb.exchange(code)
    assert response.status == 400
    assert await response.json() == INVALID_GRANT


async def test_code_is_bound_to_the_redirect_uri(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §1.5 (redirect_uri mismatch -> invalid_grant)."""
    sb = await make_sandbox()
    code = await sb.authorize(sb.seller())
    response = await sb.exchange(code, redirect_uri="http://localhost:9999/cb")
    assert await response.json() == INVALID_GRANT


async def test_code_is_bound_to_its_client(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §1.5 (code issued to another client -> invalid_grant)."""
    sb = await make_sandbox()
    status, _ = await sb.post(
        "/_sandbox/apps",
        json={
            "client_id": "2000000000000002",
            "client_secret": "other",
            "redirect_uri": sb.config.redirect_uri,
        },
    )
    assert status == 201
    code = await sb.authorize(sb.seller())
    response = await sb.exchange(code, client_id="2000000000000002", client_secret="other")
    assert await response.json() == INVALID_GRANT


async def test_refresh_rotates_and_only_the_latest_is_valid(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §1.3 (single use, rotation, reuse -> invalid_grant)."""
    sb = await make_sandbox()
    first = await sb.tokens_for(sb.seller())
    refresh = {
        "grant_type": "refresh_token",
        "client_id": sb.config.client_id,
        "client_secret": sb.config.client_secret,
    }
    status, second = await sb.post(
        "/oauth/token", data={**refresh, "refresh_token": first["refresh_token"]}
    )
    assert status == 200
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    status, body = await sb.post(
        "/oauth/token", data={**refresh, "refresh_token": first["refresh_token"]}
    )
    assert (status, body) == (400, INVALID_GRANT)
    status, _ = await sb.post(
        "/oauth/token", data={**refresh, "refresh_token": second["refresh_token"]}
    )
    assert status == 200


async def test_a_new_code_exchange_invalidates_the_older_refresh_token(
    make_sandbox: MakeSandbox,
) -> None:
    """ref: mercadolibre-api.md §1.3 (only the last issued refresh token is accepted)."""
    sb = await make_sandbox()
    first = await sb.tokens_for(sb.seller())
    await sb.tokens_for(sb.seller())
    status, body = await sb.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "client_id": sb.config.client_id,
            "client_secret": sb.config.client_secret,
            "refresh_token": first["refresh_token"],
        },
    )
    assert (status, body) == (400, INVALID_GRANT)


async def test_refresh_token_is_bound_to_its_client(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §1.3 (works only for the client_id it was issued to)."""
    sb = await make_sandbox()
    await sb.post(
        "/_sandbox/apps",
        json={
            "client_id": "2000000000000002",
            "client_secret": "other",
            "redirect_uri": sb.config.redirect_uri,
        },
    )
    tokens = await sb.tokens_for(sb.seller())
    status, body = await sb.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "client_id": "2000000000000002",
            "client_secret": "other",
            "refresh_token": tokens["refresh_token"],
        },
    )
    assert (status, body) == (400, INVALID_GRANT)


async def test_refresh_token_expires_after_six_months(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §1.3 (a refresh token expires after 6 months)."""
    sb = await make_sandbox(app_inactivity_ttl=10**9)
    tokens = await sb.tokens_for(sb.seller())
    sb.advance(181 * 86_400)
    status, body = await sb.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "client_id": sb.config.client_id,
            "client_secret": sb.config.client_secret,
            "refresh_token": tokens["refresh_token"],
        },
    )
    assert (status, body) == (400, INVALID_GRANT)


async def test_app_inactive_for_four_months_loses_its_grants(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §1.3, §12.1 (no call for 4 months invalidates tokens)."""
    sb = await make_sandbox()
    tokens = await sb.tokens_for(sb.seller())
    sb.advance(121 * 86_400)
    status, body = await sb.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "client_id": sb.config.client_id,
            "client_secret": sb.config.client_secret,
            "refresh_token": tokens["refresh_token"],
        },
    )
    assert (status, body) == (400, INVALID_GRANT)


async def test_access_token_expires(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §1.2, §2.2 (expired token -> 401 invalid_token)."""
    assert (await sandbox.get("/users/me"))[0] == 200
    sandbox.advance(21_600)
    status, body = await sandbox.get("/users/me")
    assert status == 401
    assert body == {
        "message": "invalid access token",
        "error": "invalid_token",
        "status": 401,
        "cause": [],
    }


async def test_refresh_gives_a_working_access_token(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §1.3 (the response has the shape of §1.2)."""
    tokens = await sandbox.tokens_for(sandbox.seller())
    sandbox.advance(21_601)
    status, fresh = await sandbox.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "client_id": sandbox.config.client_id,
            "client_secret": sandbox.config.client_secret,
            "refresh_token": tokens["refresh_token"],
        },
    )
    assert status == 200
    assert fresh["expires_in"] == 21600
    sandbox.token = fresh["access_token"]
    assert (await sandbox.get("/users/me"))[0] == 200


async def test_pkce_s256(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §1.4 (S256: SHA-256 of the verifier)."""
    sb = await make_sandbox()
    verifier = "a" * 50
    code = await sb.authorize(
        sb.seller(), code_challenge=s256(verifier), code_challenge_method="S256"
    )
    assert (await sb.exchange(code, code_verifier="b" * 50)).status == 400
    code = await sb.authorize(
        sb.seller(), code_challenge=s256(verifier), code_challenge_method="S256"
    )
    assert (await sb.exchange(code)).status == 400
    code = await sb.authorize(
        sb.seller(), code_challenge=s256(verifier), code_challenge_method="S256"
    )
    assert (await sb.exchange(code, code_verifier=verifier)).status == 200


async def test_pkce_plain(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §1.4 (plain: challenge = verifier)."""
    sb = await make_sandbox()
    code = await sb.authorize(sb.seller(), code_challenge="v" * 43, code_challenge_method="plain")
    response = await sb.exchange(code, code_verifier="w" * 43)
    assert await response.json() == INVALID_GRANT
    code = await sb.authorize(sb.seller(), code_challenge="v" * 43, code_challenge_method="plain")
    assert (await sb.exchange(code, code_verifier="v" * 43)).status == 200


async def test_pkce_is_mandatory_when_enabled_for_the_app(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §1.4 (once enabled, the PKCE fields are mandatory)."""
    sb = await make_sandbox(pkce_required=True)
    status, body = await sb.post("/_sandbox/oauth/authorize", json={"user_id": sb.seller()})
    assert status == 400
    assert body["error"] == "invalid_request"
    status, body = await sb.post(
        "/_sandbox/oauth/authorize",
        json={"user_id": sb.seller(), "code_challenge": "x" * 43, "code_challenge_method": "MD5"},
    )
    assert status == 400
    code = await sb.authorize(
        sb.seller(), code_challenge=s256("v" * 43), code_challenge_method="S256"
    )
    assert (await sb.exchange(code, code_verifier="v" * 43)).status == 200


async def test_admin_revocation_invalidates_access_and_refresh(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §1.3, §12.1 (the user revokes the grant)."""
    tokens = await sandbox.tokens_for(sandbox.seller())
    status, body = await sandbox.post("/_sandbox/tokens/revoke", json={"user_id": sandbox.seller()})
    assert status == 200
    assert body["revoked_tokens"] == 2
    assert (await sandbox.get("/users/me"))[0] == 401
    status, body = await sandbox.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "client_id": sandbox.config.client_id,
            "client_secret": sandbox.config.client_secret,
            "refresh_token": tokens["refresh_token"],
        },
    )
    assert (status, body) == (400, INVALID_GRANT)


async def test_password_change_invalidates_tokens(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §1.3 (the user changes their password)."""
    status, _ = await sandbox.post(f"/_sandbox/users/{sandbox.seller()}/password")
    assert status == 200
    assert (await sandbox.get("/users/me"))[0] == 401


async def test_secret_rotation_invalidates_tokens(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §1.3 (the app's Client Secret is rotated)."""
    tokens = await sandbox.tokens_for(sandbox.seller())
    status, body = await sandbox.post(
        f"/_sandbox/apps/{sandbox.config.client_id}/secret", json={"client_secret": "new-secret"}
    )
    assert (status, body["client_secret"]) == (200, "new-secret")
    assert (await sandbox.get("/users/me"))[0] == 401
    status, body = await sandbox.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "client_id": sandbox.config.client_id,
            "client_secret": "new-secret",
            "refresh_token": tokens["refresh_token"],
        },
    )
    assert (status, body) == (400, INVALID_GRANT)
