"""Enough evidence (SCORING.md §2): a score rests on the person's own data."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.scoring import (
    Aggregate,
    Aggregation,
    LineStatus,
    Policy,
    Scope,
    ScorecardLine,
    ScoreResult,
    ScoreStatus,
    StatusReason,
    WhatItWouldTakeKind,
    explanation_data,
    line_sentence,
    max_evidence_weight,
    score,
    score_sentence,
    what_it_would_take_sentence,
)

from .builders import LOWER, F, linear, mean_of, qualitative_kpi, quantitative_kpi

POLICY = Policy()  # min_evidence_weight 50, a new organisation's default
RULE_OFF = Policy(min_evidence_weight=F(0))

completion_kpi = quantitative_kpi("completion", name="Task completion", unit="%")
csat_kpi = quantitative_kpi(
    "csat", name="CSAT", aggregation=Aggregation.SHARE_AT_LEAST, param=F(4), unit="%"
)
complaints_kpi = quantitative_kpi(
    "complaints", name="Complaints", direction=LOWER, aggregation=Aggregation.COUNT
)
quality_kpi = qualitative_kpi("quality", name="Service quality")


def own(weight: int, *, min_samples: int = 1) -> ScorecardLine:
    return linear(completion_kpi, weight=weight, threshold=0, target=100, min_samples=min_samples)


def team(weight: int) -> ScorecardLine:
    return linear(completion_kpi, weight=weight, threshold=0, target=100, scope=Scope.TEAM)


def complaints(weight: int) -> ScorecardLine:
    return linear(complaints_kpi, weight=weight, threshold=5, target=0)


def quality(weight: int) -> ScorecardLine:
    return linear(quality_kpi, weight=weight)


def scored(
    lines: list[ScorecardLine],
    aggregates: list[Aggregate],
    *,
    leads_team: bool = False,
    policy: Policy = POLICY,
    adjustments: list[Fraction] | None = None,
) -> ScoreResult:
    return score(
        lines=lines,
        aggregates=aggregates,
        adjustments=adjustments or [],
        policy=policy,
        leads_team=leads_team,
    )


# --- which lines are evidence -----------------------------------------------------


def test_an_individual_line_with_one_observation_is_evidence() -> None:
    result = scored([own(60), team(40)], [mean_of(80), mean_of(90)])
    assert result.status is ScoreStatus.SCORED
    assert result.status_reason is None
    assert [line.evidence for line in result.lines] == [True, False]
    assert result.evidence_weight == 60
    assert result.needed_weight == 50


def test_a_count_line_alone_is_never_evidence_so_no_one_is_scored_on_complaints() -> None:
    # The case: everything else below min_samples, a COUNT line with n = 0 left.
    lines = [own(40, min_samples=3), quality(30), complaints(30)]
    result = scored(lines, [mean_of(90, n=2), Aggregate(n=0), Aggregate(n=0)])
    assert result.status is ScoreStatus.NO_DATA
    assert result.status_reason is StatusReason.NOT_ENOUGH_EVIDENCE
    assert result.evidence_weight == 0
    assert (result.total, result.reported_total, result.band, result.next_band) == (
        None,
        None,
        None,
        None,
    )


def test_a_count_line_is_evidence_beside_a_line_of_another_aggregation_with_data() -> None:
    result = scored([own(30), complaints(30), team(40)], [mean_of(80), Aggregate(n=0), mean_of(1)])
    assert [line.evidence for line in result.lines] == [True, True, False]
    assert result.evidence_weight == 60
    assert result.status is ScoreStatus.SCORED


def test_a_count_line_is_not_evidence_beside_a_line_that_has_no_data() -> None:
    # Even with min_samples 0, a mean of nothing is no value: the COUNT line stands alone.
    result = scored([own(50, min_samples=0), complaints(50)], [Aggregate(n=0), Aggregate(n=4)])
    assert [line.status for line in result.lines] == [
        LineStatus.INSUFFICIENT_DATA,
        LineStatus.SCORED,
    ]
    assert result.evidence_weight == 0
    assert result.status_reason is StatusReason.NOT_ENOUGH_EVIDENCE


def test_a_team_line_is_evidence_for_the_lead_of_the_team() -> None:
    result = scored([team(70), quality(30)], [mean_of(80, n=40), Aggregate(n=0)], leads_team=True)
    assert result.status is ScoreStatus.SCORED
    assert result.lines[0].about_person
    assert result.lines[0].evidence
    assert result.evidence_weight == 70


def test_a_team_line_is_never_evidence_for_anyone_but_the_lead() -> None:
    result = scored([team(70), quality(30)], [mean_of(80, n=40), Aggregate(n=0)])
    assert result.status_reason is StatusReason.NOT_ENOUGH_EVIDENCE
    assert not result.lines[0].about_person
    assert not result.lines[0].evidence
    assert result.evidence_weight == 0


def test_a_manager_review_is_evidence() -> None:
    result = scored([quality(50), team(50)], [mean_of(4), mean_of(70)])
    assert result.lines[0].evidence
    assert result.status is ScoreStatus.SCORED


def test_no_scored_line_is_checked_before_not_enough_evidence() -> None:
    result = scored([own(50), team(50)], [Aggregate(n=0), Aggregate(n=0)])
    assert result.status is ScoreStatus.NO_DATA
    assert result.status_reason is StatusReason.NO_SCORED_LINE


def test_evidence_for_exactly_the_minimum_is_enough() -> None:
    result = scored([own(50), team(50)], [mean_of(80), mean_of(60)])
    assert result.evidence_weight == 50
    assert result.status is ScoreStatus.SCORED
    # Re-weighting still uses every scored line: the team line is not evidence, but counts.
    assert result.total == 70


def test_evidence_just_below_the_minimum_is_not_enough() -> None:
    lines = [own(49), team(51)]
    result = scored(lines, [mean_of(80), mean_of(60)])
    assert result.status_reason is StatusReason.NOT_ENOUGH_EVIDENCE
    policy = Policy(min_evidence_weight=F("49"))
    assert scored(lines, [mean_of(80), mean_of(60)], policy=policy).status is ScoreStatus.SCORED


def test_a_minimum_of_zero_turns_the_rule_off() -> None:
    result = scored([team(100)], [mean_of(60)], policy=RULE_OFF)
    assert result.status is ScoreStatus.SCORED
    assert result.evidence_weight == 0
    assert result.total == 60


def test_evidence_weight_is_the_scorecard_weight_before_re_weighting() -> None:
    # The own line's effective weight is 100 %; its evidence weight stays 20.
    lines = [own(20), own(80, min_samples=5)]
    lines[1] = linear(csat_kpi, weight=80, threshold=80, target=92, min_samples=5)
    result = scored(lines, [mean_of(90), Aggregate(n=2, meeting=2)])
    assert result.lines[0].effective_weight is None
    assert result.evidence_weight == 20
    assert result.status_reason is StatusReason.NOT_ENOUGH_EVIDENCE


# --- what a score without enough evidence shows ---------------------------------------


def test_lines_keep_status_n_raw_and_p_but_no_weight_or_contribution() -> None:
    lines = [own(30, min_samples=3), team(60), complaints(10)]
    result = scored(lines, [mean_of(90, n=2), mean_of(75, n=9), Aggregate(n=1)])
    assert result.status_reason is StatusReason.NOT_ENOUGH_EVIDENCE
    first, second, third = result.lines
    assert (first.status, first.n, first.raw_value, first.normalized) == (
        LineStatus.INSUFFICIENT_DATA,
        2,
        F(90),
        None,
    )
    assert (second.status, second.n, second.raw_value, second.normalized) == (
        LineStatus.SCORED,
        9,
        F(75),
        F(75),
    )
    assert third.status is LineStatus.SCORED
    assert third.normalized == 80
    assert all(line.effective_weight is None and line.contribution is None for line in result.lines)


def test_each_line_about_the_person_says_what_would_make_it_count() -> None:
    lines = [own(30, min_samples=3), team(40), complaints(10), quality(20)]
    result = scored(lines, [mean_of(90, n=2), mean_of(75, n=9), Aggregate(n=1), Aggregate(n=0)])
    wits = [line.what_it_would_take for line in result.lines]
    assert wits[0] is not None
    assert wits[0].kind is WhatItWouldTakeKind.MORE_OBSERVATIONS
    assert wits[0].observations_needed == 1
    assert wits[0].band_code is None
    assert wits[1] is None  # a team line of someone who does not lead it: never evidence
    assert wits[2] is not None
    assert wits[2].kind is WhatItWouldTakeKind.OTHER_EVIDENCE
    assert wits[3] is not None
    assert wits[3].kind is WhatItWouldTakeKind.MORE_MANAGER_REVIEWS
    assert wits[3].observations_needed == 1


def test_adjustments_are_kept_but_not_applied_while_there_is_no_total() -> None:
    result = scored([team(100)], [mean_of(60)], adjustments=[F(5)])
    assert result.status is ScoreStatus.NO_DATA
    assert result.adjustments_total == 5
    assert result.total is None


# --- sentences, both languages ---------------------------------------------------------


def test_the_score_sentence_says_how_much_weight_had_evidence_and_how_much_is_needed() -> None:
    lines = [own(10), team(90)]
    result = scored(lines, [mean_of(80), mean_of(60)], adjustments=[F(3)])
    assert score_sentence(result, lang="en") == (
        "Not enough of the person's own data yet, so there is no total: evidence for 10 % of "
        "the weight; 50 % needed. Adjustments of +3.00 points are kept and apply once it is "
        "scored."
    )
    assert score_sentence(result, lang="zh-CN") == (
        "本人数据尚不足，因此没有总分：有依据的权重为 10 %，需要 50 %。"
        "已有的调整（+3.00 分）保留，计分后再生效。"
    )


def test_the_no_scored_line_sentence_is_unchanged() -> None:
    result = scored([own(100)], [Aggregate(n=0)])
    assert score_sentence(result, lang="en") == "No line has enough data yet, so there is no total."


def test_line_sentences_say_what_would_make_each_line_count() -> None:
    lines = [own(30, min_samples=3), team(50), complaints(10), quality(10)]
    result = scored(lines, [mean_of(90, n=2), mean_of(75, n=9), Aggregate(n=1), Aggregate(n=0)])
    first, second, third, fourth = result.lines
    assert what_it_would_take_sentence(first, lang="en") == (
        "Task completion needs 1 more observation to count as evidence."
    )
    assert what_it_would_take_sentence(first, lang="zh-CN") == (
        "Task completion 还需要 1 条记录才能作为依据。"
    )
    assert what_it_would_take_sentence(second, lang="en") is None
    assert what_it_would_take_sentence(third, lang="en") == (
        "Complaints counts as evidence once another line has the person's own data: "
        "on its own it never makes anyone scored."
    )
    assert what_it_would_take_sentence(third, lang="zh-CN") == (
        "Complaints 需在其他指标有本人数据后才算作依据：它本身不能让人得到评分。"
    )
    assert what_it_would_take_sentence(fourth, lang="en") == (
        "Service quality needs 1 more manager review to count as evidence."
    )
    assert what_it_would_take_sentence(fourth, lang="zh-CN") == (
        "Service quality 还需要 1 位经理评分才能作为依据。"
    )
    assert line_sentence(second, lang="en", weighted=False) == (
        "Task completion (team): mean of 9 observations: 75.0000 %; threshold 0 %, target "
        "100 % → 75.00 of 100; weight 50 %, not applied: too little of the weight rests on "
        "the person's own data."
    )
    assert line_sentence(second, lang="zh-CN", weighted=False) == (
        "Task completion（团队）：9 条记录的平均值为 75.0000 %；阈值 0 %，目标 100 % → "
        "75.00 分（满分 100）；权重 50 %，未计入：本人数据支撑的权重不足。"
    )
    assert line_sentence(first, lang="en", weighted=False).endswith(
        "not scored, the score has no total."
    )


def test_explanation_data_carries_the_reason_and_the_evidence() -> None:
    data = explanation_data(scored([own(10), team(90)], [mean_of(80), mean_of(60)]))
    assert (data["status"], data["status_reason"]) == ("NO_DATA", "NOT_ENOUGH_EVIDENCE")
    assert (data["evidence_weight"], data["needed_weight"]) == ("10.00", "50.00")
    lines = data["lines"]
    assert isinstance(lines, list)
    assert [(line["about_person"], line["evidence"]) for line in lines] == [
        (True, True),
        (False, False),
    ]


# --- the largest evidence weight a scorecard can reach (§8) -----------------------------


def test_a_scorecard_of_team_lines_and_counts_reaches_no_evidence_for_non_leads() -> None:
    lines = [team(60), complaints(10), quality(30)]
    assert max_evidence_weight(lines, leads_team=False) == 40  # the count beside the review
    assert max_evidence_weight(lines, leads_team=True) == 100
    assert max_evidence_weight([team(80), complaints(20)], leads_team=False) == 0


# --- properties ------------------------------------------------------------------------

AGGREGATIONS = [Aggregation.MEAN, Aggregation.COUNT, Aggregation.SUM, Aggregation.REVIEW_MEAN]


@st.composite
def evidence_cases(
    draw: st.DrawFn,
) -> tuple[list[ScorecardLine], list[Aggregate], bool, Policy]:
    count = draw(st.integers(1, 5))
    raw_weights = draw(st.lists(st.integers(1, 40), min_size=count, max_size=count))
    weights = [Fraction(w * 100, sum(raw_weights)) for w in raw_weights]
    lines: list[ScorecardLine] = []
    aggregates: list[Aggregate] = []
    for index, weight in enumerate(weights):
        aggregation = draw(st.sampled_from(AGGREGATIONS))
        if aggregation is Aggregation.REVIEW_MEAN:
            kpi = qualitative_kpi(f"q{index}")
            scope = Scope.INDIVIDUAL
            lines.append(linear(kpi, weight=weight, min_samples=draw(st.integers(0, 2))))
            n = draw(st.integers(0, 3))
            aggregates.append(mean_of(4, n=n) if n else Aggregate(n=0))
            continue
        kpi = quantitative_kpi(f"k{index}", aggregation=aggregation)
        scope = draw(st.sampled_from(Scope))
        line = linear(
            kpi,
            weight=weight,
            threshold=0,
            target=100,
            scope=scope,
            min_samples=draw(st.integers(0, 3)),
        )
        lines.append(line)
        n = draw(st.integers(0, 4))
        aggregates.append(Aggregate(n=n, value_sum=F(50) * n))
    needed = draw(st.sampled_from([F(0), F(30), F(50), F("66.67"), F(100)]))
    return lines, aggregates, draw(st.booleans()), Policy(min_evidence_weight=needed)


def expected_evidence(
    lines: list[ScorecardLine], aggregates: list[Aggregate], leads: bool, result: ScoreResult
) -> Fraction:
    """§2 read literally, line by line."""
    about = [line.scope is Scope.INDIVIDUAL or leads for line in lines]
    scored_lines = [line.status is LineStatus.SCORED for line in result.lines]
    counts = [line.kpi.aggregation in (Aggregation.SUM, Aggregation.COUNT) for line in lines]
    first = [
        a and s and not c and agg.n >= 1
        for a, s, c, agg in zip(about, scored_lines, counts, aggregates, strict=True)
    ]
    evidence = [
        f or (a and s and c and any(first))
        for f, a, s, c in zip(first, about, scored_lines, counts, strict=True)
    ]
    return sum((line.weight for line, e in zip(lines, evidence, strict=True) if e), Fraction(0))


@given(case=evidence_cases())
def test_the_evidence_weight_follows_the_rule_line_by_line(
    case: tuple[list[ScorecardLine], list[Aggregate], bool, Policy],
) -> None:
    lines, aggregates, leads, policy = case
    result = scored(lines, aggregates, leads_team=leads, policy=policy)
    assert result.evidence_weight == expected_evidence(lines, aggregates, leads, result)
    assert sum(line.line.weight for line in result.lines if line.evidence) == (
        result.evidence_weight
    )


@given(case=evidence_cases())
def test_a_score_has_a_total_exactly_when_some_line_is_scored_and_evidence_is_not_below_the_minimum(
    case: tuple[list[ScorecardLine], list[Aggregate], bool, Policy],
) -> None:
    lines, aggregates, leads, policy = case
    result = scored(lines, aggregates, leads_team=leads, policy=policy)
    any_scored = any(line.status is LineStatus.SCORED for line in result.lines)
    if not any_scored:
        assert result.status_reason is StatusReason.NO_SCORED_LINE
    elif result.evidence_weight < policy.min_evidence_weight:
        assert result.status_reason is StatusReason.NOT_ENOUGH_EVIDENCE
        assert all(line.contribution is None for line in result.lines)
    else:
        assert result.status is ScoreStatus.SCORED
        assert result.status_reason is None
        assert result.total is not None
    assert (result.total is None) == (result.status is ScoreStatus.NO_DATA)


@given(case=evidence_cases())
def test_team_lines_are_evidence_only_for_a_lead(
    case: tuple[list[ScorecardLine], list[Aggregate], bool, Policy],
) -> None:
    lines, aggregates, leads, policy = case
    result = scored(lines, aggregates, leads_team=leads, policy=policy)
    for line in result.lines:
        if line.line.scope is Scope.TEAM and not leads:
            assert not line.evidence
            assert line.what_it_would_take is None or result.status is ScoreStatus.SCORED


@given(case=evidence_cases())
def test_the_evidence_reached_never_exceeds_what_the_scorecard_can_reach(
    case: tuple[list[ScorecardLine], list[Aggregate], bool, Policy],
) -> None:
    lines, aggregates, leads, policy = case
    result = scored(lines, aggregates, leads_team=leads, policy=policy)
    assert result.evidence_weight <= max_evidence_weight(lines, leads_team=leads)


@pytest.mark.parametrize("needed", [F(0), F(50)])
def test_a_person_with_no_data_of_their_own_is_never_scored_on_team_lines(needed: Fraction) -> None:
    lines = [own(40), team(60)]
    result = scored(lines, [Aggregate(n=0), mean_of(99)], policy=Policy(min_evidence_weight=needed))
    if needed:
        assert result.status_reason is StatusReason.NOT_ENOUGH_EVIDENCE
    else:
        assert result.status is ScoreStatus.SCORED  # the rule off: as before it existed


def test_a_scorecard_nobody_could_be_scored_on_is_warned_about_for_non_leads_and_leads() -> None:
    from service.scoring import check_scorecard

    team_csat_card = [team(60), quality(40)]
    _errors, warnings = check_scorecard(team_csat_card, POLICY, holder_leads_team=True)
    assert [w.code for w in warnings if w.code.startswith("EVIDENCE")] == ["EVIDENCE_UNREACHABLE"]
    assert "at most 40 % of the weight" in warnings[-1].message
    team_complaints = linear(complaints_kpi, weight=60, threshold=5, target=0, scope=Scope.TEAM)
    counts_only = [team_complaints, complaints(40)]
    _errors, warnings = check_scorecard(counts_only, POLICY, holder_leads_team=True)
    assert [w.code for w in warnings if w.code.startswith("EVIDENCE")] == [
        "EVIDENCE_UNREACHABLE",
        "EVIDENCE_UNREACHABLE_FOR_LEADS",
    ]
    _errors, warnings = check_scorecard(counts_only, POLICY, holder_leads_team=False)
    assert [w.code for w in warnings if w.code.startswith("EVIDENCE")] == ["EVIDENCE_UNREACHABLE"]
    _errors, warnings = check_scorecard(counts_only, RULE_OFF, holder_leads_team=True)
    assert not [w for w in warnings if w.code.startswith("EVIDENCE")]
    # Exactly the minimum is reachable: no warning.
    _errors, warnings = check_scorecard([own(50), team(50)], POLICY, holder_leads_team=False)
    assert not [w for w in warnings if w.code.startswith("EVIDENCE")]
