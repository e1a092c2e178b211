"""Teams and positions have a name per language, as KPIs do: a Chinese page shows the
Chinese name, an English page the English one, and a name without Chinese stays English
(marked as such)."""

from __future__ import annotations

from admin.web import LANGUAGE_COOKIE
from service.models import AuditEntry, Position, Team
from service.usecases.inputs import PositionInput, TeamInput
from service.usecases.setup.organisation import upsert_positions, upsert_teams
from tests.admin.conftest import Browser
from tests.integration.scenario import ADMIN


async def test_a_team_and_a_position_show_their_chinese_name_on_chinese_pages(
    seeded: Browser,
) -> None:
    await upsert_teams(
        actor=ADMIN, teams=[TeamInput("field", "Field", "service", "F1", name_zh="外勤组")]
    )
    await upsert_positions(actor=ADMIN, positions=[PositionInput("agent", "Agent", "客服")])
    await seeded.sign_in("admin")

    seeded.client.cookies.set(LANGUAGE_COOKIE, "zh-CN")
    chinese_teams = (await seeded.client.get("/admin/teams")).text
    chinese_people = (await seeded.client.get("/admin/people")).text
    seeded.client.cookies.set(LANGUAGE_COOKIE, "en")
    english_teams = (await seeded.client.get("/admin/teams")).text

    assert "外勤组" in chinese_teams
    assert "客服" in chinese_people
    assert "外勤组" not in english_teams
    assert '<span translate="no">Field</span>' in english_teams
    # A team without a Chinese name keeps its English one, marked as English.
    assert '<span lang="en" translate="no">Service</span>' in chinese_teams
    assert (await Team.get(code="field")).name_zh == "外勤组"
    assert (await Position.get(code="agent")).name_zh == "客服"
    changed = await AuditEntry.filter(action="update_position").order_by("-id").first()
    assert changed is not None
    assert changed.after == {"name": "Agent", "name_zh": "客服"}
