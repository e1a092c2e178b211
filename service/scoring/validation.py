"""Scorecard and KPI rules checked when they are saved (SCORING.md §3, §8).

Errors stop the save; warnings are saved and shown beside the scorecard. Each
issue has a stable UPPER_SNAKE ``code`` for machines, the ``field`` it is about, named
as the API's input names it ("lines[2].target", "lines[0].kpiCode"; the config file
translates to its own keys), and an English sentence saying what to do.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from fractions import Fraction

from service.scoring.evidence import evidence_flags, is_about_person
from service.scoring.methods import beats, effective_line
from service.scoring.rounding import format_compact
from service.scoring.types import (
    CUSTOMER_SATISFACTION_TAG,
    Aggregation,
    Direction,
    Kpi,
    KpiKind,
    Method,
    Policy,
    Scope,
    ScorecardIssue,
    ScorecardLine,
)

WEIGHT_TOTAL = Fraction(100)

_SHARE_AGGREGATIONS = (Aggregation.SHARE_AT_LEAST, Aggregation.SHARE_AT_MOST)


def _issue(
    code: str, field: str, template: str, index: int | None = None, **values: str
) -> ScorecardIssue:
    """An issue with its template and values: the English message is the template filled
    in, and each page says it in its own language (errors when a save is refused,
    warnings saved with the scorecard and shown on every page that lists it)."""
    return ScorecardIssue(
        code=code,
        field=field,
        message=template.format(**values),
        line_index=index,
        template=template,
        values=tuple(values.items()),
    )


def is_customer_satisfaction(kpi: Kpi, policy: Policy) -> bool:
    """Whether a KPI counts toward the customer-satisfaction share (its tag, or the policy's
    customer-satisfaction KPI)."""
    return CUSTOMER_SATISFACTION_TAG in kpi.tags or kpi.code == policy.csat_kpi_code


# --- errors, one line at a time -------------------------------------------------

# Every message here is a template with values (admin/locales/zh-CN/setup.json has its
# Chinese); a message about one line starts with LINE.
LINE = "Line {number} ({kpi}, {scope}): "
WEIGHT_NOT_POSITIVE = LINE + "the weight is {weight}; give it a weight above 0 or remove the line."
MISSING = {
    "target": LINE + "a {method} line needs a target; set one.",
    "threshold": LINE + "a {method} line needs a threshold; set one.",
}
# (direction, the value that must beat the other) -> what to say.
NOT_BETTER = {
    (Direction.HIGHER_IS_BETTER, "target"): LINE
    + "higher is better, so the target ({value}) must be higher than the threshold "
    "({worse}); correct one of them.",
    (Direction.LOWER_IS_BETTER, "target"): LINE
    + "lower is better, so the target ({value}) must be lower than the threshold "
    "({worse}); correct one of them.",
    (Direction.HIGHER_IS_BETTER, "stretch"): LINE
    + "higher is better, so the stretch ({value}) must be higher than the target "
    "({worse}); correct one of them.",
    (Direction.LOWER_IS_BETTER, "stretch"): LINE
    + "lower is better, so the stretch ({value}) must be lower than the target "
    "({worse}); correct one of them.",
}
BAND_POINTS_OUT_OF_RANGE = LINE + "band points must lie between 0 and {most}; change {points}."
BANDS_NOT_ORDERED = {
    Direction.HIGHER_IS_BETTER: LINE
    + "list the bands best bound first, each bound strictly lower than the one before it.",
    Direction.LOWER_IS_BETTER: LINE
    + "list the bands best bound first, each bound strictly higher than the one before it.",
}
BAND_POINTS_RISING = (
    LINE + "a band further down the list cannot give more points than the one before it; "
    "lower its points."
)
BANDS_EMPTY = LINE + "it has no bands; give it at least one."
QUALITATIVE_AT_TEAM_SCOPE = LINE + "a qualitative KPI is rated per person; use INDIVIDUAL scope."
MIN_SAMPLES_BELOW_ONE = LINE + "set the minimum number of observations to 1 or more."
DUPLICATE_KPI_SCOPE = (
    LINE + "this KPI is already on the scorecard at this scope; remove the line or "
    "change its scope."
)
WEIGHTS_NOT_100 = "The weights add up to {total}; make them add up to exactly 100."
NO_LINES = "Add at least one line to the scorecard."


def _line_issue(
    code: str, index: int, line: ScorecardLine, attribute: str, template: str, **values: str
) -> ScorecardIssue:
    # People count lines from 1; the field keeps the 0-based index the API uses.
    return _issue(
        code,
        f"lines[{index}].{attribute}",
        template,
        index,
        number=str(index + 1),
        kpi=line.kpi.code,
        scope=str(line.scope),
        **values,
    )


def _weight_errors(index: int, line: ScorecardLine) -> Iterator[ScorecardIssue]:
    if line.weight <= 0:
        yield _line_issue(
            "WEIGHT_NOT_POSITIVE",
            index,
            line,
            "weight",
            WEIGHT_NOT_POSITIVE,
            weight=format_compact(line.weight),
        )


def _missing(index: int, line: ScorecardLine, name: str) -> ScorecardIssue:
    return _line_issue(
        f"{name.upper()}_MISSING", index, line, name, MISSING[name], method=str(line.method)
    )


def _order_error(
    index: int, line: ScorecardLine, name: str, worse_name: str, value: Fraction, worse: Fraction
) -> Iterator[ScorecardIssue]:
    if not beats(line.kpi.direction, value, worse):
        yield _line_issue(
            f"{name.upper()}_NOT_BETTER_THAN_{worse_name.upper()}",
            index,
            line,
            name,
            NOT_BETTER[line.kpi.direction, name],
            value=format_compact(value),
            worse=format_compact(worse),
        )


def _target_errors(index: int, line: ScorecardLine) -> Iterator[ScorecardIssue]:
    """t, g and s present where the method needs them and in the direction's order."""
    line = effective_line(line)
    if line.method is Method.BANDS:
        return
    if line.target is None:
        yield _missing(index, line, "target")
        return
    if line.method is Method.LINEAR and line.threshold is None:
        yield _missing(index, line, "threshold")
    if line.threshold is not None:
        yield from _order_error(index, line, "target", "threshold", line.target, line.threshold)
    if line.stretch is not None:
        yield from _order_error(index, line, "stretch", "target", line.stretch, line.target)


