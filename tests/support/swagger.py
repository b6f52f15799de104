"""SuperOffice's Swagger files (the contract for names and types), found and read once for every test that
compares sochat's OpenAPI document or schemas with them.

The copies live in ../shared/spec/swagger beside the checkout (or two levels up, from a worktree), or where
SOCHAT_SUPEROFFICE_SWAGGER points; without them a test skips and says so (and fails in CI, tests/support/ci.py).
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


@cache
def swagger_files(*names: str) -> dict[str, dict[str, Any]]:
    """The named files, parsed, by file name."""
    candidates = [REPO_ROOT.parent / "shared/spec/swagger", REPO_ROOT.parent.parent / "shared/spec/swagger"]
    if os.environ.get("SOCHAT_SUPEROFFICE_SWAGGER"):
        candidates.insert(0, Path(os.environ["SOCHAT_SUPEROFFICE_SWAGGER"]))
    folder = next((path for path in candidates if all((path / name).is_file() for name in names)), None)
    if folder is None:
        pytest.skip(f"SuperOffice's Swagger copies ({', '.join(names)}) are not in ../shared/spec/swagger")
    return {name: json.loads((folder / name).read_text(encoding="utf-8")) for name in names}


def definitions(*names: str) -> dict[str, dict[str, Any]]:
    """The files' definitions by short name (SuperOffice.CRM.Services.Associate -> Associate)."""
    merged: dict[str, dict[str, Any]] = {}
    for swagger in swagger_files(*names).values():
        for full, schema in swagger["definitions"].items():
            merged[full.rsplit(".", 1)[-1]] = schema
    return merged


def schema_shape(schema: dict[str, Any]) -> Any:
    """What a client generator reads from a schema: type, format, enum, referenced schema, items, dictionary
    values; nullability (which Swagger 2.0 cannot state), descriptions and bounds are left out, and so is our
    unset-date branch."""
    if "$ref" in schema:
        return {"$ref": schema["$ref"].rsplit("/", 1)[-1].rsplit(".", 1)[-1]}
    for key in ("oneOf", "anyOf"):
        if key in schema:
            options = [option for option in schema[key] if option != {"type": "null"} and "const" not in option]
            assert len(options) == 1, schema
            return schema_shape(options[0])
    shape: dict[str, Any] = {}
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [item for item in kind if item != "null"]
        kind = kinds[0] if len(kinds) == 1 else kinds
    if kind is not None:
        shape["type"] = kind
    for key in ("format", "enum"):
        if key in schema:
            shape[key] = schema[key]
    if isinstance(schema.get("items"), dict):
        shape["items"] = schema_shape(schema["items"])
    if isinstance(schema.get("additionalProperties"), dict) and schema["additionalProperties"]:
        shape["additionalProperties"] = schema_shape(schema["additionalProperties"])
    return shape
