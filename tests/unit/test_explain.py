"""SCORING.md §7: sentences in English and Chinese, and the explanation as data."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from service.scoring import (
    CUSTOMER_SATISFACTION_TAG,
    Aggregate,
    Aggregation,
    LineResult,
    Policy,
    Scope,
    ScorecardLine,
    ScoreResult,
    explanation_data,
    line_sentence,
    not_eligible_sentence,
    score,
    score_sentence,
    what_it_would_take_sentence,
)

from .builders import LOWER, F, bands, binary, linear, mean_of, qualitative_kpi, quantitative_kpi

csat_kpi = quantitative_kpi(
    "csat",
    name="CSAT",
    aggregation=Aggregation.SHARE_AT_LEAST,
    param=F(4),
    range_min=F(1),
    range_max=F(5),
    tags=frozenset({CUSTOMER_SATISFACTION_TAG}),
)
response_kpi = quantitative_kpi(
    "first_response_minutes", name="First response", direction=LOWER, unit="min"
)
quality_kpi = qualitative_kpi("service_quality", name="Service quality")
completion_kpi = quantitative_kpi("task_completion", name="Task completion", unit="%")
complaints_kpi = quantitative_kpi(
    "complaints", name="Complaints", direction=LOWER, aggregation=Aggregation.COUNT
)

CONTRACT_LINES = (
    linear(csat_kpi, weight=40, threshold=80, target=92),
    linear(response_kpi, weight=30, threshold=30, target=10, stretch=5),
    linear(quality_kpi, weight=30),
)
CONTRACT_AGGREGATES = (Aggregate(n=412, meeting=371), mean_of(15, n=10), mean_of("3.5", n=2))


# The evidence rule off, for sentences about lines a person could not be scored on alone.
RULE_OFF = Policy(min_evidence_weight=Fraction(0))


def scored(
    lines: tuple[ScorecardLine, ...] | list[ScorecardLine],
    aggregates: tuple[Aggregate, ...] | list[Aggregate],
    adjustments: list[Fraction] | None = None,
    *,
    policy: Policy | None = None,
    leads_team: bool = False,
) -> ScoreResult:
    return score(
        lines=lines,
        aggregates=aggregates,
        adjustments=adjustments or [],
        policy=Policy() if policy is None else policy,
        leads_team=leads_team,
    )


def contract_line(index: int) -> LineResult:
    return scored(CONTRACT_LINES, CONTRACT_AGGREGATES).lines[index]


def one_line(line: ScorecardLine, aggregate: Aggregate) -> LineResult:
    return scored([line], [aggregate], policy=RULE_OFF).lines[0]


# --- line sentences -----------------------------------------------------------------


def test_line_sentence_reads_like_the_contract_example_in_english() -> None:
    assert line_sentence(contract_line(0), lang="en") == (
        "CSAT: 371 of 412 ratings were 4 or 5 (90.0485 %); threshold 80 %, target 92 % "
        "→ 83.74 of 100; weight 40 % → 33.50 points."
    )


def test_line_sentence_reads_like_the_contract_example_in_chinese() -> None:
    assert line_sentence(contract_line(0), lang="zh-CN") == (
        "CSAT：412 条评分中有 371 条为 4 或 5（90.0485 %）；阈值 80 %，目标 92 % "
        "→ 83.74 分（满分 100）；权重 40 % → 33.50 分。"
    )


def test_share_without_a_known_scale_says_at_least_the_bound() -> None:
    kpi = quantitative_kpi("nps", name="NPS", aggregation=Aggregation.SHARE_AT_LEAST, param=F(9))
    result = one_line(linear(kpi, threshold=50, target=80), Aggregate(n=10, meeting=7))
    assert line_sentence(result, lang="en").startswith(
        "NPS: 7 of 10 observations were at least 9 (70.0000 %);"
    )
    assert "10 条记录中有 7 条不低于 9（70.0000 %）" in line_sentence(result, lang="zh-CN")


def test_share_at_most_says_or_less() -> None:
    kpi = quantitative_kpi(
        "answered", name="Answered", aggregation=Aggregation.SHARE_AT_MOST, param=F(15), unit="min"
    )
    result = one_line(linear(kpi, threshold=50, target=80), Aggregate(n=1, meeting=1))
    assert "1 of 1 observation was 15 min or less (100.0000 %)" in line_sentence(result, lang="en")


def test_mean_line_with_stretch_and_unit_in_both_languages() -> None:
    assert line_sentence(contract_line(1), lang="en") == (
        "First response: mean of 10 observations: 15.0000 min; threshold 30 min, "
        "target 10 min, stretch 5 min → 75.00 of 100; weight 30 % → 22.50 points."
    )
    assert line_sentence(contract_line(1), lang="zh-CN") == (
        "First response：10 条记录的平均值为 15.0000 min；阈值 30 min，目标 10 min，"
        "挑战目标 5 min → 75.00 分（满分 100）；权重 30 % → 22.50 分。"
    )


def test_review_mean_line_names_the_manager_ratings_and_the_scale() -> None:
    assert line_sentence(contract_line(2), lang="en") == (
        "Service quality: mean of 2 manager ratings: 3.5000; threshold 1, target 5 "
        "→ 62.50 of 100; weight 30 % → 18.75 points."
    )
    assert "2 位经理评分的平均值为 3.5000" in line_sentence(contract_line(2), lang="zh-CN")


def test_insufficient_data_line_says_n_min_samples_and_where_its_weight_went() -> None:
    line = linear(completion_kpi, weight=50, threshold=0, target=100, min_samples=5)
    result = scored(
        [line, linear(completion_kpi, weight=50, threshold=0, target=100)],
        [
            mean_of(90, n=2),
            mean_of(60),
        ],
    )
    insufficient = result.lines[0]
    assert line_sentence(insufficient, lang="en") == (
        "Task completion: 2 observations, fewer than the 5 needed; not scored, "
        "so its weight goes to the scored lines."
    )
    assert line_sentence(insufficient, lang="zh-CN") == (
        "Task completion：只有 2 条记录，少于所需的 5 条；本项不计分，其权重分给计分的指标。"
    )


def test_re_weighted_line_shows_its_effective_weight() -> None:
    result = scored(CONTRACT_LINES, (Aggregate(n=0), mean_of(15, n=10), mean_of("3.5", n=2)))
    sentence = line_sentence(result.lines[1], lang="en")
    assert sentence.endswith("weight 30 % (50.00 % after re-weighting) → 37.50 points.")
    assert "（重新分配后为 50.00 %）" in line_sentence(result.lines[1], lang="zh-CN")


def test_bands_line_lists_its_bands_in_the_kpis_direction() -> None:
    line = bands(response_kpi, [(5, 100), (10, 70)])
    sentence = line_sentence(one_line(line, mean_of(8)), lang="en")
    assert "bands: at most 5 min gives 100.00, at most 10 min gives 70.00 → 70.00 of 100" in (
        sentence
    )
    assert "不超过 5 min 得 100.00 分" in line_sentence(one_line(line, mean_of(8)), lang="zh-CN")


def test_binary_line_says_it_is_all_or_nothing() -> None:
    result = one_line(binary(completion_kpi, target=90), mean_of(95))
    assert "all or nothing at target 90 % → 100.00 of 100" in line_sentence(result, lang="en")
    assert "达到目标 90 % 得满分，否则 0 分" in line_sentence(result, lang="zh-CN")


def test_count_line_counts_in_whole_numbers() -> None:
    result = one_line(linear(complaints_kpi, threshold=5, target=0), Aggregate(n=2))
    assert line_sentence(result, lang="en").startswith(
        "Complaints: 2 observations counted; threshold 5, target 0 → 60.00 of 100;"
    )


def test_percentile_line_names_its_percentile() -> None:
    kpi = quantitative_kpi(
        "resolution_hours",
        name="Resolution",
        direction=LOWER,
        aggregation=Aggregation.PERCENTILE,
        param=F(90),
        unit="h",
    )
    aggregate = Aggregate(n=40, value_sum=F(300), value_at_rank=F(12))
    result = one_line(linear(kpi, threshold=48, target=8), aggregate)
    assert "90th percentile of 40 observations: 12.0000 h" in line_sentence(result, lang="en")
    assert "40 条记录的第 90 百分位数为 12.0000 h" in line_sentence(result, lang="zh-CN")


def test_team_line_is_labelled_as_the_teams() -> None:
    line = linear(completion_kpi, threshold=0, target=100, scope=Scope.TEAM)
    result = one_line(line, mean_of(70, n=30))
    assert line_sentence(result, lang="en").startswith("Task completion (team): ")
    assert line_sentence(result, lang="zh-CN").startswith("Task completion（团队）：")


# --- what it would take -------------------------------------------------------------------


def test_what_it_would_take_sentences_for_a_raw_value_in_both_directions() -> None:
    assert what_it_would_take_sentence(contract_line(1), lang="en") == (
        "To reach band A, First response would need to be at most 7.7083 min (now 15.0000 min)."
    )
    assert what_it_would_take_sentence(contract_line(2), lang="zh-CN") == (
        "要达到 A 档，Service quality 需要不低于 4.8667（目前为 3.5000）。"
    )


def test_what_it_would_take_sentence_when_the_line_alone_cannot_reach() -> None:
    assert what_it_would_take_sentence(contract_line(0), lang="en") == (
        "CSAT alone cannot reach band A; it can add at most 6.51 more points."
    )
    assert what_it_would_take_sentence(contract_line(0), lang="zh-CN") == (
        "仅靠 CSAT 无法达到 A 档；它最多还能增加 6.51 分。"
    )


def test_what_it_would_take_sentence_for_more_observations() -> None:
    lines = [
        linear(completion_kpi, weight=50, threshold=0, target=100, min_samples=5),
        linear(completion_kpi, weight=50, threshold=0, target=100, scope=Scope.TEAM),
    ]
    # A lead: the team line is their own evidence, so the score has a total.
    result = scored(lines, [mean_of(90, n=2), mean_of(60)], leads_team=True).lines[0]
    assert what_it_would_take_sentence(result, lang="en") == (
        "Task completion needs 3 more observations to count."
    )
    assert what_it_would_take_sentence(result, lang="zh-CN") == (
        "Task completion 还需要 3 条记录才能计分。"
    )


def test_what_it_would_take_for_a_team_and_a_count() -> None:
    lines = [
        linear(completion_kpi, weight=50, threshold=0, target=100, scope=Scope.TEAM),
        linear(complaints_kpi, weight=50, threshold=10, target=0),
    ]
    result = scored(lines, [mean_of(80, n=20), Aggregate(n=6)], leads_team=True)
    assert what_it_would_take_sentence(result.lines[0], lang="en") == (
        "To reach band B, the team's Task completion would need to be at least 99.9900 % "
        "(now 80.0000 %)."
    )
    assert what_it_would_take_sentence(result.lines[1], lang="en") == (
        "To reach band B, Complaints would need to be at most 4 (now 6)."
    )
    assert "团队的 Task completion 需要" in (
        what_it_would_take_sentence(result.lines[0], lang="zh-CN") or ""
    )


def test_a_line_with_nothing_to_say_has_no_what_it_would_take_sentence() -> None:
    result = one_line(linear(completion_kpi, threshold=0, target=100), mean_of(100))
    assert what_it_would_take_sentence(result, lang="en") is None


# --- the score -----------------------------------------------------------------------------


def test_score_sentence_gives_total_band_multiplier_and_next_band() -> None:
    result = scored(CONTRACT_LINES, CONTRACT_AGGREGATES)
    assert score_sentence(result, lang="en") == (
        "Total 74.75 points: band B (multiplier 1.00); 10.25 points to band A."
    )
    assert score_sentence(result, lang="zh-CN") == (
        "总分 74.75 分：B 档（系数 1.00）；距 A 档还差 10.25 分。"
    )


def test_score_sentence_mentions_adjustments_and_the_top_band() -> None:
    line = linear(completion_kpi, threshold=0, target=100)
    result = scored([line], [mean_of(93)], adjustments=[F(3)])
    assert score_sentence(result, lang="en") == (
        "Total 96.00 points, including +3.00 points of adjustments: band S (multiplier 1.50), "
        "the top band."
    )
    assert score_sentence(result, lang="zh-CN") == (
        "总分 96.00 分（含调整 +3.00 分）：S 档（系数 1.50），已是最高档。"
    )


def test_no_data_score_sentence_says_there_is_no_total() -> None:
    result = scored(CONTRACT_LINES, (Aggregate(n=0), Aggregate(n=0), Aggregate(n=0)))
    assert score_sentence(result, lang="en") == (
        "No line has enough data yet, so there is no total."
    )
    assert score_sentence(result, lang="zh-CN") == "暂无指标有足够数据，因此没有总分。"


@pytest.mark.parametrize(
    ("reason", "english", "chinese"),
    [
        (
            "EMPLOYED_TOO_FEW_DAYS",
            "Not scored in this cycle: employed on too few of its days.",
            "本周期不计分：在职天数不足。",
        ),
        (
            "NOT_IN_SCOPE",
            "Not scored in this cycle: outside the teams it covers.",
            "本周期不计分：不在本周期覆盖的团队内。",
        ),
        (
            "NO_SCORECARD",
            "Not scored in this cycle: the position has no scorecard in it.",
            "本周期不计分：该岗位在本周期没有评分卡。",
        ),
    ],
)
def test_not_eligible_sentence_gives_the_reason(reason: str, english: str, chinese: str) -> None:
    assert not_eligible_sentence(reason, lang="en") == english
    assert not_eligible_sentence(reason, lang="zh-CN") == chinese


def test_accept_language_variants_pick_the_language_family() -> None:
    line = contract_line(0)
    assert line_sentence(line, lang="en-GB") == line_sentence(line, lang="en")
    assert line_sentence(line, lang="zh") == line_sentence(line, lang="zh-CN")


def test_a_language_without_sentences_is_refused() -> None:
    with pytest.raises(ValueError, match="English"):
        line_sentence(contract_line(0), lang="fr")


# --- structured data --------------------------------------------------------------------------


def test_explanation_data_reports_decimals_as_strings_in_their_reported_form() -> None:
    data = explanation_data(scored(CONTRACT_LINES, CONTRACT_AGGREGATES))
    assert data["status"] == "SCORED"
    assert data["total"] == "74.75"
    assert (data["band"], data["multiplier"]) == ("B", "1.00")
    assert data["next_band"] == {"code": "A", "points_needed": "10.25"}
    assert data["adjustments_total"] == "0.00"
    lines = data["lines"]
    assert isinstance(lines, list)
    assert lines[0] == {
        "kpi": {
            "code": "csat",
            "name": "CSAT",
            "name_zh": "",
            "kind": "QUANTITATIVE",
            "unit": "",
            "unit_zh": "",
            "direction": "HIGHER_IS_BETTER",
            "rating": True,
            "scale_top": "5.0000",
        },
        "scope": "INDIVIDUAL",
        "aggregation": "SHARE_AT_LEAST",
        "aggregation_param": "4.0000",
        "n": 412,
        "meeting": 371,
        "min_samples": 1,
        "raw_value": "90.0485",
        "method": "LINEAR",
        "threshold": "80.0000",
        "target": "92.0000",
        "stretch": None,
        "bands": [],
        "normalized": "83.74",
        "weight": "40.00",
        "effective_weight": "40.00",
        "contribution": "33.50",
        "status": "SCORED",
        "what_it_would_take": {
            "kind": "CANNOT_REACH",
            "band": "A",
            "raw_value": None,
            "max_points": "6.51",
            "observations_needed": None,
        },
        "about_person": True,
        "evidence": True,
        "reweighted": False,
        "sources": [],
    }
    assert lines[1]["what_it_would_take"]["raw_value"] == "7.7083"


def test_explanation_data_of_a_no_data_score_has_no_total_or_band() -> None:
    data = explanation_data(scored(CONTRACT_LINES, (Aggregate(n=0),) * 3))
    assert (data["status"], data["total"], data["band"], data["multiplier"]) == (
        "NO_DATA",
        None,
        None,
        None,
    )
    assert data["next_band"] is None


def test_explanation_data_is_json_ready_and_deterministic() -> None:
    first = json.dumps(explanation_data(scored(CONTRACT_LINES, CONTRACT_AGGREGATES)))
    again = json.dumps(explanation_data(scored(CONTRACT_LINES, CONTRACT_AGGREGATES)))
    assert first == again
    assert "Fraction" not in first
