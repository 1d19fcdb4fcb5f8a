"""Under CI=true, a test skipped for want of a tool fails the run instead.

Locally, the browser, axe-core, nginx and OCR tests skip with a message when
Chromium, node_modules, nginx or ocrmypdf is missing; in CI (`.ci/run` sets
CI=true) such a skip would let a green run prove less than it says. Other
skips (a test for the other database engine, a tmpfs that may not be
mounted, the stack test without its database) stay skips. tests/conftest.py
imports these hooks; tests/test_ci.py runs them. No Django here.
"""

import os
import re

import pytest

# The tools whose absence a skip reason names (tests/test_browser.py,
# test_deploy_files.py, test_import_pdfs.py).
MISSING_TOOL = re.compile(r"chromium|axe-core|nginx|ocrmypdf", re.IGNORECASE)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1")


def skip_reason(report) -> str:
    longrepr = report.longrepr
    reason = str(longrepr[2]) if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr or "")
    return reason.removeprefix("Skipped: ")


def fails_in_ci(report, *, browser: bool = False) -> bool:
    return report.skipped and in_ci() and (browser or bool(MISSING_TOOL.search(skip_reason(report))))


def _fail(report) -> None:
    reason = skip_reason(report)
    report.outcome = "failed"
    report.longrepr = f"skipped for want of a tool, which CI=true does not allow: {reason}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if fails_in_ci(report, browser=item.get_closest_marker("browser") is not None):
        _fail(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    # A module skipped whole (test_browser.py without Chromium).
    report = yield
    if fails_in_ci(report):
        _fail(report)
    return report
