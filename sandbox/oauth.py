"""OAuth 2.0 as MercadoLibre runs it (§1): codes, rotating refresh tokens, expiring
access tokens, PKCE, and the early invalidations of §1.3."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import attrs
from yarl import URL

from sandbox.clock import SimulatedClock
from sandbox.config import SandboxConfig
from sandbox.errors import ApiError, invalid_grant, invalid_token, oauth_error
from sandbox.users import UserDirectory

SCOPES = ("offline_access", "read", "write")
GRANT_TYPES = ("authorization_code", "refresh_token")
PKCE_METHODS = ("S256", "plain")
# §1.1: what the consent page shows when the redirect_uri is not the registered one.
REDIRECT_MISMATCH = "Lo sentimos, la aplicación no puede conectarse a tu cuenta"


class AuthorizeError(Exception):
    """A refused authorization request; shown on the consent page, never redirected."""

    def __init__(self, error: str, message: str) -> None:
        super().__init__(message)
        self.error = error
        self.message = message


@attrs.define
class App:
    client_id: str
    client_secret: str
    redirect_uri: str
    pkce_required: bool = False
    offline_access: bool = True
    last_call_at: float | None = None

    @property
    def scopes(self) -> tuple[str, ...]:
        return SCOPES if self.offline_access else ("read", "write")

    def as_json(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "redirect_uri": self.redirect_uri,
            "pkce_required": self.pkce_required,
            "offline_access": self.offline_access,
        }


@attrs.define
class AuthorizationCode:
    code: str
    client_id: str
    user_id: int
    redirect_uri: str
    code_challenge: str | None
    code_challenge_method: str | None
    expires_at: float


@attrs.define
class Grant:
    """What a user granted an application; holds the one refresh token that is valid."""

    client_id: str
    user_id: int
    scopes: tuple[str, ...]
    refresh_token: str | None = None
    refresh_expires_at: float = 0.0


@attrs.define(frozen=True)
class AccessToken:
    token: str
    client_id: str
    user_id: int
    expires_at: float


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class OAuthServer:
    def __init__(self, config: SandboxConfig, clock: SimulatedClock, users: UserDirectory) -> None:
        self.config = config
        self.clock = clock
        self.users = users
        self.apps: dict[str, App] = {}
        self.codes: dict[str, AuthorizationCode] = {}
        self.grants: dict[tuple[str, int], Grant] = {}
        self.tokens: dict[str, AccessToken] = {}
        self.register_app(
            App(
                config.client_id,
                config.client_secret,
                config.redirect_uri,
                config.pkce_required,
                config.offline_access,
            )
        )

    def register_app(self, app: App) -> App:
        self.apps[app.client_id] = app
        return app

    # -- authorization (§1.1, §1.4) ---------------------------------------------------

    def check_request(
        self,
        response_type: str | None,
        client_id: str | None,
        redirect_uri: str | None,
        code_challenge: str | None,
        code_challenge_method: str | None,
    ) -> App:
        """Validate the authorization parameters before the user is asked to consent."""
        app = self.apps.get(client_id or "")
        if app is None:
            raise AuthorizeError("invalid_client", f"Unknown client_id {client_id!r}")
        if redirect_uri != app.redirect_uri:
            raise AuthorizeError("invalid_redirect_uri", REDIRECT_MISMATCH)
        if response_type != "code":
            raise AuthorizeError("unsupported_response_type", "response_type must be 'code'")
        if code_challenge_method and code_challenge_method not in PKCE_METHODS:
            raise AuthorizeError(
                "invalid_request", "code_challenge_method must be 'S256' or 'plain'"
            )
        if code_challenge_method and not code_challenge:
            raise AuthorizeError("invalid_request", "code_challenge is required")
        if app.pkce_required and not code_challenge:
            raise AuthorizeError(
                "invalid_request",
                "PKCE is enabled for this application: code_challenge is required",
            )
        return app

    def authorize(
        self,
        *,
        response_type: str | None,
        client_id: str | None,
        redirect_uri: str | None,
        user_id: int,
        state: str | None = None,
        code_challenge: str | None = None,
        code_challenge_method: str | None = None,
    ) -> str:
        """The user consents: answer the URL the browser is redirected to."""
        app = self.check_request(
            response_type, client_id, redirect_uri, code_challenge, code_challenge_method
        )
        if user_id not in self.users:
            raise AuthorizeError("invalid_user", f"Unknown user {user_id}")
        code = AuthorizationCode(
            code=self._tg(user_id),
            client_id=app.client_id,
            user_id=user_id,
            redirect_uri=app.redirect_uri,
            code_challenge=code_challenge or None,
            # RFC 7636: the method defaults to plain when a challenge comes without one.
            code_challenge_method=(code_challenge_method or "plain") if code_challenge else None,
            expires_at=self.clock.now() + self.config.code_ttl,
        )
        self.codes[code.code] = code
        query = {"code": code.code}
        if state is not None:
            query["state"] = state
        return str(URL(app.redirect_uri).update_query(query))

    def denied_redirect(self, client_id: str, state: str | None) -> str:
        app = self.apps[client_id]
        query = {"error": "access_denied", "error_description": "The user denied access"}
        if state is not None:
            query["state"] = state
        return str(URL(app.redirect_uri).update_query(query))

    # -- token endpoint (§1.2, §1.3, §1.5) --------------------------------------------

    def token(self, form: Mapping[str, str]) -> dict[str, Any]:
        grant_type = form.get("grant_type")
        if not grant_type:
            raise oauth_error("invalid_request", "the grant_type parameter is required")
        if grant_type not in GRANT_TYPES:
            raise oauth_error(
                "unsupported_grant_type", f"the grant_type {grant_type!r} is not supported"
            )
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if not client_id or not secret:
            raise oauth_error("invalid_request", "client_id and client_secret are required")
        app = self.apps.get(client_id)
        if app is None or not hmac.compare_digest(app.client_secret, secret):
            raise oauth_error("invalid_client", "invalid client_id or client_secret")
        scope = form.get("scope")
        if scope:
            requested = scope.replace(",", " ").split()
            if any(s not in app.scopes for s in requested):
                raise oauth_error("invalid_scope", f"invalid scope: {scope}")
        self._expire_if_idle(app)
        if grant_type == "authorization_code":
            return self._exchange_code(app, form)
        return self._refresh(app, form)

    def _exchange_code(self, app: App, form: Mapping[str, str]) -> dict[str, Any]:
        code_value, redirect_uri = form.get("code"), form.get("redirect_uri")
        if not code_value or not redirect_uri:
            raise oauth_error("invalid_request", "code and redirect_uri are required")
        # §12.1: single use. The code is consumed even when the exchange fails below.
        code = self.codes.pop(code_value, None)
        if (
            code is None
            or code.client_id != app.client_id
            or code.expires_at <= self.clock.now()
            or code.redirect_uri != redirect_uri
            or not self._verifier_matches(code, form.get("code_verifier"))
        ):
            raise invalid_grant()
        return self._issue(app, code.user_id)

    @staticmethod
    def _verifier_matches(code: AuthorizationCode, verifier: str | None) -> bool:
        if code.code_challenge is None:
            return True
        if not verifier:
            return False
        expected = s256(verifier) if code.code_challenge_method == "S256" else verifier
        return hmac.compare_digest(expected, code.code_challenge)

    def _refresh(self, app: App, form: Mapping[str, str]) -> dict[str, Any]:
        refresh = form.get("refresh_token")
        if not refresh:
            raise oauth_error("invalid_request", "the refresh_token parameter is required")
        grant = next(
            (g for g in self.grants.values() if g.refresh_token == refresh),
            None,
        )
        # §1.3: only the latest token of the grant is accepted, only by its own client,
        # and only for six months.
        if (
            grant is None
            or grant.client_id != app.client_id
            or grant.refresh_expires_at <= self.clock.now()
        ):
            raise invalid_grant()
        return self._issue(app, grant.user_id)

    def _issue(self, app: App, user_id: int) -> dict[str, Any]:
        now = self.clock.now()
        access = AccessToken(
            self._access_token(app, user_id, now),
            app.client_id,
            user_id,
            now + self.config.token_ttl,
        )
        self.tokens[access.token] = access
        app.last_call_at = now
        body: dict[str, Any] = {
            "access_token": access.token,
            "token_type": "bearer",
            "expires_in": self.config.token_ttl,
            "scope": " ".join(app.scopes),
            "user_id": user_id,
        }
        grant = self.grants.setdefault(
            (app.client_id, user_id), Grant(app.client_id, user_id, app.scopes)
        )
        if app.offline_access:
            grant.refresh_token = self._tg(user_id)
            grant.refresh_expires_at = now + self.config.refresh_token_ttl
            body["refresh_token"] = grant.refresh_token
        return body

    # -- resource access (§0.3, §2.2) ---------------------------------------------------

    def authenticate(self, token: str | None) -> AccessToken:
        """The access token behind a Bearer header, or the 401 of §2.2."""
        if not token:
            raise invalid_token("authorization value not present")
        access = self.tokens.get(token)
        if access is None:
            raise invalid_token()
        app = self.apps.get(access.client_id)
        if app is None or self._expire_if_idle(app) or access.token not in self.tokens:
            raise invalid_token()
        if access.expires_at <= self.clock.now():
            del self.tokens[token]
            raise invalid_token()
        app.last_call_at = self.clock.now()
        return access

    # -- early invalidation (§1.3, §12.1) -----------------------------------------------

    def revoke(self, user_id: int, client_id: str | None = None) -> int:
        """Drop the user's grants and tokens (for one app or all); answer how many tokens."""
        for key in [k for k in self.grants if k[1] == user_id]:
            if client_id is None or key[0] == client_id:
                del self.grants[key]
        doomed = [
            t
            for t, a in self.tokens.items()
            if a.user_id == user_id and (client_id is None or a.client_id == client_id)
        ]
        for token in doomed:
            del self.tokens[token]
        for code in [c for c, v in self.codes.items() if v.user_id == user_id]:
            if client_id is None or self.codes[code].client_id == client_id:
                del self.codes[code]
        return len(doomed)

    def revoke_app(self, client_id: str) -> None:
        for key in [k for k in self.grants if k[0] == client_id]:
            del self.grants[key]
        for token in [t for t, a in self.tokens.items() if a.client_id == client_id]:
            del self.tokens[token]
        for code in [c for c, v in self.codes.items() if v.client_id == client_id]:
            del self.codes[code]

    def rotate_secret(self, client_id: str, new_secret: str | None = None) -> str:
        """§1.3: rotating the Client Secret invalidates every token of the app."""
        app = self.apps[client_id]
        app.client_secret = new_secret or secrets.token_urlsafe(24)
        self.revoke_app(client_id)
        return app.client_secret

    def _expire_if_idle(self, app: App) -> bool:
        """§1.3: an app with no call for 4 months [INF: app_inactivity_ttl] loses its
        grants. Answer whether that just happened."""
        now = self.clock.now()
        if app.last_call_at is not None and now - app.last_call_at > self.config.app_inactivity_ttl:
            self.revoke_app(app.client_id)
            app.last_call_at = None
            return True
        return False

    # -- formats (§1.1, §1.2) -----------------------------------------------------------

    @staticmethod
    def _tg(user_id: int) -> str:
        return f"TG-{secrets.token_hex(12)}-{user_id}"

    @staticmethod
    def _access_token(app: App, user_id: int, now: float) -> str:
        stamp = datetime.fromtimestamp(now, UTC).strftime("%m%d%H")
        return f"APP_USR-{app.client_id}-{stamp}-{secrets.token_hex(16)}-{user_id}"


def oauth_form_error(message: str) -> ApiError:
    """§1.2: token parameters must travel in a form-encoded body."""
    return oauth_error("invalid_request", message)
