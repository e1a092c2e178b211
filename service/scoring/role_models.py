"""Role models of a score line (docs/role-models.md): pure, no I/O.

On one INDIVIDUAL quantitative line, a team's role models are the scored members with
the highest normalised points: the top three, and everyone tied with the third. The
points compared are the stored line's (two places, as reported), exactly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

TOP = 3


@dataclass(frozen=True, slots=True)
class Candidate:
    """A scored member's normalised points on one line."""

    employee_id: int
    name: str
    points: Fraction


@dataclass(frozen=True, slots=True)
class RoleModel:
    employee_id: int
    name: str
    points: Fraction
    rank: int  # 1-based, competition ranking: ties share a rank (1, 1, 3, ...)


def role_models(candidates: Iterable[Candidate], *, top: int = TOP) -> list[RoleModel]:
    """The ``top`` highest and everyone tied with the ``top``-th, best first; ties in
    the order of their names, then ids (a stable order that tells nothing more)."""
    ordered = sorted(candidates, key=lambda c: (-c.points, c.name, c.employee_id))
    if len(ordered) <= top:
        cut = len(ordered)
    else:
        bar = ordered[top - 1].points
        cut = top
        while cut < len(ordered) and ordered[cut].points == bar:
            cut += 1
    chosen: list[RoleModel] = []
    for place, candidate in enumerate(ordered[:cut]):
        rank = place + 1
        if chosen and chosen[-1].points == candidate.points:
            rank = chosen[-1].rank
        chosen.append(RoleModel(candidate.employee_id, candidate.name, candidate.points, rank))
    return chosen
