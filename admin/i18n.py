"""English and Simplified Chinese for the admin.

Templates and views write English text wrapped in `_()`; admin/locales/zh-CN/*.json map
each English text to its Chinese (one file per area, merged). The engine's sentences
are stored in both languages with each score and picked here by language too.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from service.scoring import preferred_language

LANGUAGES = ("en", "zh-CN")
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
    translated = catalogue().get(lang, {}).get(text, text) if lang != "en" else text
    return translated.format(**values) if values else translated


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
