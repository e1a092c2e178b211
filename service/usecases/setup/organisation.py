"""Teams, positions and employees, upserted in bulk by their natural keys."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise.transactions import in_transaction

from service.errors import Issue, ValidationFailed
from service.models import Employee, Position, Team
from service.usecases.accounts.access import team_and_ancestors
from service.usecases.accounts.permissions import require_admin
from service.usecases.actor import Actor
from service.usecases.audit import write_audit
from service.usecases.inputs import EmployeeInput, PositionInput, TeamInput, UpsertReport
from service.usecases.parsing import too_long
from service.usecases.retries import retry_when_busy
from service.usecases.scoring.recompute import recompute_open_cycles
from service.usecases.setup.cycles import refresh_scorecard_warnings
from service.usecases.setup.policy import load_policy


def _check_code(issues: list[Issue], row: int, field: str, value: str, seen: set[str]) -> None:
    if not value or not value.strip():
        issues.append(Issue(field, "is required", "REQUIRED", row))
    elif value in seen:
        issues.append(
            Issue.of(
                field,
                "{value} appears twice in this input",
                "DUPLICATE",
                row=row,
                value=repr(value),
            )
        )
    seen.add(value)


@retry_when_busy
async def upsert_positions(*, actor: Actor, positions: Sequence[PositionInput]) -> UpsertReport:
    require_admin(actor)
    issues: list[Issue] = []
    seen: set[str] = set()
    for row, item in enumerate(positions):
        issues += too_long(
            Position, {"code": item.code, "name": item.name, "name_zh": item.name_zh}, row=row
        )
        _check_code(issues, row, "code", item.code, seen)
        if not item.name.strip():
            issues.append(Issue("name", "is required", "REQUIRED", row))
    if issues:
        raise ValidationFailed(issues)
    created = updated = unchanged = 0
    async with in_transaction() as conn:
        existing = {p.code: p for p in await Position.filter(code__in=list(seen)).using_db(conn)}
        for item in positions:
            current = existing.get(item.code)
            if current is None:
                await Position.create(
                    using_db=conn, code=item.code, name=item.name, name_zh=item.name_zh
                )
                created += 1
            elif (current.name, current.name_zh) != (item.name, item.name_zh):
                before = {"name": current.name, "name_zh": current.name_zh}
                current.name = item.name
                current.name_zh = item.name_zh
                await current.save(using_db=conn)
                updated += 1
                await write_audit(
                    conn,
                    actor=actor,
                    action="update_position",
                    entity="position",
                    entity_key=item.code,
                    before=before,
                    after={"name": item.name, "name_zh": item.name_zh},
                )
                continue
            else:
                unchanged += 1
                continue
            await write_audit(
                conn,
                actor=actor,
                action="create_position",
                entity="position",
                entity_key=item.code,
                after={"name": item.name, "name_zh": item.name_zh},
            )
    return UpsertReport(created, updated, unchanged)


@retry_when_busy
async def upsert_teams(*, actor: Actor, teams: Sequence[TeamInput]) -> UpsertReport:
    """Parents may be listed in any order, even after their children."""
    require_admin(actor)
    issues: list[Issue] = []
    seen: set[str] = set()
    for row, item in enumerate(teams):
        issues += too_long(
            Team, {"code": item.code, "name": item.name, "name_zh": item.name_zh}, row=row
        )
        _check_code(issues, row, "code", item.code, seen)
        if not item.name.strip():
            issues.append(Issue("name", "is required", "REQUIRED", row))
        if item.parent_code is not None and item.parent_code == item.code:
            issues.append(Issue("parent", "a team cannot be its own parent", "CYCLE", row))
    if issues:
        raise ValidationFailed(issues)
    created = updated = unchanged = 0
    async with in_transaction() as conn:
        all_teams = {t.code: t for t in await Team.all().using_db(conn)}
        lead_ids = {
            e.external_id: e.id
            for e in await Employee.filter(
                external_id__in=[t.lead_external_id for t in teams if t.lead_external_id]
            ).using_db(conn)
        }
        # The audit log names leads by external id: a database id means nothing outside.
        lead_codes = {i: code for code, i in lead_ids.items()} | {
            e.id: e.external_id
            for e in await Employee.filter(
                id__in=[t.lead_id for t in all_teams.values() if t.lead_id is not None]
            ).using_db(conn)
        }
        for row, item in enumerate(teams):
            if (
                item.parent_code
                and item.parent_code not in all_teams
                and item.parent_code not in seen
            ):
                issues.append(
                    Issue.of(
                        "parent",
                        "no team has the code {team}; add it first or in the same input",
                        "UNKNOWN_TEAM",
                        row=row,
                        team=repr(item.parent_code),
                    )
                )
            if item.lead_external_id and item.lead_external_id not in lead_ids:
                issues.append(
                    Issue.of(
                        "lead",
                        "no employee has the external id {id}; add the employee first",
                        "UNKNOWN_EMPLOYEE",
                        row=row,
                        id=repr(item.lead_external_id),
                    )
                )
        if issues:
            raise ValidationFailed(issues)
        touched: list[tuple[Team, dict[str, Any] | None]] = []
        for item in teams:
            team = all_teams.get(item.code)
            if team is None:
                team = await Team.create(
                    using_db=conn, code=item.code, name=item.name, name_zh=item.name_zh
                )
                all_teams[item.code] = team
                touched.append((team, None))
            else:
                touched.append((team, _team_state(team, all_teams, lead_codes)))
        parents = {t.id: t.parent_id for t in all_teams.values()}
        for row, item in enumerate(teams):
            team = all_teams[item.code]
            parent_id = all_teams[item.parent_code].id if item.parent_code else None
            if parent_id is not None and team.id in team_and_ancestors(parent_id, parents):
                issues.append(
                    Issue.of(
                        "parent",
                        "{parent} is below {team}; a team cannot sit under its own sub-team",
                        "CYCLE",
                        row=row,
                        parent=repr(item.parent_code),
                        team=repr(item.code),
                    )
                )
            parents[team.id] = parent_id
            team.name = item.name
            team.name_zh = item.name_zh
            team.parent_id = parent_id
            team.lead_id = lead_ids.get(item.lead_external_id) if item.lead_external_id else None
        if issues:
            raise ValidationFailed(issues)
        hierarchy_changed = False
        leads_changed = False
        # The employees who stop or start leading a team: only their scores move when
        # nothing else changes (their TEAM lines stop or start being evidence, §2).
        moved_leads: set[int] = set()
        id_of_lead = {code: employee_id for employee_id, code in lead_codes.items()}
        for team, before in touched:
            after = _team_state(team, all_teams, lead_codes)
            if before == after:
                unchanged += 1
                continue
            if before is None:
                created += 1
            else:
                updated += 1
                # A new lead changes whose TEAM lines are evidence (SCORING.md §2).
                if before["lead"] != after["lead"]:
                    leads_changed = True
                    moved_leads.update(
                        id_of_lead[code]
                        for code in (before["lead"], after["lead"])
                        if code is not None and code in id_of_lead
                    )
                hierarchy_changed = hierarchy_changed or before["parent"] != after["parent"]
            await team.save(using_db=conn)
            await write_audit(
                conn,
                actor=actor,
                action="create_team" if before is None else "update_team",
                entity="team",
                entity_key=team.code,
                before=before,
                after=after,
            )
        warnings_move = leads_changed or any(
            before is None and team.lead_id for team, before in touched
        )
        # Read once for this write: the warnings and the recompute share it.
        loaded = (
            await load_policy(conn) if warnings_move or hierarchy_changed or moved_leads else None
        )
        if warnings_move and loaded is not None:
            await refresh_scorecard_warnings(conn, policy=loaded[0])
        if hierarchy_changed:
            # A pilot scope covers sub-teams, so a moved team can enter or leave a cycle.
            await recompute_open_cycles(conn, policy=loaded)
        elif moved_leads:
            await recompute_open_cycles(conn, employee_ids=moved_leads, policy=loaded)
    return UpsertReport(created, updated, unchanged)


def _team_state(team: Team, by_code: dict[str, Team], lead_codes: dict[int, str]) -> dict[str, Any]:
    codes = {t.id: t.code for t in by_code.values()}
    return {
        "name": team.name,
        "name_zh": team.name_zh,
        "parent": codes.get(team.parent_id) if team.parent_id else None,
        "lead": lead_codes.get(team.lead_id) if team.lead_id is not None else None,
    }


@retry_when_busy
async def upsert_employees(*, actor: Actor, employees: Sequence[EmployeeInput]) -> UpsertReport:
    require_admin(actor)
    issues: list[Issue] = []
    seen: set[str] = set()
    for row, item in enumerate(employees):
        issues += too_long(
            Employee,
            {"external_id": item.external_id, "name": item.name, "email": item.email},
            row=row,
            fields={"external_id": "externalId"},
        )
        _check_code(issues, row, "externalId", item.external_id, seen)
        if not item.name.strip():
            issues.append(Issue("name", "is required", "REQUIRED", row))
        if item.left_on is not None and item.left_on < item.hired_on:
            issues.append(Issue("leftOn", "is before hiredOn; check both dates", "DATE_ORDER", row))
    if issues:
        raise ValidationFailed(issues)
    created = updated = unchanged = 0
    async with in_transaction() as conn:
        teams = {t.code: t.id for t in await Team.all().using_db(conn)}
        positions = {p.code: p.id for p in await Position.all().using_db(conn)}
        for row, item in enumerate(employees):
            if item.team_code and item.team_code not in teams:
                issues.append(
                    Issue.of(
                        "team",
                        "no team has the code {team}; add the team first",
                        "UNKNOWN_TEAM",
                        row=row,
                        team=repr(item.team_code),
                    )
                )
            if item.position_code and item.position_code not in positions:
                issues.append(
                    Issue.of(
                        "position",
                        "no position has the code {position}; add the position first",
                        "UNKNOWN_POSITION",
                        row=row,
                        position=repr(item.position_code),
                    )
                )
        if issues:
            raise ValidationFailed(issues)
        existing = {
            e.external_id: e
            for e in await Employee.filter(external_id__in=list(seen)).using_db(conn)
        }
        changed_ids: set[int] = set()
        for item in employees:
            values: dict[str, Any] = {
                "name": item.name,
                "email": item.email,
                "team_id": teams.get(item.team_code) if item.team_code else None,
                "position_id": positions.get(item.position_code) if item.position_code else None,
                "hired_on": item.hired_on,
                "left_on": item.left_on,
            }
            current = existing.get(item.external_id)
            if current is None:
                employee = await Employee.create(
                    using_db=conn, external_id=item.external_id, **values
                )
                created += 1
                changed_ids.add(employee.id)
                await write_audit(
                    conn,
                    actor=actor,
                    action="create_employee",
                    entity="employee",
                    entity_key=item.external_id,
                    after=_jsonable(values),
                )
                continue
            before = {key: getattr(current, key) for key in values}
            if before == values:
                unchanged += 1
                continue
            for key, value in values.items():
                setattr(current, key, value)
            await current.save(using_db=conn)
            updated += 1
            changed_ids.add(current.id)
            await write_audit(
                conn,
                actor=actor,
                action="update_employee",
                entity="employee",
                entity_key=item.external_id,
                before=_jsonable(before),
                after=_jsonable(values),
            )
        if changed_ids:
            # Someone moving into or out of a position or team may change whether a
            # holder of a position leads their team (the §8 evidence warning).
            loaded = await load_policy(conn)  # once for this write: both read it
            await refresh_scorecard_warnings(conn, policy=loaded[0])
            await recompute_open_cycles(conn, employee_ids=changed_ids, policy=loaded)
    return UpsertReport(created, updated, unchanged)


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values.items()}
