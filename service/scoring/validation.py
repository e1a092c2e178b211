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

_BETTER = {Direction.HIGHER_IS_BETTER: "higher", Direction.LOWER_IS_BETTER: "lower"}
_SHARE_AGGREGATIONS = (Aggregation.SHARE_AT_LEAST, Aggregation.SHARE_AT_MOST)


def _issue(code: str, field: str, message: str, index: int | None = None) -> ScorecardIssue:
    return ScorecardIssue(code=code, field=field, message=message, line_index=index)


def is_customer_satisfaction(kpi: Kpi, policy: Policy) -> bool:
    """Whether a KPI counts toward the customer-satisfaction share (its tag, or the policy's
    customer-satisfaction KPI)."""
    return CUSTOMER_SATISFACTION_TAG in kpi.tags or kpi.code == policy.csat_kpi_code


# --- errors, one line at a time -------------------------------------------------


def _line_issue(
    code: str, index: int, line: ScorecardLine, attribute: str, advice: str
) -> ScorecardIssue:
    # People count lines from 1; the field keeps the 0-based index the API uses.
    return _issue(
        code,
        f"lines[{index}].{attribute}",
        f"Line {index + 1} ({line.kpi.code}, {line.scope}): {advice}",
        index,
    )


def _weight_errors(index: int, line: ScorecardLine) -> Iterator[ScorecardIssue]:
    if line.weight <= 0:
        yield _line_issue(
            "WEIGHT_NOT_POSITIVE",
            index,
            line,
            "weight",
            f"the weight is {format_compact(line.weight)}; give it a weight above 0 "
            "or remove the line.",
        )


def _missing(index: int, line: ScorecardLine, name: str) -> ScorecardIssue:
    return _line_issue(
        f"{name.upper()}_MISSING",
        index,
        line,
        name,
        f"a {line.method} line needs a {name}; set one.",
    )


def _order_error(
    index: int, line: ScorecardLine, name: str, worse_name: str, value: Fraction, worse: Fraction
) -> Iterator[ScorecardIssue]:
    if not beats(line.kpi.direction, value, worse):
        better = _BETTER[line.kpi.direction]
        yield _line_issue(
            f"{name.upper()}_NOT_BETTER_THAN_{worse_name.upper()}",
            index,
            line,
            name,
            f"{better} is better, so the {name} ({format_compact(value)}) must be {better} "
            f"than the {worse_name} ({format_compact(worse)}); correct one of them.",
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
            f"band points must lie between 0 and {format_compact(most)}; "
            f"change {format_compact(step.points)}.",
        )
    if step_index == 0:
        return
    previous = line.bands[step_index - 1]
    if not beats(line.kpi.direction, previous.bound, step.bound):
        worse = "lower" if line.kpi.direction is Direction.HIGHER_IS_BETTER else "higher"
        yield _line_issue(
            "BANDS_NOT_ORDERED",
            index,
            line,
            f"{attribute}.bound",
            f"list the bands best bound first, each bound strictly {worse} than the one before it.",
        )
    if step.points > previous.points:
        yield _line_issue(
            "BAND_POINTS_RISING",
            index,
            line,
            f"{attribute}.points",
            "a band further down the list cannot give more points than the one before it; "
            "lower its points.",
        )


def _band_errors(index: int, line: ScorecardLine, policy: Policy) -> Iterator[ScorecardIssue]:
    if line.method is not Method.BANDS:
        return
    if not line.bands:
        yield _line_issue(
            "BANDS_EMPTY", index, line, "bands", "it has no bands; give it at least one."
        )
        return
    for step_index in range(len(line.bands)):
        yield from _band_step_errors(index, line, step_index, 100 + policy.stretch_bonus)


def _scope_errors(index: int, line: ScorecardLine) -> Iterator[ScorecardIssue]:
    if line.kpi.kind is KpiKind.QUALITATIVE and line.scope is Scope.TEAM:
        yield _line_issue(
            "QUALITATIVE_AT_TEAM_SCOPE",
            index,
            line,
            "scope",
            "a qualitative KPI is rated per person; use INDIVIDUAL scope.",
        )


