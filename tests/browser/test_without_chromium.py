"""Without Chromium the browser tests skip with the reason, and fail under CI=true: the
check comes before any browser is launched (it used to come after, so a machine
without Chromium saw one error per browser test instead).

The browser tests themselves run in a child pytest pointed at a browser that is missing
or broken; this file needs no browser.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser.conftest import (
    CHROMIUM_VARIABLE,
    INSTALL_HINT,
    chromium_executable,
    missing_chromium_reason,
)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BROWSER_TESTS = sorted(
    str(path.relative_to(ROOT))
    for path in HERE.glob("test_*.py")
    if path.name != Path(__file__).name
)


def run_browser_tests(chromium: str, *, ci: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env[CHROMIUM_VARIABLE] = chromium
    env["COLUMNS"] = "400"  # whole reasons in the summary, not cut to 80 columns
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rsEf", "-p", "no:cacheprovider", *BROWSER_TESTS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_there_are_browser_tests_to_check() -> None:
    assert len(BROWSER_TESTS) >= 6


def test_a_browser_path_that_names_a_missing_file_is_no_browser(tmp_path: Path) -> None:
    missing = tmp_path / "no-chromium"
    assert chromium_executable({CHROMIUM_VARIABLE: str(missing)}) is None
    reason = missing_chromium_reason({CHROMIUM_VARIABLE: str(missing)})
    assert str(missing) in reason
    assert INSTALL_HINT in reason
    present = tmp_path / "chromium"
    present.write_text("")
    assert chromium_executable({CHROMIUM_VARIABLE: str(present)}) == str(present)


def test_without_chromium_every_browser_test_skips_with_the_reason(tmp_path: Path) -> None:
    missing = tmp_path / "no-chromium"

    done = run_browser_tests(str(missing), ci=False)

    assert done.returncode == 0, done.stdout + done.stderr
    summary = done.stdout.strip().splitlines()[-1]
    assert "skipped" in summary
    assert "error" not in summary
    assert "failed" not in summary
    assert f"Chromium is not installed at {missing} ({INSTALL_HINT})" in done.stdout


def test_without_chromium_under_ci_every_browser_test_fails(tmp_path: Path) -> None:
    missing = tmp_path / "no-chromium"

    done = run_browser_tests(str(missing), ci=True)

    assert done.returncode != 0
    summary = done.stdout.strip().splitlines()[-1]
    assert "skipped" not in summary
    assert "passed" not in summary
    assert f"CI=true and Chromium is not installed at {missing}" in done.stdout


def test_a_chromium_that_does_not_start_skips_with_the_reason(tmp_path: Path) -> None:
    pytest.importorskip("playwright")
    broken = tmp_path / "chromium"
    broken.write_text("#!/bin/sh\necho 'not a browser' >&2\nexit 1\n")
    broken.chmod(0o755)

    done = run_browser_tests(str(broken), ci=False)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "error" not in done.stdout.strip().splitlines()[-1]
    assert f"Chromium at {broken} did not start" in done.stdout
