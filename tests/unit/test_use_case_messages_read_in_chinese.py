"""Every message a use case can say reads in Chinese on a Chinese admin page, even the
ones no test or demo triggers (admin/README.md, "Adding a message with values").

The messages are collected from the code: the template of each `Issue.of(field,
template, ...)` and `Issue(field, message, ...)`, and the message of each
`DomainError` raised (`NotFound("No goal has the id {id}.", id=...)`). A template
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
ERRORS = {
    "DomainError",
    "NotFound",
    "PermissionDenied",
    "StaleVersion",
    "InvalidTransition",
    "DatabaseBusy",
    "ApplyFailed",
}

# Shrinking: lower a number when you turn a file's f-string messages into templates.
F_STRING_MESSAGES = {
    "service/usecases/parsing.py": 3,
    "service/usecases/setup/config_file.py": 4,
    "service/usecases/setup/csv_import.py": 4,
}


def _called(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return f"{func.value.id}.{func.attr}"
    return None


def _message_argument(call: ast.Call) -> ast.expr | None:
    called = _called(call)
    if called in ("Issue", "Issue.of") and len(call.args) >= 2:
        return call.args[1]
    if called in ERRORS and call.args:
        return call.args[0]
    return None


def _literal(node: ast.expr) -> str | None:
    """The text of a string literal, also one split over lines with `+`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal(node.left), _literal(node.right)
        if left is not None and right is not None:
            return left + right
    return None


def _messages() -> tuple[dict[str, list[str]], Counter[str]]:
    """(each template with the places it is written; f-string messages per file)."""
    templates: dict[str, list[str]] = {}
    f_strings: Counter[str] = Counter()
    for path in sorted(USE_CASES.rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            argument = _message_argument(node)
            if argument is None:
                continue
            text = _literal(argument)
            if text is not None:
                templates.setdefault(text, []).append(f"{name}:{node.lineno}")
            elif isinstance(argument, ast.JoinedStr):
                f_strings[name] += 1
    return templates, f_strings


def _slots(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text))


def test_the_collector_finds_the_messages_it_is_written_for() -> None:
    templates, f_strings = _messages()
    assert "No position has the code {code}; add it first." in templates
    assert "is required" in templates
    assert len(templates) > 100
    assert sum(f_strings.values()) > 0


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
