"""The layout rules of DESIGN.md, checked on every run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any


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


def test_architecture_doc_names_every_contract_and_cites_only_modules_that_exist(
    project_root: Path,
) -> None:
    """docs/architecture.md is the map of these layers: it stays true to the code."""
    import re
    import tomllib

    doc = (project_root / "docs" / "architecture.md").read_text(encoding="utf-8")
    config = tomllib.loads((project_root / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = [c["name"] for c in config["tool"]["importlinter"]["contracts"]]
    assert contracts, "pyproject.toml declares no import-linter contract"
    assert [name for name in contracts if name not in doc] == []
    cited = set(re.findall(r"`((?:service|admin|tests)/[\w/]+\.py)`", doc))
    assert cited, "docs/architecture.md cites no module"
    assert sorted(path for path in cited if not (project_root / path).is_file()) == []


def _setuptools_config(project_root: Path) -> dict[str, Any]:
    import tomllib

    config = tomllib.loads((project_root / "pyproject.toml").read_text(encoding="utf-8"))
    found: dict[str, Any] = config["tool"]["setuptools"]
    return found


def test_the_install_ships_every_module_and_admin_file_and_no_graphql_package(
    project_root: Path,
) -> None:
    """What `pip install .` puts in the wheel, checked without building one: every folder
    of Python code is a package it finds, `graphql/` is not, and the admin's templates,
    static files and translations match its package data (so none is left behind and
    no data folder is a package setuptools does not know of, which it warns about)."""
    from setuptools import find_namespace_packages  # type: ignore[import-untyped]

    setup = _setuptools_config(project_root)
    find = setup["packages"]["find"]
    found = set(
        find_namespace_packages(
            where=str(project_root), include=find["include"], exclude=find["exclude"]
        )
    )
    assert "graphql" not in found
    for top in ("service", "admin", "migrations"):
        for module in (project_root / top).rglob("*.py"):
            package = ".".join(module.parent.relative_to(project_root).parts)
            assert package in found, f"{module} would not be installed"
    admin = project_root / "admin"
    shipped = {path for pattern in setup["package-data"]["admin"] for path in admin.glob(pattern)}
    for folder in ("templates", "static", "locales"):
        files = [p for p in (admin / folder).rglob("*") if p.is_file()]
        assert files
        for data in files:
            assert data in shipped, f"{data} would not be installed"
            package = ".".join(data.parent.relative_to(project_root).parts)
            if package.replace(".", "").replace("_", "").isalnum():
                assert package in found, f"{package} holds data but is no package"


def test_architecture_doc_describes_each_contract_once(project_root: Path) -> None:
    """One bullet per import-linter contract: none missing, none stale or repeated."""
    import re
    import tomllib

    doc = (project_root / "docs" / "architecture.md").read_text(encoding="utf-8")
    config = tomllib.loads((project_root / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = [c["name"] for c in config["tool"]["importlinter"]["contracts"]]
    described = re.findall(r'^- \*\*"([^"]+)"\*\*', doc, re.M)
    assert described == contracts


def test_architecture_doc_names_only_functions_its_modules_hold(project_root: Path) -> None:
    """Where the map says `module.py` `name` (or `module.py` (`a`, `b`)), the module holds
    a definition or an assignment of that name: a rename breaks this test, not the map."""
    import re

    doc = (project_root / "docs" / "architecture.md").read_text(encoding="utf-8")
    cited = re.compile(
        r"`((?:service|admin)/[\w/]+\.py)`((?:\s*\(?\s*`[\w.]+`(?:\s*(?:,|/|and|or)\s*)?)+)"
    )
    missing = []
    for found in cited.finditer(doc):
        path = project_root / found.group(1)
        source = path.read_text(encoding="utf-8") if path.is_file() else ""
        for name in re.findall(r"`([\w.]+)`", found.group(2)):
            first = name.split(".")[0]
            if first != first.lower() and first[0].islower():
                continue  # a GraphQL field's name (scoreChanged), not Python's
            defined = re.compile(
                rf"^\s*(?:async\s+def|def|class)\s+{first}\b|^\s*(?:self\.)?{first}\s*[:=]",
                re.M,
            )
            if not defined.search(source):
                missing.append(f"{found.group(1)} {name}")
    assert missing == []


def test_only_the_stored_score_module_reads_a_scores_json(project_root: Path) -> None:
    """Issue 10 §1: a score's explanation is read through `StoredScore.from_row`, never
    by indexing the JSON or parsing it again (docs/architecture.md, "The stored score")."""
    import re

    direct = re.compile(
        r"explanation\w*\s*(?:\[|\.get\()|json\.loads\([^)]*explanation|"
        r"\.values(?:_list)?\([^)]*\"explanation\"[^)]*\)\s*(?:\[|\.get\()"
    )
    home = project_root / "service" / "scoring" / "stored.py"
    found = [
        f"{path.relative_to(project_root)}:{number}"
        for folder in ("service", "admin")
        for path in sorted((project_root / folder).rglob("*.py"))
        if path != home
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if direct.search(line)
    ]
    assert found == []
