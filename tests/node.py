"""The node tools of tests/clients (pinned by its package-lock.json; .ci/run installs
them with `npm ci`). Without node or the packages a test skips; under CI=true it fails,
so a green CI means the client tests ran."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import IN_CI

CLIENTS = Path(__file__).resolve().parent / "clients"


def node_tools() -> str:
    """The node binary, once tests/clients has its packages; else skip (fail in CI)."""
    node = shutil.which("node")
    missing = None
    if node is None:
        missing = "node is not installed"
    elif not (CLIENTS / "node_modules").is_dir():
        missing = "tests/clients has no node_modules: run `npm ci` there"
    if missing is not None:
        if IN_CI:
            pytest.fail(f"CI=true and {missing}")
        pytest.skip(missing)
    assert node is not None
    return node


def bin_of(name: str) -> Path:
    return CLIENTS / "node_modules" / ".bin" / name
