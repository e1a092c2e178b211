"""The layout rules of DESIGN.md, checked on every run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_graphql_folder_never_holds_python(project_root: Path) -> None:
    assert list((project_root / "graphql").rglob("*.py")) == []


def test_graphql_import_is_graphql_core_not_our_contract_folder() -> None:
    import graphql

    assert hasattr(graphql, "graphql_sync"), graphql.__file__
    assert "site-packages" in str(graphql.__file__)


def test_layers_point_one_way_and_the_engine_is_pure(project_root: Path) -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports)], cwd=project_root, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
