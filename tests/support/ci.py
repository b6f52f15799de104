"""In CI (CI=true), a skipped test fails: a test that cannot run there is a gap in what CI proves, and a skip
would hide it (issue 19). .ci/run installs what the tests need (nginx, ...), so a skip in CI means a tool or file
is missing from the machine; the failure names the test and the reason it gave.

Outside CI a skip stays a skip with its reason, as before. xfail is not a skip: it is untouched.
"""

from __future__ import annotations

import os
from collections.abc import Generator

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, None, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if not IN_CI or not report.skipped or hasattr(report, "wasxfail"):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    report.outcome = "failed"
    report.longrepr = f"skipped in CI (CI=true), which CI does not allow: {reason}"


def pytest_collectreport(report: pytest.CollectReport) -> None:
    """A whole module skipped at import (pytest.skip(allow_module_level=True)) fails in CI as well."""
    if IN_CI and report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped in CI (CI=true), which CI does not allow: {reason}"