def _band_step_errors(
    index: int, line: ScorecardLine, step_index: int, most: Fraction
) -> Iterator[ScorecardIssue]:
    step = line.bands[step_index]
    attribute = f"bands[{step_index}]"
    if not 0 <= step.points <= most:
        yield _line_issue(
            "BAND_POINTS_OUT_OF_RANGE",
            index,
            line,
            f"{attribute}.points",
            BAND_POINTS_OUT_OF_RANGE,
            most=format_compact(most),
            points=format_compact(step.points),
        )
    if step_index == 0:
        return
    previous = line.bands[step_index - 1]
    if not beats(line.kpi.direction, previous.bound, step.bound):
        yield _line_issue(
            "BANDS_NOT_ORDERED",
            index,
            line,
            f"{attribute}.bound",
            BANDS_NOT_ORDERED[line.kpi.direction],
        )
    if step.points > previous.points:
        yield _line_issue(
            "BAND_POINTS_RISING", index, line, f"{attribute}.points", BAND_POINTS_RISING
        )


def _band_errors(index: int, line: ScorecardLine, policy: Policy) -> Iterator[ScorecardIssue]:
    if line.method is not Method.BANDS:
        return
    if not line.bands:
        yield _line_issue("BANDS_EMPTY", index, line, "bands", BANDS_EMPTY)
        return
    for step_index in range(len(line.bands)):
        yield from _band_step_errors(index, line, step_index, 100 + policy.stretch_bonus)


