"""Explanations of a score: the sentences (SCORING.md §7).

Every sentence a person reads is made here, in English ("en") and Simplified
Chinese ("zh-CN"), when it is read: from the stored score
(:class:`~service.scoring.stored.StoredScore`), the same values the API and the
admin render; no other module words a score, and no sentence is stored. Numbers are
written as reported: raw values with 4 places, computed points, weights and totals
with 2, and settings people typed (thresholds, targets, bounds, weights) as they typed
them. Chinese sentences use the KPI's Chinese name and unit (the English ones when
none is given), with a space between Chinese and Latin letters or digits.

Everything about a line that does not depend on the employee (its label, its
settings as written, its nouns and conditions) is worded once per line setting
(:class:`_LineTexts`), and reused for every score of that scorecard line.
"""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache

from service.scoring.rounding import REPORTED_PLACES, format_compact, format_fixed
from service.scoring.stored import (
    LineSetting,
    StoredEligibility,
    StoredLine,
    StoredScore,
    StoredWhatItWouldTake,
    not_eligible_score,
    stored_line_of,
    stored_score_of,
)
from service.scoring.types import (
    Aggregation,
    Direction,
    LineResult,
    LineStatus,
    Method,
    Scope,
    ScoreResult,
    ScoreStatus,
    StatusReason,
    WhatItWouldTakeKind,
)

ENGLISH = "en"
CHINESE = "zh-CN"
LANGUAGES = (ENGLISH, CHINESE)

_SHARES = (Aggregation.SHARE_AT_LEAST.value, Aggregation.SHARE_AT_MOST.value)


