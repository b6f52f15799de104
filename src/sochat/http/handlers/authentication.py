"""Getting credentials over HTTP: the login call (ticket + browser session cookies), logout, and an OAuth 2
token endpoint for opaque Bearer access tokens. The authentication agent issues and revokes them; here are the
bodies, cookies and OAuth's answer shape."""

from __future__ import annotations

import binascii
from base64 import b64decode
from typing import Any
from urllib.parse import unquote_plus, urlsplit

from sochat.domain.errors import Forbidden, InvalidInput, OAuthError, UnsupportedMediaType
from sochat.http.auth import SESSION_COOKIE, XSRF_COOKIE
from sochat.http.codecs import form
from sochat.http.codecs import json as json_codec
from sochat.http.handlers.context import Context, no_content
from sochat.http.messages import Response
from sochat.http.negotiation import parse_media_type


async def login(ctx: Context) -> Response:
    """POST /api/v1/Authentication/Login {"Username": ..., "Password": ...}: a SOTicket, and browser cookies."""
    _refuse_cross_site(ctx)
    data = _members(ctx)
    user_name, password = _member(data, "username"), _member(data, "password")
    if not user_name or password is None:
        raise InvalidInput("Send Username and Password", property_name="Username")
    result = await ctx.agents.authentication.login(user_name, password, ctx.request.client)
    secure = "; Secure" if ctx.edge.cookie_secure or ctx.request.scheme == "https" else ""
    headers = [
        ("set-cookie", f"{SESSION_COOKIE}={result.session}; Path=/; HttpOnly; SameSite=Strict{secure}"),
        ("set-cookie", f"{XSRF_COOKIE}={result.xsrf}; Path=/; SameSite=Strict{secure}"),
        ("cache-control", "no-store"),
    ]
    body = {
        "Ticket": result.ticket,
        "AssociateId": result.user.associate_id,
        "UserName": result.user.user_name,
        "IdleMinutes": result.idle_minutes,
    }
    return ctx.answer(body, root="LoginResult", headers=headers)


async def logout(ctx: Context) -> Response:
    """Revoke the ticket, token or browser session this request was made with, and clear the cookies."""
    await ctx.agents.authentication.logout(ctx.user())
    expired = "Path=/; Max-Age=0; SameSite=Strict"
    return no_content(
        [("set-cookie", f"{SESSION_COOKIE}=; {expired}; HttpOnly"), ("set-cookie", f"{XSRF_COOKIE}=; {expired}")]
    )


async def oauth_token(ctx: Context) -> Response:
    """RFC 6749 token endpoint: grant_type=password or client_credentials; answers an 8A: access token."""
    try:
        data = _members(ctx)
    except (InvalidInput, UnsupportedMediaType) as exc:
        # A body the form or JSON codec refuses (a NUL in a field, malformed JSON, JSON sent as a form) is
        # RFC 6749's invalid_request, in the OAuth error shape that token clients parse, not SuperOffice's body.
        raise OAuthError("invalid_request", exc.message) from None
    grant = _member(data, "grant_type")
    agent = ctx.agents.authentication
    if grant == "password":
        user_name, password = _member(data, "username"), _member(data, "password")
        if not user_name or password is None:
            raise OAuthError("invalid_request", "The password grant needs username and password")
        access = await agent.password_grant(user_name, password, ctx.request.client)
    elif grant == "client_credentials":
        client_id, secret, used_header = _client(ctx, data)
        access = await agent.client_credentials_grant(
            client_id, secret, challenge='Basic realm="sochat"' if used_header else None
        )
    else:
        raise OAuthError("unsupported_grant_type", "grant_type must be password or client_credentials")
    body = {"access_token": access.token, "token_type": "Bearer", "expires_in": access.expires_in}
    return Response(200, json_codec.encode(body), "application/json; charset=utf-8", [("cache-control", "no-store")])


def _client(ctx: Context, data: dict[str, Any]) -> tuple[str, str, bool]:
    """The client's id and secret from the body or, as RFC 6749 section 2.3.1 prefers, HTTP Basic; and whether
    they came from the header."""
    client_id, secret = _member(data, "client_id"), _member(data, "client_secret")
    used_header = False
    authorization = ctx.request.headers.get("authorization", "")
    if (not client_id or not secret) and authorization[:6].lower() == "basic ":
        try:
            decoded = b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            decoded = ""
        header_id, sep, header_secret = decoded.partition(":")
        if sep:
            client_id, secret, used_header = unquote_plus(header_id), unquote_plus(header_secret), True
    if not client_id or not secret:
        raise OAuthError("invalid_client", "The client_credentials grant needs client_id and client_secret")
    return client_id, secret, used_header


def _members(ctx: Context) -> dict[str, Any]:
    """The body as lower-cased member names: a JSON object or form fields."""
    media = parse_media_type(ctx.request.headers.get("content-type") or "application/json")
    if media.type == "application/x-www-form-urlencoded":
        data: Any = form.decode(ctx.request.body, media.charset)
    elif media.type in ("application/json", "text/json"):
        data = json_codec.decode(ctx.request.body)
    else:
        raise InvalidInput(
            "Send the credentials as application/json or application/x-www-form-urlencoded",
            property_name="Content-Type",
        )
    if not isinstance(data, dict):
        raise InvalidInput("The body must be an object with the credentials", property_name="body")
    return {str(key).lower(): value for key, value in data.items()}


def _member(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    return value if isinstance(value, str) else None


def _refuse_cross_site(ctx: Context) -> None:
    """The login call is for this site's own pages and for programs, never for another site's page."""
    headers = ctx.request.headers
    if headers.get("sec-fetch-site", "").lower() == "cross-site":
        raise Forbidden("Cross-site login is refused")
    origin = headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc.lower() != (headers.get("host") or "").lower():
        raise Forbidden("Cross-site login is refused: Origin does not match Host")
