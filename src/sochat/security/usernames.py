"""What a user name may be: the rule every way in shares (sign-in, `sochat user add`, import).

SuperOffice keeps an associate's user name in a String(254) column (database table ``associate``, field
``userName``). Control characters (NUL among them) and lone surrogates can be neither stored nor typed
at a login prompt; PostgreSQL refuses NUL in text outright.
"""

from __future__ import annotations

import unicodedata

MAX_USER_NAME_LENGTH = 254


def user_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a user name (to tell an administrator), or None when it can.

    The length is checked first, so a name of megabytes costs nothing more to refuse."""
    if not name:
        return "a user name must not be empty"
    if len(name) > MAX_USER_NAME_LENGTH:
        return f"a user name has at most {MAX_USER_NAME_LENGTH} characters"
    if any(unicodedata.category(character) in ("Cc", "Cs") for character in name):
        return "a user name must not contain control characters"
    return None


def is_user_name(name: str) -> bool:
    return user_name_problem(name) is None
