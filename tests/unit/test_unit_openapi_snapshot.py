"""The OpenAPI document is generated from the operation table; this snapshot of the document as it was before the
table existed keeps the generation honest. Compared as parsed JSON (order of members does not matter).

After a deliberate change to the API, regenerate the snapshot and review its diff:
``python -c "import json; from sochat.http.openapi import document; d = document(); d['info']['version'] = 'VERSION';
print(json.dumps(d, indent=1, ensure_ascii=False))" > tests/unit/snapshots/openapi.json``
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sochat import __version__
from sochat.http.openapi import document

SNAPSHOT = Path(__file__).parent / "snapshots" / "openapi.json"


def _snapshot() -> dict[str, Any]:
    snapshot: dict[str, Any] = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    snapshot["info"]["version"] = __version__
    return snapshot


def test_openapi_document_matches_the_snapshot_path_by_path() -> None:
    """Each path item equals the snapshot's, so a failure names the operation that drifted."""
    generated, expected = document(), _snapshot()
    assert sorted(generated["paths"]) == sorted(expected["paths"])
    for path, item in expected["paths"].items():
        assert generated["paths"][path] == item, path


def test_openapi_document_matches_the_snapshot() -> None:
    """The whole document, components and all, equals the snapshot (through a JSON round trip, as served)."""
    assert json.loads(json.dumps(document())) == _snapshot()
