"""Calibration (SCORING §12) read from a REVIEW cycle's stored scores and reviews."""

from __future__ import annotations

from fractions import Fraction

import pytest
from tortoise.connection import get_connection

from service.errors import NotFound, PermissionDenied, StaleVersion, ValidationFailed
from service.models import AccessLevel, AuditEntry, CalibrationRecord, Cycle, Employee, Team
from service.scoring.calibration import CalibrationFlag, root_units
from service.usecases.accounts.access import review_report_teams
from service.usecases.actor import Actor
from service.usecases.inputs import EmployeeInput, ReviewInput
from service.usecases.review.calibration import calibration_for_cycle, save_calibration_record
from service.usecases.scoring.ingest import submit_reviews
from service.usecases.setup.organisation import upsert_employees
from tests.counting import counted_queries
from tests.integration.calibration_scenario import (
    HR_GAP,
    LEAD_GAP,
    ORGANISATION_GAP,
    QUANTITATIVE,
    build_calibration_cycle,
)
from tests.integration.scenario import ADMIN, CYCLE


async def actor_for(external_id: str, access: AccessLevel) -> Actor:
    employee = await Employee.get(external_id=external_id)
    return Actor(label=f"{external_id}@example.com", access=access, employee_id=employee.id)


async def test_reviewers_figures_follow_the_hand_computed_cycle(db: str) -> None:
    await build_calibration_cycle()
    view = await calibration_for_cycle(get_connection("default"), actor=ADMIN, cycle_code=CYCLE)
    assert view.organisation_gap == ORGANISATION_GAP
    by_label = {r.label: r for r in view.reviewers}
    lead, hr = by_label["lead@example.com"], by_label["hr@example.com"]
    assert (lead.n, lead.gap, lead.flag) == (5, LEAD_GAP, CalibrationFlag.LENIENT)
    assert lead.standard_error_squared == 25
    assert root_units(Fraction(25)) == 500
    assert (hr.n, hr.gap, hr.flag) == (6, HR_GAP, CalibrationFlag.HARSH)
    first = lead.employees[0]
    assert (first.qualitative, first.quantitative) == (Fraction(100), QUANTITATIVE)
    assert {view.people[p.employee].external_id for p in hr.employees} == {
        "A1",
        "A2",
        "A3",
        "A4",
        "A5",
        "F1",
    }


async def test_a_new_rating_moves_the_gap_at_once(db: str) -> None:
    await build_calibration_cycle()
    await submit_reviews(
        actor=ADMIN,
        reviews=[ReviewInput(CYCLE, "A5", "quality", "lead@example.com", "MANAGER", "5")],
    )
    view = await calibration_for_cycle(get_connection("default"), actor=ADMIN, cycle_code=CYCLE)
    lead = next(r for r in view.reviewers if r.label == "lead@example.com")
    assert lead.gap == 100 - QUANTITATIVE
    assert lead.standard_error_squared == 0


async def test_a_manager_sees_only_reviewers_of_their_teams_and_only_their_people(db: str) -> None:
    await build_calibration_cycle()
    lead = await actor_for("L1", AccessLevel.MANAGER)
    view = await calibration_for_cycle(get_connection("default"), actor=lead, cycle_code=CYCLE)
    hr = next(r for r in view.reviewers if r.label == "hr@example.com")
    # Organisation-wide figures, but F1 (Field) is not listed.
    assert hr.n == 6
    assert {view.people[p.employee].external_id for p in hr.employees} == {
        "A1",
        "A2",
        "A3",
        "A4",
        "A5",
    }
    assert {row.team_code for row in view.band_guide if row.team_code} == {"hotline"}
    with pytest.raises(PermissionDenied):
        await calibration_for_cycle(
            get_connection("default"), actor=lead, cycle_code=CYCLE, team_code="field"
        )


async def test_review_reports_share_one_manager_scope(db: str) -> None:
    """Calibration figures and shadow reports list the same teams: one rule in access."""
    await build_calibration_cycle()
    conn = get_connection("default")
    ids = {t.code: t.id for t in await Team.all()}
    lead = await actor_for("L1", AccessLevel.MANAGER)
    employee = await actor_for("A1", AccessLevel.EMPLOYEE)
    assert await review_report_teams(conn, ADMIN, None) is None
    assert await review_report_teams(conn, ADMIN, "service") == {
        ids["service"],
        ids["hotline"],
        ids["field"],
    }
    assert await review_report_teams(conn, lead, None) == {ids["hotline"]}
    assert await review_report_teams(conn, lead, "hotline") == {ids["hotline"]}
    with pytest.raises(PermissionDenied, match="may see its reports"):
        await review_report_teams(conn, lead, "field")
    with pytest.raises(PermissionDenied, match="for admins and managers"):
        await review_report_teams(conn, employee, "hotline")
    with pytest.raises(NotFound, match="no team 'nowhere'"):
        await review_report_teams(conn, ADMIN, "nowhere")


