"""A KPI with a Chinese name is called by it on every Chinese page: the team page's
team lines and a line page's title as much as the sentences (found by following the
docs with Accept-Language zh-CN)."""

from __future__ import annotations

from dataclasses import replace

from admin.web import LANGUAGE_COOKIE
from service.usecases.setup.kpis import upsert_kpis
from tests.admin.conftest import Browser
from tests.integration.scenario import ADMIN, CYCLE, KPIS

CSAT = next(k for k in KPIS if k.code == "csat")


async def _name_csat_in_chinese() -> None:
    await upsert_kpis(actor=ADMIN, kpis=[replace(CSAT, name_zh="客户满意度")])


async def test_the_team_page_names_team_lines_in_chinese(seeded: Browser) -> None:
    await _name_csat_in_chinese()
    await seeded.sign_in("admin")
    seeded.client.cookies.set(LANGUAGE_COOKIE, "zh-CN")
    chinese = (await seeded.client.get(f"/admin/teams/hotline/{CYCLE}")).text
    seeded.client.cookies.set(LANGUAGE_COOKIE, "en")
    english = (await seeded.client.get(f"/admin/teams/hotline/{CYCLE}")).text

    assert "客户满意度" in chinese
    # The English name, marked as English, was shown where the Chinese one exists.
    assert '<span lang="en" translate="no">CSAT</span>' not in chinese
    assert "CSAT" in english
    assert "客户满意度" not in english


async def test_a_line_page_title_is_in_the_pages_language(seeded: Browser) -> None:
    await _name_csat_in_chinese()
    await seeded.sign_in("admin")
    seeded.client.cookies.set(LANGUAGE_COOKIE, "zh-CN")
    chinese = (await seeded.client.get(f"/admin/scores/{CYCLE}/A1/lines/1")).text
    seeded.client.cookies.set(LANGUAGE_COOKIE, "en")
    english = (await seeded.client.get(f"/admin/scores/{CYCLE}/A1/lines/1")).text

    assert "<title>客户满意度 · " in chinese
    assert "<title>CSAT · " in english