def _min_samples_errors(index: int, line: ScorecardLine) -> Iterator[ScorecardIssue]:
    if line.min_samples < 1:
        yield _line_issue(
            "MIN_SAMPLES_BELOW_ONE",
            index,
            line,
            "minSamples",
            "set the minimum number of observations to 1 or more.",
        )


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
            yield _line_issue(
                "DUPLICATE_KPI_SCOPE",
                index,
                line,
                "kpiCode",
                "this KPI is already on the scorecard at this scope; remove the line or "
                "change its scope.",
            )
        seen.add(key)


def _weight_total_errors(lines: Sequence[ScorecardLine]) -> Iterator[ScorecardIssue]:
    total = sum((line.weight for line in lines), Fraction(0))
    if total != WEIGHT_TOTAL:
        yield _issue(
            "WEIGHTS_NOT_100",
            "lines",
            f"The weights add up to {format_compact(total)}; make them add up to exactly 100.",
        )


# --- warnings ----------------------------------------------------------------------


def _share(part: Fraction, whole: Fraction) -> Fraction:
    return part * 100 / whole


def _warning(
    code: str,
    field: str,
    template: str,
    values: tuple[tuple[str, str], ...],
    index: int | None = None,
) -> ScorecardIssue:
    """A warning with its template and values: saved with the scorecard and shown on
    every page that lists it, so each page says it in its own language."""
    return ScorecardIssue(
        code=code,
        field=field,
        message=template.format(**dict(values)),
        line_index=index,
        template=template,
        values=values,
    )


