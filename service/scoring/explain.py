"""Explanations of a score: sentences and structured data (SCORING.md §7).

Every sentence a person reads is made here, in English ("en") and Simplified
Chinese ("zh-CN"), from the same :class:`ScoreResult` the API and the admin
render; no other module words a score. Numbers are written as reported: raw
values with 4 places, computed points, weights and totals with 2, and settings
people typed (thresholds, targets, bounds, weights) as they typed them.

Everything about a line that does not depend on the employee (its label, its
settings as written, its nouns and conditions) is worded once per line object
(:class:`_LineTexts`) by the same helpers below, and reused for every score.
"""

from __future__ import annotations

from fractions import Fraction

from service.scoring.aggregate import observation_range
from service.scoring.rounding import format_compact, format_fixed
from service.scoring.types import (
    CUSTOMER_SATISFACTION_TAG,
    Aggregation,
    BandStep,
    Direction,
    Kpi,
    KpiKind,
    LineResult,
    LineStatus,
    Method,
    Scope,
    ScorecardLine,
    ScoreResult,
    WhatItWouldTake,
    WhatItWouldTakeKind,
)

ENGLISH = "en"
CHINESE = "zh-CN"

RAW_PLACES = 4
REPORTED_PLACES = 2
_SHARES = (Aggregation.SHARE_AT_LEAST, Aggregation.SHARE_AT_MOST)


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


# --- numbers --------------------------------------------------------------------


def _raw(value: Fraction) -> str:
    return format_fixed(value, RAW_PLACES)


def _points(value: Fraction) -> str:
    return format_fixed(value, REPORTED_PLACES)


def _signed_points(value: Fraction) -> str:
    text = _points(value)
    return text if text.startswith("-") or value == 0 else f"+{text}"


def _with_unit(number: str, unit: str) -> str:
    return f"{number} {unit}" if unit else number


def _raw_unit(kpi: Kpi) -> str:
    """The unit of a line's raw value: a share is a percentage, a count has none."""
    if kpi.aggregation in _SHARES:
        return "%"
    if kpi.aggregation is Aggregation.COUNT:
        return ""
    return kpi.unit


def _setting_in_unit(kpi: Kpi, value: Fraction) -> str:
    return _with_unit(format_compact(value), _raw_unit(kpi))


def _ordinal(value: Fraction) -> str:
    number = format_compact(value)
    if value.denominator != 1:
        return f"{number}th"
    whole = value.numerator
    if whole % 100 in (11, 12, 13):
        return f"{number}th"
    return number + {1: "st", 2: "nd", 3: "rd"}.get(whole % 10, "th")


# --- the measurement: what the raw value is -----------------------------------


def _is_rating(kpi: Kpi) -> bool:
    return kpi.kind is KpiKind.QUALITATIVE or CUSTOMER_SATISFACTION_TAG in kpi.tags


def _share_condition(kpi: Kpi, bound: Fraction, lang: str) -> str:
    _, top = observation_range(kpi)
    # On a whole-number scale "at least 4 of 5" reads better as "4 or 5".
    if (
        kpi.aggregation is Aggregation.SHARE_AT_LEAST
        and top is not None
        and bound.denominator == 1
        and top == bound + 1
    ):
        pair = f"{format_compact(bound)} or {format_compact(top)}"
        return pair if lang == ENGLISH else f"为 {format_compact(bound)} 或 {format_compact(top)}"
    shown = _with_unit(format_compact(bound), kpi.unit)
    if kpi.aggregation is Aggregation.SHARE_AT_LEAST:
        return f"at least {shown}" if lang == ENGLISH else f"不低于 {shown}"
    return f"{shown} or less" if lang == ENGLISH else f"不超过 {shown}"


def _noun(kpi: Kpi, count: int) -> str:
    if kpi.aggregation is Aggregation.REVIEW_MEAN:
        return "manager rating" if count == 1 else "manager ratings"
    word = "rating" if _is_rating(kpi) else "observation"
    return word if count == 1 else f"{word}s"