def preferred_language(accept_language: str | None) -> str:
    """The language of an Accept-Language header: Simplified Chinese when the caller
    prefers any Chinese, else English (the first language tag we know wins)."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return CHINESE
        if tag.startswith("en"):
            return ENGLISH
    return ENGLISH


def _language_of(lang: str) -> str:
    # Accept-Language gives "en-GB", "zh", "zh-Hans-CN"...: the family decides.
    family = lang.split("-")[0].lower()
    if family == "en":
        return ENGLISH
    if family == "zh":
        return CHINESE
    raise ValueError(f"explanations exist in English (en) and Chinese (zh-CN), not {lang!r}")


_LANGUAGES: dict[str, str] = {}


def _language(lang: str) -> str:
    found = _LANGUAGES.get(lang)
    if found is None:
        found = _language_of(lang)
        if len(_LANGUAGES) < 256:
            _LANGUAGES[lang] = found
    return found


# A Latin letter or digit beside a Chinese character: a space goes between them.
_CJK_LATIN = re.compile(r"(?<=[\u4e00-\u9fff])(?=[A-Za-z0-9])|(?<=[A-Za-z0-9])(?=[\u4e00-\u9fff])")


def _zh(text: str) -> str:
    return _CJK_LATIN.sub(" ", text)


# --- numbers --------------------------------------------------------------------


def _number(text: str | None) -> Fraction:
    return Fraction(0) if text is None else Fraction(text)


def _points(value: Fraction) -> str:
    return format_fixed(value, REPORTED_PLACES)


def _signed(text: str) -> str:
    return text if text.startswith("-") or Fraction(text) == 0 else f"+{text}"


def _with_unit(number: str, unit: str) -> str:
    return f"{number} {unit}" if unit else number


def _ordinal(value: Fraction) -> str:
    number = format_compact(value)
    if value.denominator != 1:
        return f"{number}th"
    whole = value.numerator
    if whole % 100 in (11, 12, 13):
        return f"{number}th"
    return number + {1: "st", 2: "nd", 3: "rd"}.get(whole % 10, "th")


# --- what is said about a line whatever its employee ------------------------------


class _LineTexts:
    """The words of one line setting, in both languages."""

    __slots__ = (
        "aggregation",
        "condition_en",
        "condition_zh",
        "counter_zh",
        "is_count",
        "label_en",
        "label_zh",
        "method_en",
        "method_zh",
        "name_en",
        "name_zh",
        "noun_many",
        "noun_one",
        "noun_zh",
        "opening_en",
        "ordinal",
        "param_compact",
        "raw_unit_en",
        "raw_unit_zh",
        "review",
        "subject_en",
        "subject_zh",
        "weight",
        "weight_en",
        "weight_zh",
    )

    def __init__(self, setting: LineSetting) -> None:
        kpi = setting.kpi
        aggregation = self.aggregation = setting.aggregation
        param = _number(setting.aggregation_param)
        self.name_en = kpi.name
        self.name_zh = kpi.name_zh or kpi.name
        team = setting.scope == Scope.TEAM.value
        self.label_en = f"{kpi.name} (team)" if team else kpi.name
        self.label_zh = f"{self.name_zh}（团队）" if team else self.name_zh
        # The unit of a line's raw value: a share is a percentage, a count has none.
        if aggregation in _SHARES:
            self.raw_unit_en = self.raw_unit_zh = "%"
        elif aggregation == Aggregation.COUNT.value:
            self.raw_unit_en = self.raw_unit_zh = ""
        else:
            self.raw_unit_en = kpi.unit
            self.raw_unit_zh = kpi.unit_zh or kpi.unit
        self.is_count = aggregation == Aggregation.COUNT.value
        self.review = aggregation == Aggregation.REVIEW_MEAN.value
        if self.review:
            self.noun_one, self.noun_many = "manager rating", "manager ratings"
            self.noun_zh, self.counter_zh = "位经理评分", "位"
        elif kpi.rating:
            self.noun_one, self.noun_many, self.noun_zh = "rating", "ratings", "条评分"
            self.counter_zh = "条"
        else:
            self.noun_one, self.noun_many, self.noun_zh = "observation", "observations", "条记录"
            self.counter_zh = "条"
        shares = aggregation in _SHARES
        self.condition_en = _share_condition(setting, param, ENGLISH) if shares else ""
        self.condition_zh = _share_condition(setting, param, CHINESE) if shares else ""
        percentile = aggregation == Aggregation.PERCENTILE.value
        self.ordinal = _ordinal(param) if percentile else ""
        self.param_compact = format_compact(param) if percentile else ""
        self.method_en = _method_head(setting, self.raw_unit_en, ENGLISH)
        self.method_zh = _method_head(setting, self.raw_unit_zh, CHINESE)
        self.weight = Fraction(setting.weight)
        weight = format_compact(self.weight)
        self.weight_en = f"weight {weight} %"
        self.weight_zh = f"权重 {weight} %"
        self.subject_en = f"the team's {kpi.name}" if team else kpi.name
        # The subject where a sentence starts with it.
        self.opening_en = f"The team's {kpi.name}" if team else kpi.name
        self.subject_zh = f"团队的{self.name_zh}" if team else self.name_zh


@lru_cache(maxsize=4096)
def _texts(setting: LineSetting) -> _LineTexts:
    return _LineTexts(setting)


def _share_condition(setting: LineSetting, bound: Fraction, lang: str) -> str:
    """Which observations a share counts, in the observations' own terms: a rating's
    bound is a rating ("4 or 5"), never a percentage like the share itself."""
    kpi = setting.kpi
    top = None if kpi.scale_top is None else Fraction(kpi.scale_top)
    at_least = setting.aggregation == Aggregation.SHARE_AT_LEAST.value
    shown = format_compact(bound)
    # On a whole-number scale "at least 4 of 5" reads better as "4 or 5".
    if at_least and top is not None and bound.denominator == 1 and top == bound + 1:
        pair = f"{shown} or {format_compact(top)}"
        return pair if lang == ENGLISH else f"为 {shown} 或 {format_compact(top)}"
    if at_least and top is not None and bound == top:
        return shown if lang == ENGLISH else f"为 {shown}"
    # A KPI may give the observations' unit ("15 min or less"); "%" is the share's own.
    unit = kpi.unit if lang == ENGLISH else (kpi.unit_zh or kpi.unit)
    if not kpi.rating and unit != "%":
        shown = _with_unit(shown, unit)
    if lang == ENGLISH:
        return f"at least {shown}" if at_least else f"{shown} or less"
    return f"不低于 {shown}" if at_least else f"不超过 {shown}"


def _method_head(setting: LineSetting, unit: str, lang: str) -> str:
    def value(text: str | None) -> str:
        return _with_unit(format_compact(_number(text)), unit)

    english = lang == ENGLISH
    if setting.method == Method.BANDS.value:
        higher = setting.kpi.direction == Direction.HIGHER_IS_BETTER.value
        steps = []
        for step in setting.bands:
            bound, points = value(step.bound), step.points
            if english:
                steps.append(f"{'at least' if higher else 'at most'} {bound} gives {points}")
            else:
                steps.append(f"{'不低于' if higher else '不超过'} {bound} 得 {points} 分")
        return f"bands: {', '.join(steps)}" if english else f"分档：{'，'.join(steps)}"
    target = value(setting.target)
    if setting.method == Method.BINARY.value:
        return (
            f"all or nothing at target {target}"
            if english
            else f"达到目标 {target} 得满分，否则 0 分"
        )
    if english:
        parts = [f"threshold {value(setting.threshold)}", f"target {target}"]
        if setting.stretch is not None:
            parts.append(f"stretch {value(setting.stretch)}")
        return ", ".join(parts)
    parts = [f"阈值 {value(setting.threshold)}", f"目标 {target}"]
    if setting.stretch is not None:
        parts.append(f"挑战目标 {value(setting.stretch)}")
    return "，".join(parts)


# --- a line ---------------------------------------------------------------------


def _raw_text(texts: _LineTexts, value: str | None, lang: str) -> str:
    """A raw value (of the line, or one it would need) in the line's unit."""
    # Counts are whole numbers: "3 complaints", never "3.0000".
    number = str(_number(value).numerator) if texts.is_count else (value or "0.0000")
    return _with_unit(number, texts.raw_unit_en if lang == ENGLISH else texts.raw_unit_zh)


