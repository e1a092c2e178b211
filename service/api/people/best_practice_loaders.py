"""Per-request loaders of role models' boards, notes and sessions: a list of notes or
sessions costs the same queries for 3 rows as for 30, and the role models of many teams
the same as of two (docs/role-models.md)."""

from __future__ import annotations

from collections import defaultdict

from tortoise.connection import get_connection

from service.api.loaders import SharedLoader
from service.errors import DomainError
from service.models import (
    BestPracticeNote,
    BestPracticeThanks,
    RoleModelSetting,
    SessionAttendance,
    SessionPresenter,
)
from service.sql import int_values
from service.usecases.actor import Actor
from service.usecases.people.best_practice import first_notes_by_kpi
from service.usecases.people.role_models import RoleModelBoard, role_model_boards

# (who asks, team id, cycle code): a team's role models for a cycle
BoardKey = tuple[Actor, int, str]


async def _boards(keys: list[BoardKey]) -> list[RoleModelBoard | DomainError]:
    """Every team's role models asked in a request, at once per asker (one in practice);
    a refusal is that key's answer, raised to its field alone."""
    by_actor: dict[Actor, list[tuple[int, str]]] = defaultdict(list)
    for actor, team_id, cycle_code in keys:
        by_actor[actor].append((team_id, cycle_code))
    found: dict[BoardKey, RoleModelBoard | DomainError] = {}
    conn = get_connection("default")
    for actor, wanted in by_actor.items():
        for (team_id, cycle_code), answer in (
            await role_model_boards(conn, actor=actor, keys=wanted)
        ).items():
            found[(actor, team_id, cycle_code)] = answer
    return [found[key] for key in keys]


# (KPI id, rows wanted, with hidden notes)
NotesKey = tuple[int, int, bool]


async def _notes_by_kpi(keys: list[NotesKey]) -> list[list[BestPracticeNote]]:
    """Each KPI's first notes (most-thanked first, then newest), one read per page size."""
    groups: dict[tuple[int, bool], list[int]] = defaultdict(list)
    for kpi_id, size, with_hidden in keys:
        groups[(size, with_hidden)].append(kpi_id)
    found: dict[NotesKey, list[BestPracticeNote]] = {}
    conn = get_connection("default")
    for (size, with_hidden), kpis in groups.items():
        notes = await first_notes_by_kpi(conn, kpis, size, with_hidden=with_hidden)
        for kpi_id in kpis:
            found[(kpi_id, size, with_hidden)] = notes.get(kpi_id, [])
    return [found[key] for key in keys]


async def _opted_in(employee_ids: list[int]) -> list[bool]:
    named = set(
        await int_values(
            RoleModelSetting.filter(employee_id__in=employee_ids, opted_in=True).values_list(
                "employee_id", flat=True
            )
        )
    )
    return [e in named for e in employee_ids]


async def _thanked(keys: list[tuple[int, int]]) -> list[bool]:
    users = sorted({u for u, _n in keys})
    notes = sorted({n for _u, n in keys})
    rows = await BestPracticeThanks.filter(user_id__in=users, note_id__in=notes).values_list(
        "user_id", "note_id"
    )
    found = {(int(u), int(n)) for u, n in rows}
    return [key in found for key in keys]


async def _presenters(session_ids: list[int]) -> list[list[int]]:
    rows = await SessionPresenter.filter(session_id__in=session_ids).order_by("id")
    grouped: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        grouped[row.session_id].append(row.employee_id)
    return [grouped.get(s, []) for s in session_ids]


async def _attendees(session_ids: list[int]) -> list[list[int]]:
    rows = await SessionAttendance.filter(session_id__in=session_ids).order_by("id")
    grouped: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        grouped[row.session_id].append(row.employee_id)
    return [grouped.get(s, []) for s in session_ids]


class BestPracticeLoaders:
    """Made per request, with the other loaders (service/api/loaders.py)."""

    def __init__(self) -> None:
        self.notes_by_kpi: SharedLoader[NotesKey, list[BestPracticeNote]] = SharedLoader(
            _notes_by_kpi
        )
        self.opted_in: SharedLoader[int, bool] = SharedLoader(_opted_in)
        # (user id, note id): whether that reader thanked the note.
        self.thanked: SharedLoader[tuple[int, int], bool] = SharedLoader(_thanked)
        self.presenters: SharedLoader[int, list[int]] = SharedLoader(_presenters)
        self.attendees: SharedLoader[int, list[int]] = SharedLoader(_attendees)
        self.role_model_boards: SharedLoader[BoardKey, RoleModelBoard] = SharedLoader(_boards)