def _noun_zh(kpi: Kpi) -> str:
    if kpi.aggregation is Aggregation.REVIEW_MEAN:
        return "位经理评分"
    return "条评分" if _is_rating(kpi) else "条记录"


def _raw_text(texts: _LineTexts, value: Fraction) -> str:
    """A raw value (of the line, or one it would need) in the line's unit."""
    # Counts are whole numbers: "3 complaints", never "3.0000".
    number = str(value.numerator) if texts.is_count else _raw(value)
    unit = texts.raw_unit
    return f"{number} {unit}" if unit else number


def _measure_en(texts: _LineTexts, result: LineResult, raw: Fraction) -> str:
    n = result.n
    noun = texts.noun_one if n == 1 else texts.noun_many
    aggregation = texts.aggregation
    if aggregation in _SHARES:
        verb = "was" if result.meeting == 1 else "were"
        value = _raw_text(texts, raw)
        return f"{result.meeting} of {n} {noun} {verb} {texts.condition_en} ({value})"
    if aggregation is Aggregation.COUNT:
        return f"{n} {noun} counted"
    if aggregation is Aggregation.SUM:
        return f"sum of {n} {noun}: {_raw_text(texts, raw)}"
    if aggregation is Aggregation.PERCENTILE:
        return f"{texts.ordinal} percentile of {n} {noun}: {_raw_text(texts, raw)}"
    return f"mean of {n} {noun}: {_raw_text(texts, raw)}"


def _measure_zh(texts: _LineTexts, result: LineResult, raw: Fraction) -> str:
    n = result.n
    noun = texts.noun_zh
    aggregation = texts.aggregation
    if aggregation in _SHARES:
        value = _raw_text(texts, raw)
        return f"{n} {noun}中有 {result.meeting} 条{texts.condition_zh}（{value}）"
    if aggregation is Aggregation.COUNT:
        return f"共计 {n} {noun}"
    if aggregation is Aggregation.SUM:
        return f"{n} {noun}的总和为 {_raw_text(texts, raw)}"
    if aggregation is Aggregation.PERCENTILE:
        return f"{n} {noun}的第 {texts.param_compact} 百分位数为 {_raw_text(texts, raw)}"
    return f"{n} {noun}的平均值为 {_raw_text(texts, raw)}"


# --- the method: how the raw value became p -------------------------------------


def _band_steps(line: ScorecardLine, lang: str) -> str:
    higher = line.kpi.direction is Direction.HIGHER_IS_BETTER

    def step_text(step: BandStep) -> str:
        bound = _setting_in_unit(line.kpi, step.bound)
        if lang == ENGLISH:
            return f"{'at least' if higher else 'at most'} {bound} gives {_points(step.points)}"
        return f"{'不低于' if higher else '不超过'} {bound} 得 {_points(step.points)} 分"

    return (", " if lang == ENGLISH else "，").join(step_text(step) for step in line.bands)


# The method as "<settings> → <p> of 100": the settings part is the line's own.


def _method_head_en(line: ScorecardLine) -> str:
    kpi = line.kpi
    if line.method is Method.BANDS:
        return f"bands: {_band_steps(line, ENGLISH)}"
    target = _setting_in_unit(kpi, line.target or Fraction(0))
    if line.method is Method.BINARY:
        return f"all or nothing at target {target}"
    parts = [f"threshold {_setting_in_unit(kpi, line.threshold or Fraction(0))}"]
    parts.append(f"target {target}")
    if line.stretch is not None:
        parts.append(f"stretch {_setting_in_unit(kpi, line.stretch)}")
    return ", ".join(parts)


def _method_head_zh(line: ScorecardLine) -> str:
    kpi = line.kpi
    if line.method is Method.BANDS:
        return f"分档：{_band_steps(line, CHINESE)}"
    target = _setting_in_unit(kpi, line.target or Fraction(0))
    if line.method is Method.BINARY:
        return f"达到目标 {target} 得满分，否则 0 分"
    parts = [f"阈值 {_setting_in_unit(kpi, line.threshold or Fraction(0))}"]
    parts.append(f"目标 {target}")
    if line.stretch is not None:
        parts.append(f"挑战目标 {_setting_in_unit(kpi, line.stretch)}")
    return "，".join(parts)


