"""Operations of SuperOffice's chat API that sochat does not serve yet: 501 naming the method.

Their routes are in the table so that a literal segment (``ChatSession/Pickup``, ``ChatSession/ForCurrentUser``)
is never caught by ``{id}``, and so that a client learns what is missing instead of getting a 404 or a 400
about an id. They stay behind authentication like every other operation.
"""

from __future__ import annotations

from sochat.domain.errors import NotImplementedYet
from sochat.http.handlers.context import Context, Handler
from sochat.http.messages import Response


def not_implemented(method: str, source: str) -> Handler:
    """A handler that answers 501 with SuperOffice's error body naming ``method``."""

    async def handler(ctx: Context) -> Response:
        raise NotImplementedYet(f"{method} is not implemented by sochat yet", source=source)

    return handler