def _scope_errors(index: int, line: ScorecardLine) -> Iterator[ScorecardIssue]:
    if line.kpi.kind is KpiKind.QUALITATIVE and line.scope is Scope.TEAM:
        yield _line_issue(
            "QUALITATIVE_AT_TEAM_SCOPE", index, line, "scope", QUALITATIVE_AT_TEAM_SCOPE
        )


def _min_samples_errors(index: int, line: ScorecardLine) -> Iterator[ScorecardIssue]:
    if line.min_samples < 1:
        yield _line_issue("MIN_SAMPLES_BELOW_ONE", index, line, "minSamples", MIN_SAMPLES_BELOW_ONE)


def _line_errors(index: int, line: ScorecardLine, policy: Policy) -> Iterator[ScorecardIssue]:
    yield from _weight_errors(index, line)
    yield from _target_errors(index, line)
    yield from _band_errors(index, line, policy)
    yield from _scope_errors(index, line)
    yield from _min_samples_errors(index, line)


# --- errors of the scorecard as a whole -----------------------------------------


def _duplicate_errors(lines: Sequence[ScorecardLine]) -> Iterator[ScorecardIssue]:
    seen: set[tuple[str, Scope]] = set()
    for index, line in enumerate(lines):
        key = (line.kpi.code, line.scope)
        if key in seen:
            yield _line_issue("DUPLICATE_KPI_SCOPE", index, line, "kpiCode", DUPLICATE_KPI_SCOPE)
        seen.add(key)


def _weight_total_errors(lines: Sequence[ScorecardLine]) -> Iterator[ScorecardIssue]:
    total = sum((line.weight for line in lines), Fraction(0))
    if total != WEIGHT_TOTAL:
        yield _issue("WEIGHTS_NOT_100", "lines", WEIGHTS_NOT_100, total=format_compact(total))


# --- warnings ----------------------------------------------------------------------


def _share(part: Fraction, whole: Fraction) -> Fraction:
    return part * 100 / whole


QUANT_SHARE_OFF_TARGET = (
    "Quantitative lines hold {share} % of the weight, but the policy aims at {target} % "
    "± {tolerance} points; rebalance the weights."
)
CSAT_SHARE_OUT_OF_RANGE = (
    "Customer satisfaction holds {share} % of the weight; bring it within {low}-{high} %."
)
SINGLE_LINE_OVER_MAX = (
    LINE + "this line alone holds {share} % of the weight; keep each line at {most} % or less."
)
NO_QUALITATIVE_LINE = (
    "The scorecard has no qualitative line; add one so the score is not numbers alone."
)


def _mix_warnings(lines: Sequence[ScorecardLine], policy: Policy) -> Iterator[ScorecardIssue]:
    whole = sum((line.weight for line in lines), Fraction(0))
    if whole <= 0:
        return  # the weight errors say what to fix first
    quantitative = _share(
        sum((ln.weight for ln in lines if ln.kpi.kind is KpiKind.QUANTITATIVE), Fraction(0)),
        whole,
    )
    if abs(quantitative - policy.quantitative_target) > policy.quantitative_tolerance:
        yield _issue(
            "QUANT_SHARE_OFF_TARGET",
            "lines",
            QUANT_SHARE_OFF_TARGET,
            share=format_compact(quantitative, 2),
            target=format_compact(policy.quantitative_target),
            tolerance=format_compact(policy.quantitative_tolerance),
        )
    satisfaction = _share(
        sum((ln.weight for ln in lines if is_customer_satisfaction(ln.kpi, policy)), Fraction(0)),
        whole,
    )
    if not policy.csat_share_min <= satisfaction <= policy.csat_share_max:
        yield _issue(
            "CSAT_SHARE_OUT_OF_RANGE",
            "lines",
            CSAT_SHARE_OUT_OF_RANGE,
            share=format_compact(satisfaction, 2),
            low=format_compact(policy.csat_share_min),
            high=format_compact(policy.csat_share_max),
        )
    for index, line in enumerate(lines):
        share = _share(line.weight, whole)
        if share > policy.single_line_max:
            yield _line_issue(
                "SINGLE_LINE_OVER_MAX",
                index,
                line,
                "weight",
                SINGLE_LINE_OVER_MAX,
                share=format_compact(share, 2),
                most=format_compact(policy.single_line_max),
            )


