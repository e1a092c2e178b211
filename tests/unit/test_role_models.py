"""Role models of a line (docs/role-models.md): the top three and everyone tied with the
third, by normalised points."""

from fractions import Fraction

from service.scoring.role_models import Candidate, role_models


def _c(pk: int, name: str, points: str) -> Candidate:
    return Candidate(pk, name, Fraction(points))


def test_the_three_highest_are_role_models_best_first() -> None:
    found = role_models(
        [_c(1, "A", "50"), _c(2, "B", "90"), _c(3, "C", "70"), _c(4, "D", "80"), _c(5, "E", "10")]
    )
    assert [m.employee_id for m in found] == [2, 4, 3]
    assert [m.rank for m in found] == [1, 2, 3]


def test_everyone_tied_with_the_third_is_a_role_model() -> None:
    found = role_models(
        [
            _c(1, "A", "90"),
            _c(2, "B", "80"),
            _c(3, "C", "70"),
            _c(4, "D", "70"),
            _c(5, "E", "69.99"),
        ]
    )
    assert [m.employee_id for m in found] == [1, 2, 3, 4]
    assert [m.rank for m in found] == [1, 2, 3, 3]


def test_a_tie_at_the_top_shares_the_rank_and_still_reaches_the_third_place() -> None:
    found = role_models(
        [_c(1, "A", "90"), _c(2, "B", "90"), _c(3, "C", "90"), _c(4, "D", "90"), _c(5, "E", "1")]
    )
    assert [m.employee_id for m in found] == [1, 2, 3, 4]
    assert {m.rank for m in found} == {1}


def test_a_tie_above_the_third_does_not_pull_in_the_fourth() -> None:
    found = role_models([_c(1, "A", "90"), _c(2, "B", "90"), _c(3, "C", "80"), _c(4, "D", "70")])
    assert [(m.employee_id, m.rank) for m in found] == [(1, 1), (2, 1), (3, 3)]


def test_fewer_than_three_scored_members_are_all_role_models() -> None:
    assert [m.employee_id for m in role_models([_c(7, "G", "0"), _c(8, "H", "5")])] == [8, 7]
    assert role_models([]) == []


def test_points_compare_exactly_not_as_text() -> None:
    found = role_models([_c(1, "A", "9.50"), _c(2, "B", "10.00"), _c(3, "C", "100")], top=1)
    assert [m.employee_id for m in found] == [3]


def test_ties_are_listed_by_name_then_id() -> None:
    found = role_models([_c(3, "Zoe", "60"), _c(1, "Amy", "60"), _c(2, "Amy", "60")], top=1)
    assert [m.employee_id for m in found] == [1, 2, 3]
