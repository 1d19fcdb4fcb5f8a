"""tests/ci.py: under CI=true a browser, axe, nginx or OCR test that skips for
want of its tool fails the run; other skips stay skips, and locally all do."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SAMPLE = textwrap.dedent(
    """
    import pytest

    @pytest.mark.skipif(True, reason="nginx is not installed")
    def test_nginx():
        pass

    @pytest.mark.skipif(True, reason="ocrmypdf is not installed (apt-get install ocrmypdf)")
    def test_ocr():
        pass

    @pytest.mark.browser
    def test_in_a_browser():
        pytest.skip("no page today")

    @pytest.mark.skipif(True, reason="SQLite's settings")
    def test_other_engine():
        pass
    """
)

MODULE_SKIPPED = 'import pytest\npytest.skip("browser tests need Chromium at /x", allow_module_level=True)\n'


# Only the hooks under test: no Django, no workers, no cache folder.
PLUGINS = ["-p", "tests.ci", "-p", "no:django", "-p", "no:xdist", "-p", "no:cacheprovider"]


def run_sample(tmp_path: Path, source: str, ci: str) -> subprocess.CompletedProcess:
    (tmp_path / "test_sample.py").write_text(source)
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers = browser\n")
    environment = {key: value for key, value in os.environ.items() if key not in ("CI", "DJANGO_SETTINGS_MODULE")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-rA", "test_sample.py", *PLUGINS],
        cwd=tmp_path,
        env=environment | {"CI": ci, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("ci", ["", "false"])
def test_skips_stay_skips_outside_ci(tmp_path, ci):
    result = run_sample(tmp_path, SAMPLE, ci)
    assert result.returncode == 0, result.stdout
    assert "4 skipped" in result.stdout


def test_under_ci_a_missing_tool_or_a_skipped_browser_test_fails(tmp_path):
    result = run_sample(tmp_path, SAMPLE, "true")
    assert result.returncode == 1, result.stdout
    assert "1 failed, 1 skipped, 2 errors" in result.stdout  # a skip inside the test fails it
    assert "skipped for want of a tool, which CI=true does not allow: nginx is not installed" in result.stdout
    assert "SKIPPED [1] test_sample.py" in result.stdout and "SQLite's settings" in result.stdout


def test_under_ci_a_browser_module_skipped_whole_fails(tmp_path):
    result = run_sample(tmp_path, MODULE_SKIPPED, "true")
    assert result.returncode != 0
    assert "browser tests need Chromium" in result.stdout
    assert "1 error" in result.stdout