def _qualitative_warnings(lines: Sequence[ScorecardLine]) -> Iterator[ScorecardIssue]:
    if not any(line.kpi.kind is KpiKind.QUALITATIVE for line in lines):
        yield _issue("NO_QUALITATIVE_LINE", "lines", NO_QUALITATIVE_LINE)


def max_evidence_weight(lines: Sequence[ScorecardLine], *, leads_team: bool) -> Fraction:
    """The largest evidence weight a holder of the scorecard can reach (§2, §8).

    Every line about the person can be evidence once it has data, but SUM/COUNT
    lines only beside a line of another aggregation: without one, nothing is.
    """
    # The best case: every line scored, with data.
    flags = evidence_flags(
        lines,
        about=[is_about_person(line, leads_team=leads_team) for line in lines],
        scored=[True] * len(lines),
        sample_sizes=[1] * len(lines),
    )
    return sum((line.weight for line, ok in zip(lines, flags, strict=True) if ok), Fraction(0))


def _evidence_warnings(
    lines: Sequence[ScorecardLine], policy: Policy, holder_leads_team: bool
) -> Iterator[ScorecardIssue]:
    needed = policy.min_evidence_weight
    cases = [(False, "EVIDENCE_UNREACHABLE")]
    if holder_leads_team:
        cases.append((True, "EVIDENCE_UNREACHABLE_FOR_LEADS"))
    for leads, code in cases:
        reachable = max_evidence_weight(lines, leads_team=leads)
        if reachable < needed:
            yield _issue(
                code,
                "lines",
                UNREACHABLE[leads],
                reachable=format_compact(reachable, 2),
                needed=format_compact(needed),
            )


UNREACHABLE_WITHOUT_TEAM = (
    "A holder who leads no team can have evidence of their own for at most {reachable} % "
    "of the weight, below the policy's minimum of {needed} %: nobody like that could ever "
    "be scored. Give more weight to individual lines that measure them (sum and count "
    "lines count only beside a line of another aggregation)."
)
UNREACHABLE_FOR_LEADS = (
    "A holder who leads their team can have evidence of their own for at most {reachable} % "
    "of the weight, below the policy's minimum of {needed} %: nobody like that could ever "
    "be scored. Give more weight to lines that measure them (sum and count lines count "
    "only beside a line of another aggregation)."
)
UNREACHABLE = {False: UNREACHABLE_WITHOUT_TEAM, True: UNREACHABLE_FOR_LEADS}  # leads a team?


def check_scorecard(
    lines: Sequence[ScorecardLine], policy: Policy, *, holder_leads_team: bool
) -> tuple[list[ScorecardIssue], list[ScorecardIssue]]:
    """(errors, warnings) of a scorecard, in line order (SCORING.md §8).

    ``holder_leads_team``: some holder of the position leads a team, so the
    evidence they can reach (TEAM lines included) is checked too.
    """
    if not lines:
        no_lines = _issue("NO_LINES", "lines", NO_LINES)
        return [no_lines], []
    errors = list(_duplicate_errors(lines))
    for index, line in enumerate(lines):
        errors.extend(_line_errors(index, line, policy))
    errors.extend(_weight_total_errors(lines))
    warnings = [
        *_mix_warnings(lines, policy),
        *_qualitative_warnings(lines),
        *_evidence_warnings(lines, policy, holder_leads_team),
    ]
    return errors, warnings


