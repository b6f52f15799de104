"""JSON Patch (RFC 6902) and JSON Merge Patch (RFC 7396) on plain values, with SuperOffice's path rules.

SuperOffice matches patch paths without regard to case and lets the leading "/" be left out
(``/department`` and ``Department`` are the same). It supports add, replace, remove and test; we also
support move and copy, with the same path rules. A failing ``test`` is a Conflict (409).
"""

from __future__ import annotations

import copy
from typing import Any

from sochat.domain.errors import Conflict, InvalidInput

_OPS = ("add", "remove", "replace", "move", "copy", "test")


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
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    return value if isinstance(value, int) and value > 0 else None


# -- RFC 6902 -------------------------------------------------------------------------------------


def apply_json_patch(document: Any, operations: Any) -> Any:
    """Apply the operations in order to a copy of ``document``; all or nothing."""
    if not isinstance(operations, list):
        raise InvalidInput("A JSON Patch body must be an array of operations", property_name="body")
    result = copy.deepcopy(document)
    for index, operation in enumerate(operations):
        result = _apply_one(result, operation, index)
    return result


def _apply_one(document: Any, operation: Any, index: int) -> Any:
    where = f"JSON Patch operation {index}"
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
        return _add(document, path, copy.deepcopy(value), where)
    if op == "remove":
        return _remove(document, path, where)[0]
    if op == "replace":
        return _replace(document, path, copy.deepcopy(value), where)
    if op == "test":
        actual = _get(document, path, where)
        if not _json_equal(actual, value):
            raise Conflict(f"{where}: test failed at '{members.get('path')}'; nothing was saved")
        return document
    source = _tokens(members.get("from"), where, "from")
    if op == "move":
        if path[: len(source)] == source and len(path) > len(source):
            raise InvalidInput(f"{where}: cannot move a value into itself", property_name="body")
        document, moved = _remove(document, source, where)
        return _add(document, path, moved, where)
    return _add(document, path, copy.deepcopy(_get(document, source, where)), where)  # copy


def _tokens(pointer: Any, where: str, member: str) -> list[str]:
    """RFC 6901 tokens; SuperOffice lets the leading "/" be left out, so "status" is "/status"."""
    if not isinstance(pointer, str):
        raise InvalidInput(f"{where} has no '{member}' string", property_name="body")
    if pointer == "":
        return []
    body = pointer[1:] if pointer.startswith("/") else pointer
    return [part.replace("~1", "/").replace("~0", "~") for part in body.split("/")]


def _key(container: dict[str, Any], token: str) -> str | None:
    if token in container:
        return token
    lowered = token.lower()
    return next((key for key in container if key.lower() == lowered), None)


def _index(container: list[Any], part: str, where: str, *, allow_end: bool) -> int:
    if part == "-" and allow_end:
        return len(container)
    if not part.isdigit() or (len(part) > 1 and part.startswith("0")):
        raise InvalidInput(f"{where}: '{part}' is not an array index", property_name="body")
    position = int(part)
    if position > len(container) or (position == len(container) and not allow_end):
        raise InvalidInput(f"{where}: index {position} is past the end of the array", property_name="body")
    return position


def _parent(document: Any, path: list[str], where: str) -> Any:
    return _get(document, path[:-1], where)


def _get(document: Any, path: list[str], where: str) -> Any:
    current = document
    for token in path:
        if isinstance(current, dict):
            key = _key(current, token)
            if key is None:
                raise InvalidInput(f"{where}: '{token}' does not exist", property_name=token)
            current = current[key]
        elif isinstance(current, list):
            current = current[_index(current, token, where, allow_end=False)]
        else:
            raise InvalidInput(f"{where}: '{token}' does not exist", property_name=token)
    return current


def _add(document: Any, path: list[str], value: Any, where: str) -> Any:
    if not path:
        return value
    parent = _parent(document, path, where)
    token = path[-1]
    if isinstance(parent, dict):
        parent[_key(parent, token) or token] = value
    elif isinstance(parent, list):
        parent.insert(_index(parent, token, where, allow_end=True), value)
    else:
        raise InvalidInput(f"{where}: cannot add '{token}' to a {type(parent).__name__}", property_name=token)
    return document


def _replace(document: Any, path: list[str], value: Any, where: str) -> Any:
    if not path:
        return value
    parent = _parent(document, path, where)
    token = path[-1]
    if isinstance(parent, dict):
        key = _key(parent, token)
        if key is None:
            raise InvalidInput(f"{where}: '{token}' does not exist", property_name=token)
        parent[key] = value
    elif isinstance(parent, list):
        parent[_index(parent, token, where, allow_end=False)] = value
    else:
        raise InvalidInput(f"{where}: '{token}' does not exist", property_name=token)
    return document


def _remove(document: Any, path: list[str], where: str) -> tuple[Any, Any]:
    if not path:
        return None, document
    parent = _parent(document, path, where)
    token = path[-1]
    if isinstance(parent, dict):
        key = _key(parent, token)
        if key is None:
            raise InvalidInput(f"{where}: '{token}' does not exist", property_name=token)
        return document, parent.pop(key)
    if isinstance(parent, list):
        return document, parent.pop(_index(parent, token, where, allow_end=False))
    raise InvalidInput(f"{where}: '{token}' does not exist", property_name=token)


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


def apply_merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396's MergePatch, with member names matched without regard to case."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        key = _key(result, name) or name
        if value is None:
            result.pop(key, None)
        else:
            result[key] = apply_merge_patch(result.get(key), value)
    return result