def _method_en(texts: _LineTexts, normalized: Fraction) -> str:
    return f"{texts.method_en} → {_points(normalized)} of 100"


def _method_zh(texts: _LineTexts, normalized: Fraction) -> str:
    return f"{texts.method_zh} → {_points(normalized)} 分（满分 100）"


def _reweighted(line: ScorecardLine, effective: Fraction) -> bool:
    weight = line.weight
    return effective.numerator * weight.denominator != weight.numerator * effective.denominator


def _weight_en(
    texts: _LineTexts, line: ScorecardLine, effective: Fraction, contribution: Fraction
) -> str:
    text = texts.weight_en
    if _reweighted(line, effective):
        text += f" ({_points(effective)} % after re-weighting)"
    return f"{text} → {_points(contribution)} points."


def _weight_zh(
    texts: _LineTexts, line: ScorecardLine, effective: Fraction, contribution: Fraction
) -> str:
    text = texts.weight_zh
    if _reweighted(line, effective):
        text += f"（重新分配后为 {_points(effective)} %）"
    return f"{text} → {_points(contribution)} 分。"


def _label(line: ScorecardLine, lang: str) -> str:
    team = line.scope is Scope.TEAM
    if lang == ENGLISH:
        return f"{line.kpi.name} (team)" if team else line.kpi.name
    return f"{line.kpi.name}（团队）" if team else line.kpi.name


class _LineTexts:
    """What is said about a line whatever its employee, worded once per line object."""

    __slots__ = (
        "aggregation",
        "bands_data",
        "condition_en",
        "condition_zh",
        "data",
        "is_count",
        "label_en",
        "label_zh",
        "method_en",
        "method_zh",
        "noun_many",
        "noun_one",
        "noun_zh",
        "ordinal",
        "param_compact",
        "raw_unit",
        "source",
        "subject_en",
        "subject_zh",
        "weight_en",
        "weight_zh",
    )

    def __init__(self, line: ScorecardLine) -> None:
        kpi = line.kpi
        self.source = line
        aggregation = self.aggregation = kpi.aggregation
        param = kpi.aggregation_param or Fraction(0)
        self.label_en = _label(line, ENGLISH)
        self.label_zh = _label(line, CHINESE)
        self.raw_unit = _raw_unit(kpi)
        self.is_count = aggregation is Aggregation.COUNT
        self.noun_one = _noun(kpi, 1)
        self.noun_many = _noun(kpi, 2)
        self.noun_zh = _noun_zh(kpi)
        shares = aggregation in _SHARES
        self.condition_en = _share_condition(kpi, param, ENGLISH) if shares else ""
        self.condition_zh = _share_condition(kpi, param, CHINESE) if shares else ""
        percentile = aggregation is Aggregation.PERCENTILE
        self.ordinal = _ordinal(param) if percentile else ""
        self.param_compact = format_compact(param) if percentile else ""
        self.method_en = _method_head_en(line)
        self.method_zh = _method_head_zh(line)
        weight = format_compact(line.weight)
        self.weight_en = f"weight {weight} %"
        self.weight_zh = f"权重 {weight} %"
        team = line.scope is Scope.TEAM
        self.subject_en = f"the team's {kpi.name}" if team else kpi.name
        self.subject_zh = f"团队的{kpi.name}" if team else kpi.name
        # The settings of the structured data, in their reported form.
        self.data = (
            kpi.code,
            kpi.name,
            str(kpi.kind),
            kpi.unit,
            str(kpi.direction),
            str(line.scope),
            str(aggregation),
            _raw_or_none(kpi.aggregation_param),
            line.min_samples,
            str(line.method),
            _raw_or_none(line.threshold),
            _raw_or_none(line.target),
            _raw_or_none(line.stretch),
            _points(line.weight),
        )
        self.bands_data = tuple((_raw(step.bound), _points(step.points)) for step in line.bands)