async def test_an_employee_sees_no_calibration(db: str) -> None:
    await build_calibration_cycle()
    employee = await actor_for("A1", AccessLevel.EMPLOYEE)
    with pytest.raises(PermissionDenied):
        await calibration_for_cycle(get_connection("default"), actor=employee, cycle_code=CYCLE)


async def test_the_team_view_lists_reviewers_who_rated_someone_in_the_team(db: str) -> None:
    await build_calibration_cycle()
    view = await calibration_for_cycle(
        get_connection("default"), actor=ADMIN, cycle_code=CYCLE, team_code="field"
    )
    assert [r.label for r in view.reviewers] == ["hr@example.com"]
    assert [view.people[p.employee].external_id for p in view.reviewers[0].employees] == ["F1"]


async def test_calibration_is_refused_outside_review(db: str) -> None:
    await build_calibration_cycle(to_review=False)
    with pytest.raises(ValidationFailed, match="in Review"):
        await calibration_for_cycle(get_connection("default"), actor=ADMIN, cycle_code=CYCLE)


async def test_band_guide_warns_a_team_of_five_off_the_guide(db: str) -> None:
    from service.usecases.setup.policy_change import update_policy

    await build_calibration_cycle()
    await update_policy(
        actor=ADMIN,
        settings={
            "timezone": "Asia/Shanghai",
            "csat_kpi_code": "csat",
            "band_guide": {"S": "10", "A": "20", "B": "40", "C": "20", "D": "10"},
        },
        expected_version=None,
    )
    view = await calibration_for_cycle(get_connection("default"), actor=ADMIN, cycle_code=CYCLE)
    hotline = [row for row in view.band_guide if row.team_code == "hotline"]
    assert [row.row.band for row in hotline] == ["S", "A", "B", "C", "D"]
    assert sum(row.row.count for row in hotline) == 5
    assert all(row.group_size == 5 for row in hotline)
    for row in hotline:
        off = abs(row.row.share - (row.row.guide_share or 0)) > 10
        assert row.row.warning == off
    # Field has one scored person: never warned.
    assert not any(row.row.warning for row in view.band_guide if row.team_code == "field")


async def test_figures_cost_the_same_queries_for_more_people(db: str) -> None:
    await build_calibration_cycle()
    conn = get_connection("default")
    with counted_queries() as few:
        await calibration_for_cycle(conn, actor=ADMIN, cycle_code=CYCLE)
    from datetime import date

    await upsert_employees(
        actor=ADMIN,
        employees=[
            EmployeeInput(
                f"B{i}", f"Agent B{i}", date(2021, 1, 1), team_code="hotline", position_code="agent"
            )
            for i in range(1, 8)
        ],
    )
    await submit_reviews(
        actor=ADMIN,
        reviews=[
            ReviewInput(CYCLE, f"B{i}", "quality", "lead@example.com", "MANAGER", "4")
            for i in range(1, 8)
        ],
    )
    with counted_queries() as many:
        await calibration_for_cycle(conn, actor=ADMIN, cycle_code=CYCLE)
    assert len(many) == len(few)


async def test_the_calibration_record_is_kept_audited_and_versioned(db: str) -> None:
    await build_calibration_cycle()
    saved = await save_calibration_record(
        actor=ADMIN,
        cycle_code=CYCLE,
        attendees="HR, Lena Lead",
        notes="Lena rates generously.",
        decisions="Lena re-rates A5.",
        expected_version=0,
    )
    assert (saved.version, saved.changed) == (1, True)
    with pytest.raises(StaleVersion):
        await save_calibration_record(
            actor=ADMIN,
            cycle_code=CYCLE,
            attendees="HR",
            notes="again",
            decisions="",
            expected_version=0,
        )
    again = await save_calibration_record(
        actor=ADMIN, cycle_code=CYCLE, attendees="HR", notes="n", decisions="d", expected_version=1
    )
    assert again.version == 2
    cycle = await Cycle.get(code=CYCLE)
    record = await CalibrationRecord.get(cycle_id=cycle.id)
    assert (record.attendees, record.notes, record.decisions) == ("HR", "n", "d")
    assert await AuditEntry.filter(action="save_calibration_record").count() == 2


async def test_an_empty_or_non_admin_calibration_record_is_refused(db: str) -> None:
    await build_calibration_cycle()
    with pytest.raises(ValidationFailed, match="empty"):
        await save_calibration_record(
            actor=ADMIN,
            cycle_code=CYCLE,
            attendees=" ",
            notes="",
            decisions="",
            expected_version=None,
        )
    lead = await actor_for("L1", AccessLevel.MANAGER)
    with pytest.raises(PermissionDenied):
        await save_calibration_record(
            actor=lead,
            cycle_code=CYCLE,
            attendees="x",
            notes="",
            decisions="",
            expected_version=None,
        )
    assert await CalibrationRecord.all().count() == 0