# --- KPIs --------------------------------------------------------------------------

QUALITATIVE_MUST_BE_HIGHER_IS_BETTER = "The KPI {kpi} is qualitative; make it HIGHER_IS_BETTER."
QUALITATIVE_NEEDS_REVIEW_MEAN = "The KPI {kpi} is qualitative; aggregate it with REVIEW_MEAN."
REVIEW_MEAN_ONLY_FOR_QUALITATIVE = (
    "REVIEW_MEAN averages manager reviews; choose another aggregation for {kpi} "
    "or make it qualitative."
)
SHARE_NEEDS_PARAM = "{aggregation} counts values against a bound; set the bound of {kpi}."
PERCENTILE_OUT_OF_RANGE = "Set the percentile of {kpi} to a number above 0 and at most 100."
AGGREGATION_TAKES_NO_PARAM = "{aggregation} takes no parameter; clear the parameter of {kpi}."
RANGE_MIN_NOT_BELOW_MAX = (
    "The valid range of {kpi} must have its minimum below its maximum; correct the range."
)


def _kind_issues(kpi: Kpi) -> Iterator[ScorecardIssue]:
    qualitative = kpi.kind is KpiKind.QUALITATIVE
    if qualitative and kpi.direction is not Direction.HIGHER_IS_BETTER:
        yield _issue(
            "QUALITATIVE_MUST_BE_HIGHER_IS_BETTER",
            "direction",
            QUALITATIVE_MUST_BE_HIGHER_IS_BETTER,
            kpi=kpi.code,
        )
    if qualitative and kpi.aggregation is not Aggregation.REVIEW_MEAN:
        yield _issue(
            "QUALITATIVE_NEEDS_REVIEW_MEAN",
            "aggregation",
            QUALITATIVE_NEEDS_REVIEW_MEAN,
            kpi=kpi.code,
        )
    if not qualitative and kpi.aggregation is Aggregation.REVIEW_MEAN:
        yield _issue(
            "REVIEW_MEAN_ONLY_FOR_QUALITATIVE",
            "aggregation",
            REVIEW_MEAN_ONLY_FOR_QUALITATIVE,
            kpi=kpi.code,
        )


def _param_issues(kpi: Kpi) -> Iterator[ScorecardIssue]:
    param = kpi.aggregation_param
    if kpi.aggregation in _SHARE_AGGREGATIONS:
        if param is None:
            yield _issue(
                "SHARE_NEEDS_PARAM",
                "aggregation_param",
                SHARE_NEEDS_PARAM,
                aggregation=str(kpi.aggregation),
                kpi=kpi.code,
            )
    elif kpi.aggregation is Aggregation.PERCENTILE:
        if param is None or not 0 < param <= 100:
            yield _issue(
                "PERCENTILE_OUT_OF_RANGE",
                "aggregation_param",
                PERCENTILE_OUT_OF_RANGE,
                kpi=kpi.code,
            )
    elif param is not None:
        yield _issue(
            "AGGREGATION_TAKES_NO_PARAM",
            "aggregation_param",
            AGGREGATION_TAKES_NO_PARAM,
            aggregation=str(kpi.aggregation),
            kpi=kpi.code,
        )


def _range_issues(kpi: Kpi) -> Iterator[ScorecardIssue]:
    if kpi.range_min is not None and kpi.range_max is not None and kpi.range_min >= kpi.range_max:
        yield _issue("RANGE_MIN_NOT_BELOW_MAX", "range_min", RANGE_MIN_NOT_BELOW_MAX, kpi=kpi.code)


def check_kpi(kpi: Kpi) -> list[ScorecardIssue]:
    """Errors in a KPI's definition, checked when it is saved."""
    return [*_kind_issues(kpi), *_param_issues(kpi), *_range_issues(kpi)]
