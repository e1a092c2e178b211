"""The scoring code's fingerprint (part of every score's `engine_inputs_hash`) covers every
module a stored score is computed by, so a change there rescores everyone; and leaves out
the sentences, rendered on read, so rewording one rescores no one."""

from __future__ import annotations

import ast
import importlib
import importlib.util
from pathlib import Path

from service.usecases.scoring import recompute

ROOT = Path(recompute.__file__).resolve().parents[3]
# Where a stored score is computed: the recompute and the use-case code feeding the engine,
# the engine, and the stored score (the JSON written: stored.py).
WRITE_PATH = (
    "service.usecases.scoring.recompute",
    "service.usecases.scoring.aggregates",
    "service.usecases.scoring.engine_inputs",
    "service.usecases.parsing",
    "service.scoring.engine",
    "service.scoring.stored",
)
PURE = "service.scoring"


def _file(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    assert spec is not None, module
    assert spec.origin is not None, module
    return Path(spec.origin).resolve()


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def _imported(module: str) -> set[str]:
    """The service modules `module` takes code from: a name imported from a package
    counts as the module that defines it (`from service.scoring import format_fixed` is
    rounding.py's), not the package's `__init__`, which imports everything."""
    tree = ast.parse(_file(module).read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("service")}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("service"):
            source = node.module or ""
            for alias in node.names:
                if _is_module(f"{source}.{alias.name}"):
                    found.add(f"{source}.{alias.name}")
                    continue
                value = getattr(importlib.import_module(source), alias.name)
                found.add(getattr(value, "__module__", None) or source)
    return found


def _stored_value_modules() -> set[Path]:
    """The write path's modules and the pure scoring modules they reach, transitively."""
    seen: set[str] = set()
    todo = list(WRITE_PATH)
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        todo += [m for m in _imported(module) if m == PURE or m.startswith(PURE + ".")]
    return {_file(m) for m in seen}


def test_the_fingerprint_covers_every_module_a_stored_score_is_computed_by() -> None:
    fingerprinted = {f.resolve() for f in recompute.scoring_code_files()}
    needed = _stored_value_modules()
    missing = sorted(str(f.relative_to(ROOT)) for f in needed - fingerprinted)
    assert not missing, f"add these to recompute._SCORING_CODE: {missing}"
    # The walk sees through the package: engine, stored and what they use are found.
    names = {f.relative_to(ROOT).as_posix() for f in needed}
    assert {
        "service/scoring/engine.py",
        "service/scoring/stored.py",
        "service/scoring/rounding.py",
        "service/scoring/eligibility.py",
    } <= names


def test_the_sentences_are_left_out_and_nothing_stored_uses_them() -> None:
    explain = ROOT / "service/scoring/explain.py"
    assert explain not in {f.resolve() for f in recompute.scoring_code_files()}
    assert explain not in _stored_value_modules()
    assert all(f.exists() for f in recompute.scoring_code_files())