# Texts by the id of the line they were worded from; the line is kept in the
# entry (so its id is not reused while the entry lives) and checked on every hit.
_TEXTS: dict[int, _LineTexts] = {}
_MAX_TEXTS = 4096


def _texts(line: ScorecardLine) -> _LineTexts:
    texts = _TEXTS.get(id(line))
    if texts is None or texts.source is not line:
        if len(_TEXTS) >= _MAX_TEXTS:
            _TEXTS.clear()
        texts = _TEXTS[id(line)] = _LineTexts(line)
    return texts


def _insufficient_sentence(texts: _LineTexts, result: LineResult, lang: str) -> str:
    line = result.line
    n = result.n
    if lang == ENGLISH:
        noun = texts.noun_one if n == 1 else texts.noun_many
        return (
            f"{texts.label_en}: {n} {noun}, fewer than the "
            f"{line.min_samples} needed; not scored, so its weight goes to the scored lines."
        )
    return (
        f"{texts.label_zh}：只有 {n} {texts.noun_zh}，少于所需的 {line.min_samples} 条；"
        "本项不计分，其权重分给计分的指标。"
    )


def line_sentence(result: LineResult, *, lang: str) -> str:
    """One sentence saying how a line's points came about."""
    lang = _language(lang)
    texts = _texts(result.line)
    raw = result.raw_value
    normalized = result.normalized
    effective = result.effective_weight
    contribution = result.contribution
    if (
        result.status is not LineStatus.SCORED
        or raw is None
        or normalized is None
        or effective is None
        or contribution is None
    ):
        return _insufficient_sentence(texts, result, lang)
    line = result.line
    if lang == ENGLISH:
        return (
            f"{texts.label_en}: {_measure_en(texts, result, raw)}; "
            f"{_method_en(texts, normalized)}; "
            f"{_weight_en(texts, line, effective, contribution)}"
        )
    return (
        f"{texts.label_zh}：{_measure_zh(texts, result, raw)}；"
        f"{_method_zh(texts, normalized)}；"
        f"{_weight_zh(texts, line, effective, contribution)}"
    )


# --- what it would take --------------------------------------------------------


def _raw_value_sentence(result: LineResult, wit: WhatItWouldTake, lang: str) -> str:
    texts = _texts(result.line)
    higher = result.line.kpi.direction is Direction.HIGHER_IS_BETTER
    needed = _raw_text(texts, wit.raw_value or Fraction(0))
    today = "" if result.raw_value is None else _raw_text(texts, result.raw_value)
    if lang == ENGLISH:
        bound = "at least" if higher else "at most"
        return (
            f"To reach band {wit.band_code}, {texts.subject_en} would need to be {bound} "
            f"{needed} (now {today})."
        )
    bound = "不低于" if higher else "不超过"
    return f"要达到 {wit.band_code} 档，{texts.subject_zh}需要{bound} {needed}（目前为 {today}）。"


def what_it_would_take_sentence(result: LineResult, *, lang: str) -> str | None:
    """What this line alone would need for the next band, or None when nothing is said."""
    lang = _language(lang)
    wit = result.what_it_would_take
    if wit is None:
        return None
    name = result.line.kpi.name
    if wit.kind is WhatItWouldTakeKind.RAW_VALUE:
        return _raw_value_sentence(result, wit, lang)
    if wit.kind is WhatItWouldTakeKind.CANNOT_REACH:
        most = _points(wit.max_points or Fraction(0))
        if lang == ENGLISH:
            return (
                f"{name} alone cannot reach band {wit.band_code}; "
                f"it can add at most {most} more points."
            )
        return f"仅靠{name}无法达到 {wit.band_code} 档；它最多还能增加 {most} 分。"
    needed = wit.observations_needed or 0
    if lang == ENGLISH:
        noun = "observation" if needed == 1 else "observations"
        return f"{name} needs {needed} more {noun} to count."
    return f"{name}还需要 {needed} 条记录才能计分。"


# --- the score as a whole --------------------------------------------------------


