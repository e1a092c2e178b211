"""English and Simplified Chinese for the admin.

Templates and views write English text wrapped in `_()`; admin/locales/zh-CN/*.json map
each English text to its Chinese (one file per area, merged). The engine's sentences
are not stored: the views render them from the stored score in the page's language
(service/scoring/explain.py), whose list of languages this is too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from service.errors import DomainError, Issue, fill
from service.labels import label
from service.scoring import LANGUAGES as LANGUAGES  # re-exported: the views pick from it
from service.scoring import format_compact, preferred_language
from service.scoring.types import ScorecardIssue

LANGUAGE_NAMES = {"en": "English", "zh-CN": "简体中文"}
LOCALES = Path(__file__).resolve().parent / "locales"


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for lang in LANGUAGES[1:]:
        merged: dict[str, str] = {}
        for path in sorted((LOCALES / lang).glob("*.json")):
            merged.update(json.loads(path.read_text(encoding="utf-8")))
        found[lang] = merged
    return found


def translate(lang: str, text: str, **values: Any) -> str:
    """`text` (English, with `{name}` slots) in `lang`; an enum value shows as its label."""
    translated = catalogue().get(lang, {}).get(text, text) if lang != "en" else text
    return fill(translated, values, lang)


def said(lang: str, what: DomainError | Issue | ScorecardIssue | Mapping[str, Any] | str) -> str:
    """A use case's message in `lang`: its template translated, then its values filled in.
    Takes a refusal, an issue, a scorecard issue or one stored as a dict (its warnings)."""
    template, values = _parts(what)
    return translate(lang, template, **{k: _inner(lang, v) for k, v in values.items()})


def said_on_page(
    lang: str, what: DomainError | Issue | ScorecardIssue | Mapping[str, Any] | str
) -> Markup:
    """`said` for a page: the values (a code, an id, what a person sent) are marked as
    identifiers, which no translation touches and the readability check leaves out; a
    code's label and a message inside the message are said in `lang`."""
    template, values = _parts(what)
    translated = escape(
        catalogue().get(lang, {}).get(template, template) if lang != "en" else template
    )
    if not values:
        return translated
    # Markup.format escapes every value that is not Markup already.
    return translated.format(**{name: _marked(lang, value) for name, value in values.items()})


def _parts(
    what: DomainError | Issue | ScorecardIssue | Mapping[str, Any] | str,
) -> tuple[str, Mapping[str, Any]]:
    """A message's English template and its values, whatever carries it."""
    if isinstance(what, str):
        return what, {}
    if isinstance(what, Mapping):
        template = what.get("template") or what.get("message") or ""
        return str(template), dict(what.get("values") or {})
    if isinstance(what, ScorecardIssue):
        return what.template or what.message, dict(what.values)
    if isinstance(what, Issue):
        return what.template or what.message, what.values
    return what.template, what.values


def _inner(lang: str, value: Any) -> Any:
    """A value that is itself a message (a scorecard's warning inside a cycle's) is said
    in the same language."""
    if isinstance(value, DomainError | Issue | ScorecardIssue | Mapping):
        return said(lang, value)
    return value


_NUMBER = re.compile(r"[-+]?[0-9][0-9,]*(\.[0-9]+)?%?")


def _marked(lang: str, value: Any) -> Markup:
    if isinstance(value, Enum):
        return escape(label(value, lang))
    if (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, str) and _NUMBER.fullmatch(value)
    ):
        return escape(str(value))  # a number reads the same in every language
    if isinstance(value, DomainError | Issue | ScorecardIssue | Mapping):
        return said_on_page(lang, value)
    return identifier(value)


def labelled(lang: str) -> Any:
    """The `label` of the templates: `label(cycle.state)`, `label(line.scope, "Scope")`."""

    def in_lang(code: Any, group: str | None = None) -> str:
        return label(code, lang, group=group)

    return in_lang


def pick_language(cookie: str | None, accept_language: str | None) -> str:
    """The user's choice (cookie) first, then the browser's preference."""
    if cookie in LANGUAGES:
        return str(cookie)
    return preferred_language(accept_language)


def format_number(value: Any, places: int = 2) -> str:
    """Grouped thousands, fixed places; the same digits in both languages."""
    if value is None or value == "":
        return "—"
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return f"{number:,.{places}f}"


def format_setting(value: Any, unit: str = "") -> str:
    """A setting as it was entered (SCORING.md §0 rounds results, not settings): "70 %"
    for a threshold set as 70, "4.5" for a rating bound; the unit after a space."""
    if value is None or value == "":
        return "—"
    try:
        number = Fraction(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return str(value)
    text = format_compact(number)
    whole, _, places = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    grouped = f"{int(whole.lstrip('-') or 0):,}"
    shown = f"{sign}{grouped}" + (f".{places}" if places else "")
    return f"{shown} {unit}".strip()


def format_date(value: date | datetime | None, lang: str) -> str:
    if value is None:
        return "—"
    if lang == "zh-CN":
        text = f"{value.year}年{value.month}月{value.day}日"
        if isinstance(value, datetime):
            text += f" {value:%H:%M}"
        return text
    text = value.strftime("%-d %b %Y")
    if isinstance(value, datetime):
        text += value.strftime(" %H:%M")
    return text


def language_of(text: str) -> str:
    """People's own words (names, comments, reasons) carry no language: Chinese when
    they hold a Chinese character, English otherwise. Good enough for a screen reader."""
    return "zh-CN" if any("\u4e00" <= char <= "\u9fff" for char in text) else "en"


def own_text(text: Any, lang: str) -> Markup:
    """Text a person wrote (a name, a comment, a reason): never machine-translated, and
    marked with its language when it differs from the page's, so that screen readers
    switch voice. The untranslated-text test leaves it alone: it is not ours to translate."""
    if text is None or text == "":
        return Markup("")
    written = str(text)
    found = language_of(written)
    if found == lang:
        return Markup('<span translate="no">{}</span>').format(written)
    return Markup('<span lang="{}" translate="no">{}</span>').format(found, written)


def identifier(text: Any) -> Markup:
    """A code, an id, an email or a source: the same in every language, never translated."""
    if text is None or text == "":
        return Markup("")
    return Markup('<span translate="no">{}</span>').format(text)


def name_in(thing: Any, lang: str) -> Markup:
    """A KPI's (or anything with `name` and `name_zh`) name in the page's language; the
    English name, marked as English, when it has no Chinese one."""
    chinese = getattr(thing, "name_zh", "") or ""
    if lang == "zh-CN" and chinese:
        return escape(chinese)
    return own_text(getattr(thing, "name", ""), lang)


def name_text(thing: Any, lang: str) -> str:
    """The same name as plain text, for where no markup may go (options, titles)."""
    chinese = getattr(thing, "name_zh", "") or ""
    return chinese if lang == "zh-CN" and chinese else str(getattr(thing, "name", ""))


def unit_in(thing: Any, lang: str) -> Markup:
    """A KPI's unit in the page's language (the English unit, marked, without a Chinese one)."""
    chinese = getattr(thing, "unit_zh", "") or ""
    if lang == "zh-CN" and chinese:
        return escape(chinese)
    return own_text(getattr(thing, "unit", ""), lang)


def unit_text(thing: Any, lang: str) -> str:
    """The unit as plain text, for a number's suffix."""
    chinese = getattr(thing, "unit_zh", "") or ""
    return chinese if lang == "zh-CN" and chinese else str(getattr(thing, "unit", "") or "")
