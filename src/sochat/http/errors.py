"""Every error answer in SuperOffice's error body, from one mapping for the whole app."""

from __future__ import annotations

from sochat.domain.errors import MethodNotAllowed, SochatError
from sochat.http.codecs import json as json_codec
from sochat.http.messages import Response


def error_body(error_type: str, message: str, source: str) -> dict[str, object]:
    return {"Error": True, "ErrorType": error_type, "ErrorMessage": message, "ErrorSource": source}


def error_response(exc: SochatError, media_type: str = "application/json") -> Response:
    headers: list[tuple[str, str]] = []
    if isinstance(exc, MethodNotAllowed):
        headers.append(("allow", ", ".join(exc.allow)))
    body = json_codec.encode(error_body(exc.error_type, exc.message, exc.source))
    return Response(exc.status, body, f"{media_type}; charset=utf-8", headers)


def unexpected_error_response(request_id: str, media_type: str = "application/json") -> Response:
    body = error_body(
        "SoException",
        f"An unexpected error occurred; nothing was saved. Quote request id {request_id} when reporting it.",
        "sochat",
    )
    return Response(500, json_codec.encode(body), f"{media_type}; charset=utf-8")