def _measure(texts: _LineTexts, line: StoredLine, lang: str) -> str:
    n = line.n
    aggregation = texts.aggregation
    value = _raw_text(texts, line.raw_value, lang)
    if lang == ENGLISH:
        noun = texts.noun_one if n == 1 else texts.noun_many
        if aggregation in _SHARES:
            verb = "was" if line.meeting == 1 else "were"
            return f"{line.meeting} of {n} {noun} {verb} {texts.condition_en} ({value})"
        if aggregation == Aggregation.COUNT.value:
            return f"{n} {noun} counted"
        if aggregation == Aggregation.SUM.value:
            return f"sum of {n} {noun}: {value}"
        if aggregation == Aggregation.PERCENTILE.value:
            return f"{texts.ordinal} percentile of {n} {noun}: {value}"
        return f"mean of {n} {noun}: {value}"
    noun = texts.noun_zh
    if aggregation in _SHARES:
        return f"{n} {noun}中有 {line.meeting} 条{texts.condition_zh}（{value}）"
    if aggregation == Aggregation.COUNT.value:
        return f"共计 {n} {noun}"
    if aggregation == Aggregation.SUM.value:
        return f"{n} {noun}的总和为 {value}"
    if aggregation == Aggregation.PERCENTILE.value:
        return f"{n} {noun}的第 {texts.param_compact} 百分位数为 {value}"
    return f"{n} {noun}的平均值为 {value}"


def _method(texts: _LineTexts, normalized: str, lang: str) -> str:
    # Above 100 only by the stretch bonus: say so, or "120.00 of 100" reads as an error.
    stretch = Fraction(normalized) > 100
    if lang == ENGLISH:
        return f"{texts.method_en} → {normalized} of 100" + (" (stretch)" if stretch else "")
    tail = "，含挑战加分" if stretch else ""
    return f"{texts.method_zh} → {normalized} 分（满分 100{tail}）"


def _weight(texts: _LineTexts, line: StoredLine, lang: str) -> str:
    contribution = line.contribution or "0.00"
    if lang == ENGLISH:
        text = texts.weight_en
        if line.reweighted:
            text += f" ({line.effective_weight} % after re-weighting)"
        return f"{text} → {contribution} points."
    text = texts.weight_zh
    if line.reweighted:
        text += f"（重新分配后为 {line.effective_weight} %）"
    return f"{text} → {contribution} 分。"


def _insufficient(texts: _LineTexts, line: StoredLine, lang: str, weighted: bool) -> str:
    n = line.n
    needed = line.setting.min_samples
    if lang == ENGLISH:
        if texts.review:  # a missing review is a review, not an observation
            noun = "manager review" if n == 1 else "manager reviews"
        else:
            noun = texts.noun_one if n == 1 else texts.noun_many
        where = "so its weight goes to the scored lines" if weighted else "the score has no total"
        return f"{texts.label_en}: {n} {noun}, fewer than the {needed} needed; not scored, {where}."
    where = "其权重分给计分的指标" if weighted else "本次评分没有总分"
    return (
        f"{texts.label_zh}：只有 {n} {texts.noun_zh}，少于所需的 {needed} {texts.counter_zh}；"
        f"本项不计分，{where}。"
    )


