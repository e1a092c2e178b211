"""Every message a use case can say reads in Chinese on a Chinese admin page, even the
ones no test or demo triggers (admin/README.md, "Adding a message with values").

The messages are collected from the code: the template of each `Issue.of(field,
template, ...)` and `Issue(field, message, ...)`, and the message of each
`DomainError` raised (`NotFound("No goal has the id {id}.", id=...)`). The scorecard
and KPI checks of the engine (service/scoring/validation.py) are read too: the template
of each `_issue(code, field, template, ...)` and `_line_issue(code, index, line,
attribute, template, ...)`, also when it is a module constant, a sum of constants
(`LINE + "..."`) or an entry of a constant dict (`MISSING[name]`). A template
needs its entry in admin/locales/zh-CN/*.json, with the same `{values}`.

A message written as an f-string cannot be translated: its values are already inside
it. Those still in the code are counted per file in `F_STRING_MESSAGES`, a list that
only shrinks: a new one fails (write a template with values instead), and a file that
has fewer than listed fails until its number is lowered.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

from admin.i18n import catalogue

ROOT = Path(__file__).resolve().parents[2]
USE_CASES = ROOT / "service" / "usecases"
SCORECARD_CHECKS = ROOT / "service" / "scoring" / "validation.py"
ERRORS = {
    "DomainError",
    "NotFound",
    "PermissionDenied",
    "StaleVersion",
    "InvalidTransition",
    "DatabaseBusy",
    "ApplyFailed",
    "ParseError",  # service/usecases/parsing.py: becomes the caller's issue
}

# Shrinking: lower a number when you turn a file's f-string messages into templates.
F_STRING_MESSAGES: dict[str, int] = {}


def _called(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return f"{func.value.id}.{func.attr}"
    return None


# The position of the message among the arguments of the engine's issue makers and of
# a batch row's (`RowError.of(index, field, code, template)`, and the ingest's
# `fail(field, code, template)` beside each row).
ENGINE_MESSAGE_ARGUMENT = {"_issue": 2, "_line_issue": 4, "RowError.of": 3, "fail": 2}


def _message_argument(call: ast.Call) -> ast.expr | None:
    called = _called(call)
    if called in ("Issue", "Issue.of") and len(call.args) >= 2:
        return call.args[1]
    if called in ERRORS and call.args:
        return call.args[0]
    at = ENGINE_MESSAGE_ARGUMENT.get(called or "")
    if at is not None and len(call.args) > at:
        return call.args[at]
    return None


def _constants(tree: ast.Module) -> dict[str, ast.expr]:
    """The module's `NAME = value` assignments, to read a message written as a constant."""
    return {
        node.targets[0].id: node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
    }


def _literals(node: ast.expr, constants: dict[str, ast.expr]) -> list[str] | None:
    """The texts a message argument can be: a string literal, also one split over lines
    with `+`, a module constant, any entry of a constant dict it is looked up in, or
    either side of a conditional expression."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Name) and node.id in constants:
        return _literals(constants[node.id], constants)
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        table = constants.get(node.value.id)
        if isinstance(table, ast.Dict):
            found = [_literals(value, constants) for value in table.values]
            if all(texts is not None for texts in found):
                return [text for texts in found if texts is not None for text in texts]
    if isinstance(node, ast.IfExp):  # "one message" if ... else "another"
        body, orelse = _literals(node.body, constants), _literals(node.orelse, constants)
        if body is not None and orelse is not None:
            return [*body, *orelse]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literals(node.left, constants), _literals(node.right, constants)
        if left is not None and right is not None:
            return [a + b for a in left for b in right]
    return None


def _messages() -> tuple[dict[str, list[str]], Counter[str]]:
    """(each template with the places it is written; f-string messages per file)."""
    templates: dict[str, list[str]] = {}
    f_strings: Counter[str] = Counter()
    for path in [*sorted(USE_CASES.rglob("*.py")), SCORECARD_CHECKS]:
        name = path.relative_to(ROOT).as_posix()
        _collect(ast.parse(path.read_text(encoding="utf-8")), name, templates, f_strings)
    return templates, f_strings


def _collect(
    tree: ast.Module, name: str, templates: dict[str, list[str]], f_strings: Counter[str]
) -> None:
    constants = _constants(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        argument = _message_argument(node)
        if argument is None:
            continue
        texts = _literals(argument, constants)
        for text in texts or []:
            templates.setdefault(text, []).append(f"{name}:{node.lineno}")
        if isinstance(argument, ast.JoinedStr):
            f_strings[name] += 1


def _slots(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text))


def test_the_collector_finds_the_messages_it_is_written_for() -> None:
    templates, f_strings = _messages()
    assert "No position has the code {code}; add it first." in templates
    assert "is required" in templates
    # The engine's scorecard checks: a constant, a sum of constants, a dict's entries.
    assert "Add at least one line to the scorecard." in templates
    assert "Line {number} ({kpi}, {scope}): it has no bands; give it at least one." in templates
    assert (
        "Line {number} ({kpi}, {scope}): a {method} line needs a threshold; set one." in templates
    )
    assert any(text.startswith("A holder who leads their team") for text in templates)
    # A batch row's problems (service/usecases/scoring/ingest.py).
    assert "no team has the code {code}" in templates
    assert "{code} is rated by reviews, not observations; send reviews instead" in templates
    assert len(templates) > 100
    assert not f_strings


def test_the_collector_counts_an_f_string_message() -> None:
    templates: dict[str, list[str]] = {}
    f_strings: Counter[str] = Counter()
    code = (
        'Issue("code", f"{code} is taken")\nraise NotFound(f"No goal {id}")\n'
        'fail("kpiCode", "UNKNOWN", f"no KPI {code}")\n'
    )
    _collect(ast.parse(code), "example.py", templates, f_strings)
    assert f_strings == Counter({"example.py": 3})
    assert not templates


def test_every_use_case_message_template_has_its_chinese() -> None:
    templates, _ = _messages()
    chinese = catalogue()["zh-CN"]
    missing = {text: places[0] for text, places in templates.items() if text not in chinese}
    assert not missing, "add these to admin/locales/zh-CN/messages.json: " + "\n".join(
        f"{place}: {text!r}" for text, place in sorted(missing.items(), key=lambda i: i[1])
    )


def test_each_chinese_message_has_the_same_values_as_its_english() -> None:
    templates, _ = _messages()
    chinese = catalogue()["zh-CN"]
    differ = [
        text for text in templates if text in chinese and _slots(text) != _slots(chinese[text])
    ]
    assert not differ


def test_no_new_message_is_written_as_an_f_string() -> None:
    _, f_strings = _messages()
    grown = {
        name: count for name, count in f_strings.items() if count > F_STRING_MESSAGES.get(name, 0)
    }
    assert not grown, (
        "write these messages as templates with values, "
        "e.g. NotFound('No goal has the id {id}.', id=goal_id): " + repr(grown)
    )
    shrunk = {
        name: f_strings.get(name, 0)
        for name, count in F_STRING_MESSAGES.items()
        if f_strings.get(name, 0) < count
    }
    assert not shrunk, f"lower F_STRING_MESSAGES to {shrunk}: the list only shrinks"
