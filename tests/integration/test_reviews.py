from __future__ import annotations

from service.models import Score
from service.settings import Settings
from service.usecases.accounts.users import create_user
from service.usecases.inputs import ReviewInput
from service.usecases.scoring.ingest import submit_reviews
from tests.integration.scenario import ADMIN, CYCLE, build_organisation


async def users() -> None:
    settings = Settings.from_environment()
    await create_user(
        actor=ADMIN,
        email="lead@example.com",
        access="MANAGER",
        password="long-enough",
        employee_external_id="L1",
        settings=settings,
    )
    await create_user(
        actor=ADMIN,
        email="a1@example.com",
        access="EMPLOYEE",
        password="long-enough",
        employee_external_id="A1",
        settings=settings,
    )
    await create_user(
        actor=ADMIN,
        email="f1@example.com",
        access="EMPLOYEE",
        password="long-enough",
        employee_external_id="F1",
        settings=settings,
    )


async def test_a_managers_newer_rating_replaces_the_older_one(db: str) -> None:
    await build_organisation()
    await users()
    for rating in ("2", "4"):
        report = await submit_reviews(
            actor=ADMIN,
            reviews=[ReviewInput(CYCLE, "A1", "quality", "lead@example.com", "MANAGER", rating)],
        )
        assert report.accepted == 1
    score = await Score.get(cycle__code=CYCLE, employee__external_id="A1")
    quality = score.explanation["lines"][4]
    assert (quality["n"], quality["raw_value"]) == (1, "4.0000")


async def test_self_ratings_are_kept_but_do_not_count(db: str) -> None:
    await build_organisation()
    await users()
    report = await submit_reviews(
        actor=ADMIN, reviews=[ReviewInput(CYCLE, "A1", "quality", "a1@example.com", "SELF", "5")]
    )
    assert report.accepted == 1
    score = await Score.get(cycle__code=CYCLE, employee__external_id="A1")
    assert score.explanation["lines"][4]["status"] == "INSUFFICIENT_DATA"


async def test_only_a_manager_of_the_employee_may_give_a_manager_rating(db: str) -> None:
    await build_organisation()
    await users()
    report = await submit_reviews(
        actor=ADMIN,
        reviews=[
            ReviewInput(CYCLE, "A1", "quality", "f1@example.com", "MANAGER", "5"),
            ReviewInput(CYCLE, "L1", "quality", "lead@example.com", "MANAGER", "5"),
            ReviewInput(CYCLE, "A1", "quality", "lead@example.com", "MANAGER", "9"),
            ReviewInput(CYCLE, "A1", "csat", "lead@example.com", "MANAGER", "5"),
        ],
    )
    assert [(e.index, e.field, e.code) for e in report.rejected] == [
        (0, "reviewerEmail", "NOT_A_MANAGER"),
        (1, "reviewerEmail", "OWN_SCORE"),
        (2, "rating", "OUT_OF_RANGE"),
        (3, "kpiCode", "NOT_QUALITATIVE"),
    ]
    assert report.accepted == 0