def _line_sentence(line: StoredLine, lang: str, weighted: bool) -> str:
    texts = _texts(line.setting)
    scored = line.status == LineStatus.SCORED.value and line.raw_value is not None
    if scored and not weighted:  # measured, but the score has no total
        if lang == ENGLISH:
            return (
                f"{texts.label_en}: {_measure(texts, line, lang)}; "
                f"{_method(texts, line.normalized or '0.00', lang)}; {texts.weight_en}, "
                "not applied: too little of the weight rests on the person's own data."
            )
        return (
            f"{texts.label_zh}：{_measure(texts, line, lang)}；"
            f"{_method(texts, line.normalized or '0.00', lang)}；{texts.weight_zh}，"
            "未计入：本人数据支撑的权重不足。"
        )
    if not scored or line.normalized is None or line.contribution is None:
        return _insufficient(texts, line, lang, weighted)
    if lang == ENGLISH:
        return (
            f"{texts.label_en}: {_measure(texts, line, lang)}; "
            f"{_method(texts, line.normalized, lang)}; {_weight(texts, line, lang)}"
        )
    return (
        f"{texts.label_zh}：{_measure(texts, line, lang)}；"
        f"{_method(texts, line.normalized, lang)}；{_weight(texts, line, lang)}"
    )


def line_text(line: StoredLine, *, lang: str, weighted: bool = True) -> str:
    """One sentence saying how a stored line's points came about.

    ``weighted`` is False when the score has no total (NO_DATA): nothing is
    re-weighted and no line adds points.
    """
    lang = _language(lang)
    text = _line_sentence(line, lang, weighted)
    return text if lang == ENGLISH else _zh(text)


# --- what it would take --------------------------------------------------------


def _wit_sentence(line: StoredLine, wit: StoredWhatItWouldTake, lang: str) -> str:
    texts = _texts(line.setting)
    english = lang == ENGLISH
    kind = wit.kind
    needed = wit.observations_needed or 0
    if kind == WhatItWouldTakeKind.RAW_VALUE.value:
        higher = line.kpi.direction == Direction.HIGHER_IS_BETTER.value
        value = _raw_text(texts, wit.raw_value, lang)
        today = "" if line.raw_value is None else _raw_text(texts, line.raw_value, lang)
        if english:
            bound = "at least" if higher else "at most"
            return (
                f"To reach band {wit.band}, {texts.subject_en} would need to be {bound} "
                f"{value} (now {today})."
            )
        bound = "不低于" if higher else "不超过"
        return f"要达到 {wit.band} 档，{texts.subject_zh}需要{bound} {value}（目前为 {today}）。"
    if kind == WhatItWouldTakeKind.CANNOT_REACH.value:
        most = wit.max_points or "0.00"
        if english:
            return (
                f"{texts.opening_en} alone cannot reach band {wit.band}; it can add at most "
                f"{most} more points."
            )
        return f"仅靠{texts.subject_zh}无法达到 {wit.band} 档；它最多还能增加 {most} 分。"
    if kind == WhatItWouldTakeKind.OTHER_EVIDENCE.value:
        if english:
            return (
                f"{texts.opening_en} counts as evidence once another line has the person's "
                "own data: on its own it never makes anyone scored."
            )
        return f"{texts.subject_zh}需在其他指标有本人数据后才算作依据：它本身不能让人得到评分。"
    if kind == WhatItWouldTakeKind.MORE_MANAGER_REVIEWS.value or texts.review:
        evidence = wit.band is None
        if english:
            noun = "manager review" if needed == 1 else "manager reviews"
            purpose = "to count as evidence" if evidence else "to count"
            return f"{texts.opening_en} needs {needed} more {noun} {purpose}."
        purpose = "才能作为依据" if evidence else "才能计分"
        return f"{texts.subject_zh}还需要 {needed} 位经理评分{purpose}。"
    if wit.band is None:  # what would make the line evidence (§2, §6)
        if english:
            noun = texts.noun_one if needed == 1 else texts.noun_many
            return f"{texts.opening_en} needs {needed} more {noun} to count as evidence."
        return f"{texts.subject_zh}还需要 {needed} {texts.noun_zh}才能作为依据。"
    if english:  # in the line's own terms: a CSAT line needs ratings
        noun = texts.noun_one if needed == 1 else texts.noun_many
        return f"{texts.opening_en} needs {needed} more {noun} to count."
    return f"{texts.subject_zh}还需要 {needed} {texts.noun_zh}才能计分。"


def what_it_would_take_text(line: StoredLine, *, lang: str) -> str | None:
    """What this line alone would need for the next band, or None when nothing is said."""
    lang = _language(lang)
    wit = line.what_it_would_take
    if wit is None:
        return None
    text = _wit_sentence(line, wit, lang)
    return text if lang == ENGLISH else _zh(text)


# --- the score as a whole --------------------------------------------------------


