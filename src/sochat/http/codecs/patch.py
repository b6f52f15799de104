"""JSON Patch (RFC 6902) and JSON Merge Patch (RFC 7396) on plain values, with SuperOffice's path rules.

SuperOffice matches patch paths without regard to case and lets the leading "/" be left out
(``/department`` and ``Department`` are the same). It supports add, replace, remove and test; we also
support move and copy, with the same path rules. A failing ``test`` is a Conflict (409).

A patch costs no more than its size allows. ``copy`` (and ``add`` of a copied value) can double a document
per operation, so an 870-byte patch could otherwise build gigabytes. Before building anything, each operation
is checked against these bounds, and a patch beyond them is refused with nothing built:

- at most ``MAX_OPERATIONS`` operations (413);
- the patched document's size as JSON at most ``max_bytes`` (the request body limit; 413): a running total
  that starts at the target's size and grows by every value an operation adds, replaces or copies
  (removals do not lower it, so it also bounds the total work of all copies);
- values, paths and the patched document at most ``MAX_DEPTH`` levels deep (400);
- at most ``MAX_STEPS`` steps of case-insensitive name lookups and array shifts (413), so that lookups in
  objects with many members cannot add up to seconds.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from sochat.domain.errors import Conflict, InvalidInput, PayloadTooLarge
from sochat.domain.fields import INT32_MAX

_OPS = ("add", "remove", "replace", "move", "copy", "test")

MAX_OPERATIONS = 1000  # a ChatSessionEntity has 31 properties; a full rewrite needs far fewer
MAX_DEPTH = 32  # nesting levels; the entity with its carriers is 2 deep
MAX_STEPS = 500_000  # lookup and shift steps per patch: about a tenth of a second at most
DEFAULT_MAX_BYTES = 1024 * 1024  # the default request body limit (Settings.max_body_bytes)


def target_id(document_key: str, patch: Any) -> int | None:
    """The id a patch names for its target: ``/<key>`` in a test or replace op, or the merge patch's member."""
    wanted = document_key.lower()
    if isinstance(patch, list):
        for op in patch:
            if (
                isinstance(op, dict)
                and str(op.get("op", "")).lower() in ("test", "replace")
                and isinstance(op.get("path"), str)
                and op["path"].removeprefix("/").lower() == wanted
            ):
                return _positive_int(op.get("value"))
        return None
    if isinstance(patch, dict):
        for key, value in patch.items():
            if isinstance(key, str) and key.lower() == wanted:
                return _positive_int(value)
    return None


def _positive_int(value: Any) -> int | None:
    """A stored id (1..int32 max) or None; a value beyond int32 names nothing, and conversion later says why."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.isdigit() and len(text) <= 10):
            return None
        value = int(text)
    return value if isinstance(value, int) and 0 < value <= INT32_MAX else None


# -- measuring ------------------------------------------------------------------------------------
#
# Values are measured by their JSON encoding: msgspec writes it in C, so its length is the value's exact encoded
# size at a few nanoseconds per node, and decoding it again is a deep copy at the same speed (copy.deepcopy and
# any walk in Python cost a microsecond per node, which is most of a second for a body of a million bytes).

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder()
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')  # msgspec escapes only with backslashes
_NOT_BRACKET = bytes(byte for byte in range(256) if byte not in b"[]{}")


class _TooLarge(Exception):
    """A value's encoded size is past the budget it was measured against."""


class _TooDeep(Exception):
    """A value nests deeper than the levels it was allowed."""


def _measure(value: Any, *, budget: int, levels: int) -> tuple[bytes, int]:
    """The JSON encoding of ``value`` and its nesting height (0 for a scalar, 1 for a flat array or object).

    _TooLarge when the encoding is longer than ``budget``, _TooDeep when the height is more than ``levels``.
    """
    encoded = _encoder.encode(value)
    if len(encoded) > budget:
        raise _TooLarge
    # Take the strings out, keep only the brackets, and strip innermost pairs one level per round.
    brackets = _STRING.sub(b"", encoded).translate(None, _NOT_BRACKET)
    height = 0
    while brackets:
        if height == levels:
            raise _TooDeep
        brackets = brackets.replace(b"[]", b"").replace(b"{}", b"")
        height += 1
    return encoded, height


def _too_deep(where: str) -> InvalidInput:
    return InvalidInput(
        f"{where}: the value would nest deeper than the limit of {MAX_DEPTH} levels; nothing was saved",
        property_name="body",
    )


# -- RFC 6902 -------------------------------------------------------------------------------------


