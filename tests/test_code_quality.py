"""The project's own checks run as part of the test suite, so the README's one test command covers them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The folders our checks cover; bench/ may be absent in a minimal checkout.
CHECKED = [name for name in ("src", "tests", "bench") if (ROOT / name).is_dir()]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_ruff_lint_is_clean() -> None:
    """ruff finds no lint problems in src/, tests/ and bench/."""
    result = _run("ruff", "check", *CHECKED)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean() -> None:
    """Every file is formatted as ruff format writes it."""
    result = _run("ruff", "format", "--check", *CHECKED)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_is_clean() -> None:
    """mypy --strict (configured in pyproject.toml) reports no error in the package."""
    result = _run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr


def test_import_layers_are_kept() -> None:
    """Every import-linter contract in pyproject.toml holds: the layers of docs/development.md, and the modules a
    layer may not reach around to."""
    lint_imports = Path(sys.executable).with_name("lint-imports")  # installed beside python by the test extra
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout, result.stdout