def score_text(stored: StoredScore, *, lang: str) -> str:
    """The total, its band and multiplier, and the points missing to the next band; or
    why there is no total."""
    lang = _language(lang)
    if stored.status == ScoreStatus.NOT_ELIGIBLE.value:
        return _not_eligible(stored.status_reason or "", stored.eligibility, lang)
    if stored.total is None or stored.band is None:
        return _no_data(stored, lang)
    adjusted = Fraction(stored.adjustments_total) != 0
    adjustments = _signed(stored.adjustments_total)
    next_band = stored.next_band
    if lang == ENGLISH:
        text = f"Total {stored.total} points"
        text += f", including {adjustments} points of adjustments" if adjusted else ""
        text += f": band {stored.band} (multiplier {stored.multiplier})"
        if next_band is None:
            return f"{text}, the top band."
        return f"{text}; {next_band.points_needed} points to band {next_band.code}."
    text = f"总分 {stored.total} 分"
    text += f"（含调整 {adjustments} 分）" if adjusted else ""
    text += f"：{stored.band} 档（系数 {stored.multiplier}）"
    if next_band is None:
        return f"{text}，已是最高档。"
    return f"{text}；距 {next_band.code} 档还差 {next_band.points_needed} 分。"


def _no_data(stored: StoredScore, lang: str) -> str:
    if stored.status_reason == StatusReason.NOT_ENOUGH_EVIDENCE.value:
        has = format_compact(Fraction(stored.evidence_weight))
        needed = format_compact(Fraction(stored.needed_weight))
        if lang == ENGLISH:
            text = (
                "Not enough of the person's own data yet, so there is no total: "
                f"evidence for {has} % of the weight; {needed} % needed."
            )
        else:
            text = f"本人数据尚不足，因此没有总分：有依据的权重为 {has} %，需要 {needed} %。"
    elif lang == ENGLISH:
        text = "No line has enough data yet, so there is no total."
    else:
        text = "暂无指标有足够数据，因此没有总分。"
    if Fraction(stored.adjustments_total) != 0:
        points = _signed(stored.adjustments_total)
        if lang == ENGLISH:
            text += f" Adjustments of {points} points are kept and apply once it is scored."
        else:
            text += f"已有的调整（{points} 分）保留，计分后再生效。"
    return text


_NOT_ELIGIBLE = {
    "EMPLOYED_TOO_FEW_DAYS": (
        "Not scored in this cycle: employed on too few of its days.",
        "本周期不计分：在职天数不足。",
    ),
    "NOT_IN_SCOPE": (
        "Not scored in this cycle: outside the teams it covers.",
        "本周期不计分：不在本周期覆盖的团队内。",
    ),
    "NO_SCORECARD": (
        "Not scored in this cycle: the position has no scorecard in it.",
        "本周期不计分：该岗位在本周期没有评分卡。",
    ),
}


def _not_eligible(reason: str, eligibility: StoredEligibility | None, lang: str) -> str:
    if reason == "EMPLOYED_TOO_FEW_DAYS" and eligibility is not None:
        needed = format_compact(Fraction(eligibility.needed_share))
        days, of = eligibility.employed_days, eligibility.cycle_days
        if lang == ENGLISH:
            return (
                f"Not scored in this cycle: employed on {days} of the cycle's {of} days; "
                f"{needed} % needed."
            )
        return f"本周期不计分：在职 {days} 天，本周期共 {of} 天；需要 {needed} %。"
    english, chinese = _NOT_ELIGIBLE.get(
        reason, (f"Not scored in this cycle ({reason}).", f"本周期不计分（{reason}）。")
    )
    return english if lang == ENGLISH else chinese


def not_eligible_sentence(
    reason: str,
    *,
    lang: str,
    employed_days: int | None = None,
    cycle_days: int | None = None,
    needed_share: Fraction | None = None,
) -> str:
    """Why someone is not scored in a cycle, with the numbers when they are known."""
    stored = not_eligible_score(
        reason, employed_days=employed_days, cycle_days=cycle_days, needed_share=needed_share
    )
    return score_text(stored, lang=lang)


# --- the engine's results, for tests and tools that hold one -------------------------


def line_sentence(result: LineResult, *, lang: str, weighted: bool = True) -> str:
    """The sentence of an engine line result: the same as once stored and read back."""
    return line_text(stored_line_of(result), lang=lang, weighted=weighted)


def what_it_would_take_sentence(result: LineResult, *, lang: str) -> str | None:
    return what_it_would_take_text(stored_line_of(result), lang=lang)


def score_sentence(result: ScoreResult, *, lang: str) -> str:
    return score_text(stored_score_of(result), lang=lang)


def explanation_data(result: ScoreResult) -> dict[str, object]:
    """The score as JSON-ready data: decimals as strings in their reported form."""
    return stored_score_of(result).to_row()