def apply_json_patch(document: Any, operations: Any, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Any:
    """Apply the operations in order to a copy of ``document``; all or nothing, within the bounds above."""
    if not isinstance(operations, list):
        raise InvalidInput("A JSON Patch body must be an array of operations", property_name="body")
    if len(operations) > MAX_OPERATIONS:
        raise PayloadTooLarge(
            f"The JSON Patch has {len(operations)} operations; the limit is {MAX_OPERATIONS}; nothing was saved"
        )
    return _JsonPatch(document, max_bytes).apply(operations)


class _Budget:
    """What one patch has built so far: the document's encoded size (a running total that removals do not
    lower, so it also bounds the work of all copies), its nesting height and the lookup steps spent."""

    def __init__(self, max_bytes: int, what: str) -> None:
        self.max_bytes = max_bytes
        self.what = what
        self.size = 0
        self.height = 0
        self.steps = 0

    def place(self, value: Any, at_level: int, where: str) -> Any:
        """A fresh copy of ``value`` to place inside ``at_level`` containers, once it fits the bounds;
        PayloadTooLarge or InvalidInput before anything is built otherwise."""
        try:
            encoded, height = _measure(value, budget=self.max_bytes - self.size, levels=MAX_DEPTH - at_level)
        except _TooLarge:
            raise PayloadTooLarge(
                f"{where}: the patched document would be larger than the limit of {self.max_bytes} bytes (the"
                " body limit; every value a patch adds, replaces or copies counts in full); nothing was saved"
            ) from None
        except _TooDeep:
            raise _too_deep(where) from None
        self.size += len(encoded)
        self.height = max(self.height, at_level + height)
        return _decoder.decode(encoded) if isinstance(value, dict | list) else value

    def check_depth(self, value: Any, where: str) -> None:
        """Refuse a value nested deeper than MAX_DEPTH (a ``test`` value: it is compared, not placed)."""
        try:
            _measure(value, budget=self.max_bytes, levels=MAX_DEPTH)
        except _TooLarge:
            pass  # a test value is compared with the document, never built, so its size is not the document's
        except _TooDeep:
            raise _too_deep(where) from None

    def spend_steps(self, steps: int, where: str) -> None:
        self.steps += steps
        if self.steps > MAX_STEPS:
            raise PayloadTooLarge(
                f"{where}: the {self.what} needs more than the limit of {MAX_STEPS} steps of name lookups and"
                " array shifts (objects or arrays with very many members); nothing was saved"
            )


class _JsonPatch:
    def __init__(self, document: Any, max_bytes: int) -> None:
        self.budget = _Budget(max_bytes, "JSON Patch")
        self.document = self.budget.place(document, 0, "The patch target")

    def apply(self, operations: list[Any]) -> Any:
        for index, operation in enumerate(operations):
            self.document = self._apply_one(self.document, operation, f"JSON Patch operation {index}")
        return self.document

    def _apply_one(self, document: Any, operation: Any, where: str) -> Any:
        if not isinstance(operation, dict):
            raise InvalidInput(f"{where} is not an object", property_name="body")
        members = {str(k).lower(): v for k, v in operation.items()}
        op = members.get("op")
        if not isinstance(op, str) or op.lower() not in _OPS:
            raise InvalidInput(f"{where}: 'op' must be one of {', '.join(_OPS)}", property_name="body")
        op = op.lower()
        path = _tokens(members.get("path"), where, "path")
        if op in ("add", "replace", "test") and "value" not in members:
            raise InvalidInput(f"{where} ({op}) has no 'value'", property_name="body")
        value = members.get("value")
        if op == "add":
            return self._add(document, path, self.budget.place(value, len(path), where), where)
        if op == "replace":
            return self._replace(document, path, self.budget.place(value, len(path), where), where)
        if op == "remove":
            return self._remove(document, path, where)[0]
        if op == "test":
            self.budget.check_depth(value, where)  # comparing recurses into it
            actual = self._get(document, path, where)
            if not _json_equal(actual, value):
                raise Conflict(f"{where}: test failed at '{members.get('path')}'; nothing was saved")
            return document
        source = _tokens(members.get("from"), where, "from")
        if op == "move":
            if path[: len(source)] == source and len(path) > len(source):
                raise InvalidInput(f"{where}: cannot move a value into itself", property_name="body")
            # The moved value is at most as deep as the document below its old place; measuring it exactly
            # would cost its size on every move.
            moved_height = self.budget.height - len(source)
            if len(path) + moved_height > MAX_DEPTH:
                raise _too_deep(where)
            self.budget.height = max(self.budget.height, len(path) + moved_height)
            document, moved = self._remove(document, source, where)
            return self._add(document, path, moved, where)
        copied = self.budget.place(self._get(document, source, where), len(path), where)
        return self._add(document, path, copied, where)

    # -- paths -----------------------------------------------------------------------------------

    def _key(self, container: dict[str, Any], token: str, where: str) -> str | None:
        if token in container:
            return token
        self.budget.spend_steps(len(container), where)
        lowered = token.lower()
        return next((key for key in container if key.lower() == lowered), None)

    def _get(self, document: Any, path: list[str], where: str) -> Any:
        current = document
        for depth, token in enumerate(path, 1):
            if isinstance(current, dict):
                key = self._key(current, token, where)
                if key is None:
                    raise InvalidInput(f"{where}: '{_clip(token)}' does not exist", property_name=_dotted(path[:depth]))
                current = current[key]
            elif isinstance(current, list):
                current = current[_index(current, token, where, allow_end=False)]
            else:
                raise InvalidInput(f"{where}: '{_clip(token)}' does not exist", property_name=_dotted(path[:depth]))
        return current

    def _add(self, document: Any, path: list[str], value: Any, where: str) -> Any:
        if not path:
            return value
        parent = self._get(document, path[:-1], where)
        token = path[-1]
        if isinstance(parent, dict):
            parent[self._key(parent, token, where) or token] = value
        elif isinstance(parent, list):
            position = _index(parent, token, where, allow_end=True)
            self.budget.spend_steps(len(parent) - position, where)
            parent.insert(position, value)
        else:
            raise InvalidInput(
                f"{where}: cannot add '{_clip(token)}' to a {type(parent).__name__}", property_name=_dotted(path)
            )
        return document

    def _replace(self, document: Any, path: list[str], value: Any, where: str) -> Any:
        if not path:
            return value
        parent = self._get(document, path[:-1], where)
        token = path[-1]
        if isinstance(parent, dict):
            key = self._key(parent, token, where)
            if key is None:
                raise InvalidInput(f"{where}: '{_clip(token)}' does not exist", property_name=_dotted(path))
            parent[key] = value
        elif isinstance(parent, list):
            parent[_index(parent, token, where, allow_end=False)] = value
        else:
            raise InvalidInput(f"{where}: '{_clip(token)}' does not exist", property_name=_dotted(path))
        return document

    def _remove(self, document: Any, path: list[str], where: str) -> tuple[Any, Any]:
        if not path:
            return None, document
        parent = self._get(document, path[:-1], where)
        token = path[-1]
        if isinstance(parent, dict):
            key = self._key(parent, token, where)
            if key is None:
                raise InvalidInput(f"{where}: '{_clip(token)}' does not exist", property_name=_dotted(path))
            return document, parent.pop(key)
        if isinstance(parent, list):
            position = _index(parent, token, where, allow_end=False)
            self.budget.spend_steps(len(parent) - position, where)
            return document, parent.pop(position)
        raise InvalidInput(f"{where}: '{_clip(token)}' does not exist", property_name=_dotted(path))


def _tokens(pointer: Any, where: str, member: str) -> list[str]:
    """RFC 6901 tokens; SuperOffice lets the leading "/" be left out, so "status" is "/status"."""
    if not isinstance(pointer, str):
        raise InvalidInput(f"{where} has no '{member}' string", property_name="body")
    if pointer == "":
        return []
    body = pointer[1:] if pointer.startswith("/") else pointer
    if body.count("/") >= MAX_DEPTH:
        raise InvalidInput(
            f"{where}: '{member}' has more than {MAX_DEPTH} levels, the limit for a patched document",
            property_name="body",
        )
    return [part.replace("~1", "/").replace("~0", "~") for part in body.split("/")]


def _index(container: list[Any], part: str, where: str, *, allow_end: bool) -> int:
    if part == "-" and allow_end:
        return len(container)
    # ASCII digits only ("²".isdigit() is true, but int() refuses it), no leading zeros (RFC 6901).
    if not (part.isascii() and part.isdigit()) or (len(part) > 1 and part.startswith("0")):
        raise InvalidInput(f"{where}: '{_clip(part)}' is not an array index", property_name="body")
    # An index longer than any array's length is past its end; int() of it could be slow or refused.
    position = int(part) if len(part) <= len(str(len(container))) else len(container) + 1
    if position > len(container) or (position == len(container) and not allow_end):
        raise InvalidInput(f"{where}: index {_clip(part)} is past the end of the array", property_name="body")
    return position


def _clip(text: str) -> str:
    return text if len(text) <= 40 else text[:40] + "..."


def _dotted(path: list[str]) -> str:
    """A pointer's tokens as the property path errors carry (``User.AssociateId``), each token clipped."""
    return ".".join(_clip(token) for token in path)


def _json_equal(left: Any, right: Any) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left == right
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_json_equal(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(_json_equal(a, b) for a, b in zip(left, right, strict=True))
    return type(left) is type(right) and left == right


# -- RFC 7396 -------------------------------------------------------------------------------------


def apply_merge_patch(target: Any, patch: Any, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Any:
    """RFC 7396's MergePatch, with member names matched without regard to case.

    The target and the patch are measured (size and depth, see above) and copied first, so that the merge
    works on copies of its own and its recursion is no deeper than MAX_DEPTH.
    """
    budget = _Budget(max_bytes, "merge patch")
    document = budget.place(target, 0, "The merge patch target")
    return _merge(document, budget.place(patch, 0, "The merge patch"), budget)


def _merge(target: Any, patch: Any, budget: _Budget) -> Any:
    """Merge ``patch`` into ``target`` in place; both are the patch's own copies."""
    if not isinstance(patch, dict):
        return patch
    result = target if isinstance(target, dict) else {}
    for name, value in patch.items():
        key = name if name in result else _merge_key(result, name, budget)
        if value is None:
            result.pop(key, None)
        else:
            result[key] = _merge(result.get(key), value, budget)
    return result


def _merge_key(container: dict[str, Any], name: str, budget: _Budget) -> str:
    budget.spend_steps(len(container), "The merge patch")
    lowered = name.lower()
    return next((key for key in container if key.lower() == lowered), name)
