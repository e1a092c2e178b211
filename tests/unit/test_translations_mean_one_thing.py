"""Each English text of the admin has one Chinese translation. The locale files are
merged into one catalogue (admin/i18n.py), so a text translated in two files would read
as whichever file sorts last, on every page: a text with two meanings is split into two
texts instead."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

LOCALES = Path(__file__).resolve().parents[2] / "admin" / "locales"


def translations_of(folder: Path) -> dict[str, dict[str, str]]:
    """Each English text and its translation per locale file that has it."""
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for path in sorted(folder.glob("*.json")):
        for english, translated in json.loads(path.read_text(encoding="utf-8")).items():
            found[english][path.name] = translated
    return found


def test_every_english_text_has_one_chinese_translation_in_every_file_that_has_it() -> None:
    for folder in sorted(p for p in LOCALES.iterdir() if p.is_dir()):
        twice = {
            english: files
            for english, files in translations_of(folder).items()
            if len(set(files.values())) > 1
        }
        assert twice == {}, folder.name


def test_the_check_finds_a_text_translated_two_ways(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{"Change": "修改", "Due on": "截止日期"}', encoding="utf-8")
    (tmp_path / "b.json").write_text('{"Change": "变化", "Due on": "截止日期"}', encoding="utf-8")
    found = translations_of(tmp_path)
    assert {english for english, files in found.items() if len(set(files.values())) > 1} == {
        "Change"
    }