def score_sentence(result: ScoreResult, *, lang: str) -> str:
    """The total, its band and multiplier, and the points missing to the next band."""
    lang = _language(lang)
    if result.reported_total is None or result.band is None:
        if lang == ENGLISH:
            return "No line has enough data yet, so there is no total."
        return "暂无指标有足够数据，因此没有总分。"
    total = f"{result.reported_total:f}"
    band = result.band
    multiplier = _points(band.multiplier)
    adjusted = result.adjustments_total != 0
    adjustments = _signed_points(result.adjustments_total)
    if lang == ENGLISH:
        text = f"Total {total} points"
        text += f", including {adjustments} points of adjustments" if adjusted else ""
        text += f": band {band.code} (multiplier {multiplier})"
        if result.next_band is None:
            return f"{text}, the top band."
        return f"{text}; {result.next_band.points_needed:f} points to band {result.next_band.code}."
    text = f"总分 {total} 分"
    text += f"（含调整 {adjustments} 分）" if adjusted else ""
    text += f"：{band.code} 档（系数 {multiplier}）"
    if result.next_band is None:
        return f"{text}，已是最高档。"
    return f"{text}；距 {result.next_band.code} 档还差 {result.next_band.points_needed:f} 分。"


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


def not_eligible_sentence(reason: str, *, lang: str) -> str:
    """Why someone is not scored in a cycle."""
    lang = _language(lang)
    english, chinese = _NOT_ELIGIBLE.get(
        reason, (f"Not scored in this cycle ({reason}).", f"本周期不计分（{reason}）。")
    )
    return english if lang == ENGLISH else chinese


# --- structured data ----------------------------------------------------------------


def _raw_or_none(value: Fraction | None) -> str | None:
    return None if value is None else _raw(value)


def _points_or_none(value: Fraction | None) -> str | None:
    return None if value is None else _points(value)


def _wit_data(wit: WhatItWouldTake | None) -> dict[str, object] | None:
    if wit is None:
        return None
    return {
        "kind": str(wit.kind),
        "band": wit.band_code,
        "raw_value": _raw_or_none(wit.raw_value),
        "max_points": _points_or_none(wit.max_points),
        "observations_needed": wit.observations_needed,
    }


def _line_data(result: LineResult) -> dict[str, object]:
    texts = _texts(result.line)
    (
        code,
        name,
        kind,
        unit,
        direction,
        scope,
        aggregation,
        aggregation_param,
        min_samples,
        method,
        threshold,
        target,
        stretch,
        weight,
    ) = texts.data
    return {
        "kpi": {
            "code": code,
            "name": name,
            "kind": kind,
            "unit": unit,
            "direction": direction,
        },
        "scope": scope,
        "aggregation": aggregation,
        "aggregation_param": aggregation_param,
        "n": result.n,
        "meeting": result.meeting,
        "min_samples": min_samples,
        "raw_value": _raw_or_none(result.raw_value),
        "method": method,
        "threshold": threshold,
        "target": target,
        "stretch": stretch,
        "bands": [{"bound": bound, "points": points} for bound, points in texts.bands_data],
        "normalized": _points_or_none(result.normalized),
        "weight": weight,
        "effective_weight": _points_or_none(result.effective_weight),
        "contribution": _points_or_none(result.contribution),
        "status": str(result.status),
        "what_it_would_take": _wit_data(result.what_it_would_take),
    }


def explanation_data(result: ScoreResult) -> dict[str, object]:
    """The score as JSON-ready data: decimals as strings in their reported form."""
    band = result.band
    next_band = result.next_band
    return {
        "status": str(result.status),
        "total": None if result.reported_total is None else f"{result.reported_total:f}",
        "band": None if band is None else band.code,
        "multiplier": None if band is None else _points(band.multiplier),
        "next_band": (
            None
            if next_band is None
            else {"code": next_band.code, "points_needed": f"{next_band.points_needed:f}"}
        ),
        "adjustments_total": _points(result.adjustments_total),
        "lines": [_line_data(line) for line in result.lines],
    }
