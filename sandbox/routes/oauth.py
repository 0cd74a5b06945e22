"""§1: the consent page and the token endpoint."""

from __future__ import annotations

from html import escape

from aiohttp import web

from sandbox.http import public, respond, state_of
from sandbox.oauth import AuthorizeError, oauth_form_error
from sandbox.users import User

AUTH_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "state",
    "code_challenge",
    "code_challenge_method",
)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

PAGE = """<!doctype html>
<html lang="es"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; background: #ebebeb; margin: 0; }}
header {{ background: #fff159; padding: 14px 24px; font-weight: 600; }}
main {{ max-width: 480px; margin: 32px auto; background: #fff; padding: 24px;
        border-radius: 6px; box-shadow: 0 1px 2px rgba(0,0,0,.15); }}
button {{ display: block; width: 100%; margin: 8px 0; padding: 12px; border: 0;
          border-radius: 6px; background: #3483fa; color: #fff; font-size: 15px;
          cursor: pointer; text-align: left; }}
button.deny {{ background: #fff; color: #3483fa; text-align: center; }}
small {{ color: #666; }}
</style></head>
<body><header>MercadoLibre sandbox</header><main>{content}</main></body></html>"""


def page(title: str, content: str, status: int = 200) -> web.Response:
    return web.Response(
        text=PAGE.format(title=escape(title), content=content),
        content_type="text/html",
        status=status,
    )


def consent_page(params: dict[str, str], users: list[User]) -> web.Response:
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{escape(value)}">'
        for name, value in params.items()
    )
    choices = "".join(
        f'<button name="user_id" value="{u.id}">{escape(u.nickname)} '
        f"<small>({u.site_id}, id {u.id})</small></button>"
        for u in users
    )
    content = (
        f"<h2>Autorizá a la aplicación {escape(params.get('client_id', ''))}</h2>"
        "<p>Elegí la cuenta con la que querés ingresar. La aplicación podrá leer y "
        "modificar tus publicaciones (read, write, offline_access).</p>"
        f'<form method="post" action="/authorization">{hidden}{choices}'
        '<button class="deny" name="decision" value="deny">Cancelar</button></form>'
    )
    return page("Autorización", content)


def error_page(error: AuthorizeError) -> web.Response:
    content = f"<h2>{escape(error.message)}</h2><p><small>{escape(error.error)}</small></p>"
    return page("Error", content, status=400)


@public
async def authorization_page(request: web.Request) -> web.Response:
    """§1.1: GET /authorization shows the consent screen with the accounts to log in as."""
    state = state_of(request)
    params = {k: request.query[k] for k in AUTH_PARAMS if k in request.query}
    try:
        state.oauth.check_request(
            params.get("response_type"),
            params.get("client_id"),
            params.get("redirect_uri"),
            params.get("code_challenge"),
            params.get("code_challenge_method"),
        )
    except AuthorizeError as e:
        return error_page(e)
    users = state.sellers + [u for u in state.users.all() if u not in state.sellers]
    return consent_page(params, users)


@public
async def authorization_decision(request: web.Request) -> web.Response:
    """The consent form: redirect to `<redirect_uri>?code=...&state=...` (§1.1)."""
    state = state_of(request)
    form = await request.post()
    params = {k: str(form[k]) for k in AUTH_PARAMS if k in form}
    try:
        if form.get("decision") == "deny":
            state.oauth.check_request(
                params.get("response_type"),
                params.get("client_id"),
                params.get("redirect_uri"),
                params.get("code_challenge"),
                params.get("code_challenge_method"),
            )
            location = state.oauth.denied_redirect(params["client_id"], params.get("state"))
        else:
            user_id = str(form.get("user_id", ""))
            if not user_id.isdigit():
                raise AuthorizeError("invalid_user", "Choose an account to log in with")
            location = state.oauth.authorize(
                response_type=params.get("response_type"),
                client_id=params.get("client_id"),
                redirect_uri=params.get("redirect_uri"),
                user_id=int(user_id),
                state=params.get("state"),
                code_challenge=params.get("code_challenge"),
                code_challenge_method=params.get("code_challenge_method"),
            )
    except AuthorizeError as e:
        return error_page(e)
    raise web.HTTPFound(location)


@public
async def token(request: web.Request) -> web.Response:
    """§1.2 / §1.3: POST /oauth/token with form parameters only."""
    if request.content_type not in FORM_TYPES:
        raise oauth_form_error(
            "the parameters must be sent form-encoded (application/x-www-form-urlencoded)"
        )
    form = await request.post()
    if not form.get("grant_type") and request.query.get("grant_type"):
        raise oauth_form_error("the parameters must be sent in the body, not the query string")
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    body = state_of(request).oauth.token(fields)
    return respond(request, body, trimmed=False)


def register(app: web.Application) -> None:
    app.router.add_get("/authorization", authorization_page)
    app.router.add_post("/authorization", authorization_decision)
    app.router.add_post("/oauth/token", token)
