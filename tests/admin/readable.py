"""What a page says to a person, and what on it is not in the page's language.

Shared by the walk over the demo (test_every_page_reads_in_each_language.py) and any
page test that wants to check one page. Text a person wrote (names, comments) is marked
with its `lang` by the templates, and identifiers (codes, external ids, sources) with
`translate="no"`: both are left out. Everything else on a Chinese page must be Chinese,
and no page may show a raw code (`HIGHER_IS_BETTER`, `SELF`, `void_observation`).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from service.labels import CATALOGUE

VOID_ELEMENTS = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip
SPOKEN_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")
# Words that read the same in both languages: the product's name and a few abbreviations.
SAME_IN_BOTH = {"fairscore", "KPI", "KPIs", "CSV", "API", "ID", "UTC", "JSON", "YAML", "CSAT"}
CODES = {
    code
    for group in CATALOGUE.values()
    for code in group
    if code.upper() == code or "_" in code  # a plain word ("feedback") is English, not a code
}
WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
# "客户满意度 (csat)": a code in brackets beside its name, where no markup may go (options).
CODE_IN_BRACKETS = re.compile(r"\([a-z0-9]+(?:[_-][a-z0-9]+)*\)")


class _Text(HTMLParser):
    def __init__(self, page_lang: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_lang = page_lang
        self.spoken: list[str] = []
        self._stack: list[bool] = []  # per open element: is it left out?

    @property
    def _skipped(self) -> bool:
        return bool(self._stack) and self._stack[-1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        lang = found.get("lang")
        skipped = (
            self._skipped
            # The title names things (a person, a cycle; the heading is checked); code is code;
            # a text area holds what a person typed.
            or tag in ("script", "style", "template", "title", "code", "textarea")
            or found.get("translate") == "no"
            or (lang is not None and tag != "html" and lang != self.page_lang)
        )
        if not skipped:
            for name in SPOKEN_ATTRIBUTES:
                if found.get(name):
                    self.spoken.append(str(found[name]))
            if tag == "input" and found.get("type") in ("submit", "button") and found.get("value"):
                self.spoken.append(str(found["value"]))
        if tag not in VOID_ELEMENTS:
            self._stack.append(skipped)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID_ELEMENTS and self._stack:
            self._stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID_ELEMENTS and self._stack:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        if not self._skipped and data.strip():
            self.spoken.append(" ".join(data.split()))


def spoken_text(html: str, page_lang: str) -> list[str]:
    """The text a person reads or hears on the page, less what is marked as not ours."""
    parser = _Text(page_lang)
    parser.feed(html)
    parser.close()
    return parser.spoken


def _english_words(text: str) -> list[str]:
    """Words of three letters or more, less identifiers (`survey-tool`, `Asia/Shanghai`,
    `customer_satisfaction`, an email) and abbreviations (`CSV`, `UTC`)."""
    words = []
    for token in re.split(r"[\s,;:()（），；：。、“”‘’!?！？…·]+", CODE_IN_BRACKETS.sub("", text)):
        core = token.strip(".'\"«»[]{}")
        if re.search(r"[_\-/@.=+0-9]", core) or core.isupper():
            continue
        words += [w for w in WORD.findall(core) if len(w) >= 3 and w not in SAME_IN_BOTH]
    return words


def unreadable(html: str, page_lang: str) -> list[str]:
    """Each piece of text that shows a raw code, an internal document, or (on a Chinese
    page) English."""
    found: list[str] = []
    for text in spoken_text(html, page_lang):
        codes = [w for w in re.findall(r"[A-Za-z_]+", text) if w in CODES]
        if codes:
            found.append(f"code {codes[0]!r} in {text!r}")
        elif "SCORING" in text or "§" in text:
            found.append(f"internal document in {text!r}")
        elif page_lang == "zh-CN" and _english_words(text):
            found.append(f"English in {text!r}")
    return found
