"""The stored score's one shape: written, read back, and read from older rows."""

from __future__ import annotations

import dataclasses
import json
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.scoring import (
    Aggregate,
    Aggregation,
    Policy,
    Scope,
    format_fixed,
    line_text,
    not_eligible_sentence,
    score,
    score_text,
    what_it_would_take_text,
)
from service.scoring.engine import ScorecardPlan, score_with
from service.scoring.stored import (
    StoredAdjustment,
    StoredLine,
    StoredScore,
    StoredScorecard,
    StoredSource,
    StoredWhatItWouldTake,
    line_setting,
    stored_score_of,
)

from .builders import F, linear, mean_of, qualitative_kpi, quantitative_kpi
from .test_properties import Case, scorecards

RULE_OFF = Policy(min_evidence_weight=Fraction(0))

# A row as recompute stored it before this shape: sentences inside, sources beside
# the lines, the KPI without its Chinese name. Finalised cycles keep such rows.
OLD_ROW: dict[str, Any] = {
    "adjustments": [{"id": 7, "points": "2.00", "reason": "coached a colleague"}],
    "adjustments_total": "2.00",
    "band": "C",
    "evidence_weight": "100.00",
    "lines": [
        {
            "about_person": True,
            "aggregation": "MEAN",
            "aggregation_param": None,
            "bands": [],
            "contribution": "60.00",
            "effective_weight": "100.00",
            "evidence": True,
            "kpi": {
                "code": "frt",
                "direction": "LOWER_IS_BETTER",
                "kind": "QUANTITATIVE",
                "name": "First response",
                "unit": "min",
            },
            "meeting": 0,
            "method": "LINEAR",
            "min_samples": 1,
            "n": 10,
            "normalized": "60.00",
            "raw_value": "18.0000",
            "scope": "INDIVIDUAL",
            "status": "SCORED",
            "stretch": None,
            "target": "10.0000",
            "threshold": "30.0000",
            "weight": "100.00",
            "what_it_would_take": {
                "band": "B",
                "kind": "RAW_VALUE",
                "max_points": None,
                "observations_needed": None,
                "raw_value": "16.0000",
            },
        }
    ],
    "multiplier": "0.80",
    "needed_weight": "50.00",
    "next_band": {"code": "B", "points_needed": "8.00"},
    "sentences": {"en": {"score": "old text", "lines": ["old"], "what_it_would_take": [None]}},
    "sources": [[{"channel": None, "count": 10, "source": "tickets"}]],
    "status": "SCORED",
    "status_reason": None,
    "total": "62.00",
}


def test_a_row_stored_before_this_shape_is_read_in_full() -> None:
    stored = StoredScore.from_row(json.dumps(OLD_ROW))
    assert (stored.total, stored.band, stored.multiplier) == ("62.00", "C", "0.80")
    assert stored.next_band is not None
    assert stored.next_band.points_needed == "8.00"
    assert [a.reason for a in stored.adjustments] == ["coached a colleague"]
    line = stored.lines[0]
    assert line.sources == (StoredSource("tickets", None, 10),)
    assert (line.kpi.name, line.kpi.name_zh, line.reweighted) == ("First response", "", False)
    assert score_text(stored, lang="en") == (
        "Total 62.00 points, including +2.00 points of adjustments: band C "
        "(multiplier 0.80); 8.00 points to band B."
    )
    # The Chinese falls back to the English name, spaced from the Chinese around it.
    assert what_it_would_take_text(line, lang="zh-CN") == (
        "要达到 B 档，First response 需要不超过 16.0000 min（目前为 18.0000 min）。"
    )


def test_an_old_not_eligible_row_is_read_and_explained_without_numbers() -> None:
    old = {"reason": "NO_SCORECARD", "sentences": {}, "status": "NOT_ELIGIBLE"}
    stored = StoredScore.from_row(old)
    assert stored.status_reason == "NO_SCORECARD"
    assert score_text(stored, lang="en") == (
        "Not scored in this cycle: the position has no scorecard in it."
    )


def test_a_stored_score_reads_back_equal_and_holds_no_sentence() -> None:
    kpi = quantitative_kpi("frt", name="First response", unit="min")
    result = score(
        lines=[linear(kpi, threshold=0, target=100)],
        aggregates=[mean_of(50, n=3)],
        adjustments=[],
        policy=RULE_OFF,
        leads_team=False,
    )
    stored = stored_score_of(result, sources=[[StoredSource("tickets", "PHONE_CALLBACK", 3)]])
    assert StoredScore.from_row(stored.to_json()) == stored
    assert "sentences" not in stored.to_json()


