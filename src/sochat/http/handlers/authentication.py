"""Getting credentials: the login call (ticket + browser session cookies), logout, and an OAuth 2 token
endpoint for opaque Bearer access tokens."""

from __future__ import annotations

import binascii
from base64 import b64decode
from typing import Any
from urllib.parse import unquote_plus, urlsplit

from sochat.domain import datetimes
from sochat.domain.errors import Forbidden, InvalidInput, OAuthError, Unauthorized
from sochat.http.auth import SESSION_COOKIE, XSRF_COOKIE, now_ticks
from sochat.http.codecs import form
from sochat.http.codecs import json as json_codec
from sochat.http.handlers.context import Context, no_content
from sochat.http.messages import Response
from sochat.http.negotiation import parse_media_type
from sochat.security.tokens import new_access_token, new_secret, new_ticket, token_hash
from sochat.store.protocol import NewToken

MINUTE = 60 * datetimes.TICKS_PER_SECOND


async def login(ctx: Context) -> Response:
    """POST /api/v1/Authentication/Login {"Username": ..., "Password": ...}: a SOTicket, and browser cookies."""
    _refuse_cross_site(ctx)
    data = _members(ctx)
    user_name, password = _member(data, "username"), _member(data, "password")
    if not user_name or password is None:
        raise InvalidInput("Send Username and Password", property_name="Username")
    user = await ctx.auth.check_password(user_name, password, ctx.request.client)
    settings = ctx.settings
    now = now_ticks()
    ticket, session, xsrf = new_ticket(), new_secret(), new_secret()
    await ctx.store.add_token(
        NewToken(
            token_hash(ticket),
            "ticket",
            user.associate_id,
            now + settings.ticket_lifetime_hours * 60 * MINUTE,
            idle_ticks=settings.ticket_idle_minutes * MINUTE,
        ),
        now,
    )
    session_idle = settings.session_idle_minutes * MINUTE
    await ctx.store.add_token(
        NewToken(
            token_hash(session),
            "session",
            user.associate_id,
            now + settings.ticket_lifetime_hours * 60 * MINUTE,
            idle_ticks=session_idle,
            xsrf_hash=token_hash(xsrf),
        ),
        now,
    )
    secure = "; Secure" if settings.cookie_secure or ctx.request.scheme == "https" else ""
    headers = [
        ("set-cookie", f"{SESSION_COOKIE}={session}; Path=/; HttpOnly; SameSite=Strict{secure}"),
        ("set-cookie", f"{XSRF_COOKIE}={xsrf}; Path=/; SameSite=Strict{secure}"),
        ("cache-control", "no-store"),
    ]
    body = {
        "Ticket": ticket,
        "AssociateId": user.associate_id,
        "UserName": user.user_name,
        "IdleMinutes": settings.ticket_idle_minutes,
    }
    return ctx.answer(body, root="LoginResult", headers=headers)


async def logout(ctx: Context) -> Response:
    """Revoke the ticket, token or browser session this request was made with, and clear the cookies."""
    principal = ctx.user()
    if principal.credential_hash is not None:
        await ctx.store.revoke_token(principal.credential_hash)
    expired = "Path=/; Max-Age=0; SameSite=Strict"
    return no_content(
        [("set-cookie", f"{SESSION_COOKIE}=; {expired}; HttpOnly"), ("set-cookie", f"{XSRF_COOKIE}=; {expired}")]
    )


async def oauth_token(ctx: Context) -> Response:
    """RFC 6749 token endpoint: grant_type=password or client_credentials; answers an 8A: access token."""
    try:
        data = _members(ctx)
    except InvalidInput as exc:
        # A body the form or JSON codec refuses (a NUL in a field, malformed JSON) is RFC 6749's invalid_request,
        # in the OAuth error shape that token clients parse, not SuperOffice's error body.
        raise OAuthError(400, "invalid_request", exc.message) from None
    grant = _member(data, "grant_type")
    if grant == "password":
        user_name, password = _member(data, "username"), _member(data, "password")
        if not user_name or password is None:
            raise OAuthError(400, "invalid_request", "The password grant needs username and password")
        try:
            user = await ctx.auth.check_password(user_name, password, ctx.request.client)
        except Unauthorized:
            raise OAuthError(400, "invalid_grant", "The user name or password is wrong") from None
        associate_id, app_id = user.associate_id, None
    elif grant == "client_credentials":
        associate_id, app_id = await _client(ctx, data)
    else:
        raise OAuthError(400, "unsupported_grant_type", "grant_type must be password or client_credentials")
    token = new_access_token()
    now = now_ticks()
    lifetime = ctx.settings.access_token_seconds
    await ctx.store.add_token(
        NewToken(token_hash(token), "access", associate_id, now + lifetime * datetimes.TICKS_PER_SECOND, app_id=app_id),
        now,
    )
    body = {"access_token": token, "token_type": "Bearer", "expires_in": lifetime}
    return Response(200, json_codec.encode(body), "application/json; charset=utf-8", [("cache-control", "no-store")])


async def _client(ctx: Context, data: dict[str, Any]) -> tuple[int, int]:
    """The client's id and secret from the body or, as RFC 6749 section 2.3.1 prefers, HTTP Basic."""
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
        raise OAuthError(401, "invalid_client", "The client_credentials grant needs client_id and client_secret")
    app = await ctx.store.find_application(token_hash(secret))
    if app is None or app.revoked or app.name.lower() != client_id.lower() or app.owner_id is None:
        error = OAuthError(401, "invalid_client", "Unknown client, wrong secret, or an application without an owner")
        if used_header:
            error.challenge = 'Basic realm="sochat"'
        raise error
    owner = await ctx.store.find_user_by_id(app.owner_id)
    if owner is None:
        raise OAuthError(401, "invalid_client", "The application's owner can no longer sign in")
    return owner.associate_id, app.app_id


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