QUANT_SHARE_OFF_TARGET = (
    "Quantitative lines hold {share} % of the weight, but the policy aims at {target} % "
    "± {tolerance} points; rebalance the weights."
)
CSAT_SHARE_OUT_OF_RANGE = (
    "Customer satisfaction holds {share} % of the weight; bring it within {low}-{high} %."
)
SINGLE_LINE_OVER_MAX = (
    "Line {number} ({kpi}, {scope}): this line alone holds {share} % of the weight; keep "
    "each line at {most} % or less."
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
        yield _warning(
            "QUANT_SHARE_OFF_TARGET",
            "lines",
            QUANT_SHARE_OFF_TARGET,
            (
                ("share", format_compact(quantitative, 2)),
                ("target", format_compact(policy.quantitative_target)),
                ("tolerance", format_compact(policy.quantitative_tolerance)),
            ),
        )
    satisfaction = _share(
        sum((ln.weight for ln in lines if is_customer_satisfaction(ln.kpi, policy)), Fraction(0)),
        whole,
    )
    if not policy.csat_share_min <= satisfaction <= policy.csat_share_max:
        yield _warning(
            "CSAT_SHARE_OUT_OF_RANGE",
            "lines",
            CSAT_SHARE_OUT_OF_RANGE,
            (
                ("share", format_compact(satisfaction, 2)),
                ("low", format_compact(policy.csat_share_min)),
                ("high", format_compact(policy.csat_share_max)),
            ),
        )
    for index, line in enumerate(lines):
        share = _share(line.weight, whole)
        if share > policy.single_line_max:
            yield _warning(
                "SINGLE_LINE_OVER_MAX",
                f"lines[{index}].weight",
                SINGLE_LINE_OVER_MAX,
                (
                    ("number", str(index + 1)),
                    ("kpi", line.kpi.code),
                    ("scope", str(line.scope)),
                    ("share", format_compact(share, 2)),
                    ("most", format_compact(policy.single_line_max)),
                ),
                index,
            )


def _qualitative_warnings(lines: Sequence[ScorecardLine]) -> Iterator[ScorecardIssue]:
    if not any(line.kpi.kind is KpiKind.QUALITATIVE for line in lines):
        yield _warning("NO_QUALITATIVE_LINE", "lines", NO_QUALITATIVE_LINE, ())


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
    cases = [(False, "EVIDENCE_UNREACHABLE", UNREACHABLE_WITHOUT_TEAM)]
    if holder_leads_team:
        cases.append((True, "EVIDENCE_UNREACHABLE_FOR_LEADS", UNREACHABLE_FOR_LEADS))
    for leads, code, template in cases:
        reachable = max_evidence_weight(lines, leads_team=leads)
        if reachable < needed:
            values = (
                ("reachable", format_compact(reachable, 2)),
                ("needed", format_compact(needed)),
            )
            yield ScorecardIssue(
                code=code,
                field="lines",
                message=template.format(**dict(values)),
                template=template,
                values=values,
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


def check_scorecard(
    lines: Sequence[ScorecardLine], policy: Policy, *, holder_leads_team: bool
) -> tuple[list[ScorecardIssue], list[ScorecardIssue]]:
    """(errors, warnings) of a scorecard, in line order (SCORING.md §8).

    ``holder_leads_team``: some holder of the position leads a team, so the
    evidence they can reach (TEAM lines included) is checked too.
    """
    if not lines:
        no_lines = _issue("NO_LINES", "lines", "Add at least one line to the scorecard.")
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


def _kind_issues(kpi: Kpi) -> Iterator[ScorecardIssue]:
    qualitative = kpi.kind is KpiKind.QUALITATIVE
    if qualitative and kpi.direction is not Direction.HIGHER_IS_BETTER:
        yield _issue(
            "QUALITATIVE_MUST_BE_HIGHER_IS_BETTER",
            "direction",
            f"The KPI {kpi.code} is qualitative; make it HIGHER_IS_BETTER.",
        )
    if qualitative and kpi.aggregation is not Aggregation.REVIEW_MEAN:
        yield _issue(
            "QUALITATIVE_NEEDS_REVIEW_MEAN",
            "aggregation",
            f"The KPI {kpi.code} is qualitative; aggregate it with REVIEW_MEAN.",
        )
    if not qualitative and kpi.aggregation is Aggregation.REVIEW_MEAN:
        yield _issue(
            "REVIEW_MEAN_ONLY_FOR_QUALITATIVE",
            "aggregation",
            f"REVIEW_MEAN averages manager reviews; choose another aggregation for {kpi.code} "
            "or make it qualitative.",
        )


def _param_issues(kpi: Kpi) -> Iterator[ScorecardIssue]:
    param = kpi.aggregation_param
    if kpi.aggregation in _SHARE_AGGREGATIONS:
        if param is None:
            yield _issue(
                "SHARE_NEEDS_PARAM",
                "aggregation_param",
                f"{kpi.aggregation} counts values against a bound; set the bound of {kpi.code}.",
            )
    elif kpi.aggregation is Aggregation.PERCENTILE:
        if param is None or not 0 < param <= 100:
            yield _issue(
                "PERCENTILE_OUT_OF_RANGE",
                "aggregation_param",
                f"Set the percentile of {kpi.code} to a number above 0 and at most 100.",
            )
    elif param is not None:
        yield _issue(
            "AGGREGATION_TAKES_NO_PARAM",
            "aggregation_param",
            f"{kpi.aggregation} takes no parameter; clear the parameter of {kpi.code}.",
        )


def _range_issues(kpi: Kpi) -> Iterator[ScorecardIssue]:
    if kpi.range_min is not None and kpi.range_max is not None and kpi.range_min >= kpi.range_max:
        yield _issue(
            "RANGE_MIN_NOT_BELOW_MAX",
            "range_min",
            f"The valid range of {kpi.code} must have its minimum below its maximum; "
            "correct the range.",
        )


def check_kpi(kpi: Kpi) -> list[ScorecardIssue]:
    """Errors in a KPI's definition, checked when it is saved."""
    return [*_kind_issues(kpi), *_param_issues(kpi), *_range_issues(kpi)]