def test_chinese_sentences_use_the_chinese_name_and_unit() -> None:
    kpi = dataclasses.replace(
        quantitative_kpi("frt", name="First response", unit="min"),
        name_zh="首次响应",
        unit_zh="分钟",
    )
    result = score(
        lines=[linear(kpi, threshold=0, target=100)],
        aggregates=[mean_of(50, n=3)],
        adjustments=[],
        policy=RULE_OFF,
        leads_team=False,
    )
    line = stored_score_of(result).lines[0]
    assert line_text(line, lang="zh-CN").startswith("首次响应：3 条记录的平均值为 50.0000 分钟；")
    assert line_text(line, lang="en").startswith(
        "First response: mean of 3 observations: 50.0000 min;"
    )


def test_a_rating_share_bound_reads_as_a_rating_not_a_percentage() -> None:
    kpi = quantitative_kpi(
        "csat",
        name="CSAT",
        aggregation=Aggregation.SHARE_AT_LEAST,
        param=F(4),
        unit="%",
        range_min=F(1),
        range_max=F(5),
        tags=frozenset({"customer_satisfaction"}),
    )
    text = line_text(
        stored_score_of(
            score(
                lines=[linear(kpi, threshold=0, target=100)],
                aggregates=[Aggregate(n=4, meeting=3)],
                adjustments=[],
                policy=RULE_OFF,
                leads_team=False,
            )
        ).lines[0],
        lang="en",
    )
    assert "3 of 4 ratings were 4 or 5 (75.0000 %)" in text
    at_most = dataclasses.replace(
        kpi, aggregation=Aggregation.SHARE_AT_MOST, aggregation_param=F(2)
    )
    result = score(
        lines=[linear(at_most, threshold=0, target=100)],
        aggregates=[Aggregate(n=4, meeting=1)],
        adjustments=[],
        policy=RULE_OFF,
        leads_team=False,
    )
    text = line_text(stored_score_of(result).lines[0], lang="en")
    assert "1 of 4 ratings was 2 or less (25.0000 %)" in text
    assert "2 %" not in text


def test_a_line_above_target_says_stretch() -> None:
    kpi = quantitative_kpi("tasks", name="Tasks", unit="")
    result = score(
        lines=[linear(kpi, threshold=0, target=100, stretch=150)],
        aggregates=[mean_of(125)],
        adjustments=[],
        policy=RULE_OFF,
        leads_team=False,
    )
    line = stored_score_of(result).lines[0]
    assert "→ 110.00 of 100 (stretch);" in line_text(line, lang="en")
    assert "110.00 分（满分 100，含挑战加分）" in line_text(line, lang="zh-CN")


def test_a_missing_review_is_called_a_review() -> None:
    kpi = qualitative_kpi("quality", name="Quality")
    result = score(
        lines=[linear(kpi, threshold=1, target=5)],
        aggregates=[Aggregate(n=0)],
        adjustments=[],
        policy=RULE_OFF,
        leads_team=False,
    )
    line = stored_score_of(result).lines[0]
    assert "0 manager reviews, fewer than the 1 needed" in line_text(
        line, lang="en", weighted=False
    )
    assert "observation" not in (what_it_would_take_text(line, lang="en") or "")


def test_a_missing_review_is_counted_as_reviews_in_chinese_too() -> None:
    kpi = qualitative_kpi("quality", name="Quality")
    result = score(
        lines=[linear(kpi, threshold=1, target=5)],
        aggregates=[Aggregate(n=0)],
        adjustments=[],
        policy=RULE_OFF,
        leads_team=False,
    )
    line = stored_score_of(result).lines[0]
    assert "只有 0 位经理评分，少于所需的 1 位；" in line_text(line, lang="zh-CN", weighted=False)


def _team_csat_line() -> StoredLine:
    kpi = quantitative_kpi(
        "csat",
        name="CSAT",
        aggregation=Aggregation.SHARE_AT_LEAST,
        param=F(4),
        unit="%",
        range_min=F(1),
        range_max=F(5),
        tags=frozenset({"customer_satisfaction"}),
    )
    result = score(
        lines=[linear(kpi, threshold=0, target=100, scope=Scope.TEAM)],
        aggregates=[Aggregate(n=4, meeting=3)],
        adjustments=[],
        policy=RULE_OFF,
        leads_team=False,
    )
    return stored_score_of(result).lines[0]


def test_what_a_team_line_would_take_names_the_team_and_its_ratings() -> None:
    line = _team_csat_line()
    cannot = dataclasses.replace(
        line,
        what_it_would_take=StoredWhatItWouldTake("CANNOT_REACH", "S", None, "4.11", None),
    )
    assert what_it_would_take_text(cannot, lang="en") == (
        "The team's CSAT alone cannot reach band S; it can add at most 4.11 more points."
    )
    assert what_it_would_take_text(cannot, lang="zh-CN") == (
        "仅靠团队的 CSAT 无法达到 S 档；它最多还能增加 4.11 分。"
    )
    more = dataclasses.replace(
        line,
        what_it_would_take=StoredWhatItWouldTake("MORE_OBSERVATIONS", "S", None, None, 3),
    )
    assert what_it_would_take_text(more, lang="en") == (
        "The team's CSAT needs 3 more ratings to count."
    )
    assert what_it_would_take_text(more, lang="zh-CN") == "团队的 CSAT 还需要 3 条评分才能计分。"


def test_not_eligible_sentence_gives_its_numbers() -> None:
    text = not_eligible_sentence(
        "EMPLOYED_TOO_FEW_DAYS",
        lang="en",
        employed_days=6,
        cycle_days=30,
        needed_share=Fraction(50),
    )
    assert text == "Not scored in this cycle: employed on 6 of the cycle's 30 days; 50 % needed."
    chinese = not_eligible_sentence(
        "EMPLOYED_TOO_FEW_DAYS", lang="zh-CN", employed_days=6, cycle_days=30, needed_share=F(50)
    )
    assert chinese == "本周期不计分：在职 6 天，本周期共 30 天；需要 50 %。"


# --- built once per scorecard: the same score, the same text ------------------------------

_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)


@given(
    case=scorecards(adjustment_size=20),
    reasons=st.lists(_TEXT, min_size=2, max_size=2),
    source=_TEXT,
    channel=st.none() | _TEXT,
    lead=st.booleans(),
)
def test_a_scorecard_stored_once_writes_what_each_score_built_alone_writes(
    case: Case, reasons: list[str], source: str, channel: str | None, lead: bool
) -> None:
    """`StoredScorecard.json_of` (what a recompute stores, written straight from the
    engine's result) is, character for character, the canonical JSON of the stored
    score built alone: the content hash, and so what is written, depends on it."""
    plan = ScorecardPlan(case.lines, case.policy)
    card = StoredScorecard(plan.lines, case.policy)
    result = score_with(
        plan=plan, aggregates=case.aggregates, adjustments=case.adjustments, leads_team=lead
    )
    # No source, one, or two per line.
    sources = [
        [StoredSource(source, channel, index + 1), StoredSource("tickets", None, 2)][: index % 3]
        for index in range(len(case.lines))
    ]
    adjustments = [
        StoredAdjustment(index + 1, format_fixed(points, 2), reasons[index])
        for index, points in enumerate(case.adjustments)
    ]
    alone = stored_score_of(result, sources=sources, adjustments=adjustments, policy=case.policy)
    # Twice: the second time from the numbers it formatted the first time.
    for _ in range(2):
        text = card.json_of(result, sources=sources, adjustments=adjustments)
        assert text == alone.to_json()
    assert StoredScore.from_row(text) == alone


def test_a_result_with_another_number_of_lines_than_the_scorecard_is_refused() -> None:
    line = linear(quantitative_kpi("frt", unit="min"), threshold=0, target=100)
    plan = ScorecardPlan([line], RULE_OFF)
    result = score_with(plan=plan, aggregates=[mean_of(50, n=3)], adjustments=[], leads_team=False)
    other = StoredScorecard([line, line], RULE_OFF)
    with pytest.raises(ValueError, match="1 lines on a scorecard of 2"):
        other.json_of(result, sources=[[]])


def test_a_kpi_named_csat_by_the_policy_alone_is_stored_as_ratings() -> None:
    """The policy's `csat_kpi_code` makes a KPI the customer-satisfaction one as its tag
    does (`validation.is_customer_satisfaction`); only such KPIs' stored lines change."""
    kpi = quantitative_kpi(
        "nps_survey",
        name="Survey",
        aggregation=Aggregation.SHARE_AT_LEAST,
        param=F(4),
        unit="%",
        range_min=F(1),
        range_max=F(5),
    )
    line = linear(kpi, threshold=0, target=100)
    named = Policy(csat_kpi_code="nps_survey")
    assert line_setting(line, named).kpi.rating is True
    assert line_setting(line, Policy()).kpi.rating is False
    assert line_setting(line, Policy(csat_kpi_code="csat")).kpi.rating is False
    result = score(
        lines=[line],
        aggregates=[Aggregate(n=4, meeting=3)],
        adjustments=[],
        policy=RULE_OFF,
        leads_team=False,
    )
    text = line_text(stored_score_of(result, policy=named).lines[0], lang="en")
    assert "3 of 4 ratings were 4 or 5 (75.0000 %)" in text
