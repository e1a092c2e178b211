"""The policy page: admins view and edit the scoring policy with its version and a reason."""

from __future__ import annotations

import re
from datetime import date

from service.models import AuditEntry
from service.models import Policy as PolicyRow
from service.usecases.inputs import EmployeeInput
from service.usecases.setup.organisation import upsert_employees
from service.usecases.setup.policy import NUMBER_FIELDS
from tests.admin.conftest import Browser
from tests.integration.scenario import ADMIN, CYCLE

PAGE = "/admin/policy"


async def _as(browser: Browser, who: str) -> None:
    browser.client.cookies.clear()
    assert (await browser.sign_in(who)).status_code == 303


def _value(page: str, name: str) -> str:
    found = re.search(rf'<input id="{name}" name="{name}"[^>]*value="([^"]*)"', page)
    assert found, f"no input {name}"
    return found.group(1)


async def _form(browser: Browser) -> dict[str, str]:
    """What the page posts back unchanged: every setting, the bands and the version."""
    page = (await browser.client.get(PAGE)).text
    data = {name: _value(page, name) for name in (*NUMBER_FIELDS, "csat_kpi_code", "timezone")}
    for name, value in re.findall(r'name="(bands-\d+-\w+)"[^>]*value="([^"]*)"', page):
        data[name] = value
    version = re.search(r'name="expected_version" value="(\d+)"', page)
    assert version
    data["expected_version"] = version.group(1)
    return data


async def test_the_policy_page_is_for_admins_only(seeded: Browser) -> None:
    anonymous = await seeded.client.get(PAGE)
    assert anonymous.status_code == 303
    for who in ("manager", "employee"):
        await _as(seeded, who)
        assert (await seeded.client.get(PAGE)).status_code == 403
        refused = await seeded.client.post(PAGE, data={"min_evidence_weight": "0"})
        assert refused.status_code in (400, 403)
    assert (await PolicyRow.get(id=1)).version == 1
    await _as(seeded, "admin")
    page = await seeded.client.get(PAGE)
    assert page.status_code == 200
    assert 'href="/admin/policy"' in page.text  # in the navigation


async def test_an_admin_sees_the_policy_with_its_version(seeded: Browser) -> None:
    await _as(seeded, "admin")
    page = (await seeded.client.get(PAGE)).text
    assert _value(page, "min_evidence_weight") == "50"
    assert _value(page, "timezone") == "Asia/Shanghai"
    assert 'name="expected_version" value="1"' in page
    assert 'name="bands-0-code" aria-label="Code" value="S"' in page


async def test_saving_lists_the_scorecards_whose_scores_moved_and_audits_the_reason(
    seeded: Browser,
) -> None:
    await upsert_employees(
        actor=ADMIN,
        employees=[
            EmployeeInput(
                "A9", "New Agent", date(2025, 1, 1), team_code="hotline", position_code="agent"
            )
        ],
    )
    await _as(seeded, "admin")
    data = await _form(seeded) | {"min_evidence_weight": "0", "reason": "pilot without the rule"}
    saved = await seeded.post(PAGE, data)
    assert saved.status_code == 200
    assert 'role="status"' in saved.text
    moved = re.search(
        rf"<td>{CYCLE}</td><td>agent</td><td data-to-no-data>(\d+)</td>"
        r"<td data-from-no-data>(\d+)</td>",
        saved.text,
    )
    assert moved
    assert moved.groups() == ("0", "1")  # A9, who has no data of their own
    assert _value(saved.text, "min_evidence_weight") == "0"
    row = await PolicyRow.get(id=1)
    assert (row.version, row.data["min_evidence_weight"]) == (2, "0")
    entry = await AuditEntry.filter(action="update_policy").order_by("-id").first()
    assert entry is not None
    assert entry.reason == "pilot without the rule"


async def test_a_policy_change_without_a_reason_or_with_a_bad_value_changes_nothing(
    seeded: Browser,
) -> None:
    await _as(seeded, "admin")
    data = await _form(seeded)
    no_reason = await seeded.post(PAGE, data | {"min_evidence_weight": "10", "reason": ""})
    assert no_reason.status_code == 400
    assert 'id="reason-error"' in no_reason.text
    too_much = await seeded.post(PAGE, data | {"min_evidence_weight": "120", "reason": "more"})
    assert too_much.status_code == 400
    assert 'id="min_evidence_weight-error"' in too_much.text
    assert "0 to 100" in too_much.text
    assert (await PolicyRow.get(id=1)).version == 1


async def test_every_issue_with_the_bands_stands_beside_their_box_and_none_is_lost(
    seeded: Browser,
) -> None:
    await _as(seeded, "admin")
    data = await _form(seeded)
    bands = sorted(name for name in data if re.fullmatch(r"bands-\d+-multiplier", name))
    assert len(bands) >= 2
    bad = {bands[0]: "many", bands[1]: "lots", "reason": "two bad bands"}
    refused = await seeded.post(PAGE, data | bad)
    assert refused.status_code == 400
    beside = re.search(r'<p class="field-error" id="bands-error">([^<]*)</p>', refused.text)
    assert beside, "no message beside the bands"
    assert beside.group(1).count("; ") >= 1, beside.group(1)  # both issues, not the last one
    assert (await PolicyRow.get(id=1)).version == 1


async def test_saving_from_an_older_version_is_refused_and_keeps_the_input(
    seeded: Browser,
) -> None:
    await _as(seeded, "admin")
    data = await _form(seeded)
    first = await seeded.post(PAGE, data | {"min_evidence_weight": "40", "reason": "first"})
    assert first.status_code == 200
    stale = await seeded.post(PAGE, data | {"min_evidence_weight": "60", "reason": "second"})
    assert stale.status_code == 409
    assert "version 2" in stale.text
    assert _value(stale.text, "min_evidence_weight") == "60"
    assert (await PolicyRow.get(id=1)).data["min_evidence_weight"] == "40"


async def test_the_policy_page_speaks_chinese(seeded: Browser) -> None:
    await _as(seeded, "admin")
    page = await seeded.client.get(PAGE, headers={"accept-language": "zh-CN"})
    assert "评分规则" in page.text
    assert "最低依据权重" in page.text


async def test_the_calibration_settings_are_edited_on_the_policy_page(seeded: Browser) -> None:
    await _as(seeded, "admin")
    page = (await seeded.client.get(PAGE)).text
    assert _value(page, "leniency_threshold") == "10"
    assert _value(page, "band_guide_tolerance") == "10"
    assert _value(page, "band_guide") == ""
    data = await _form(seeded) | {"reason": "calibration guide"}
    unknown = await seeded.post(PAGE, data | {"band_guide": "S=10, Z=5"})
    assert unknown.status_code == 400
    assert 'id="band_guide-error"' in unknown.text
    assert "is not a band of the policy" in unknown.text
    assert (await PolicyRow.get(id=1)).version == 1
    saved = await seeded.post(
        PAGE, data | {"band_guide": "S=10, A=20, B=40", "leniency_threshold": "12.5"}
    )
    assert saved.status_code == 200
    row = await PolicyRow.get(id=1)
    assert row.data["band_guide"] == {"S": "10", "A": "20", "B": "40"}
    assert row.data["leniency_threshold"] == "12.5"
    assert _value(saved.text, "band_guide") == "S=10, A=20, B=40"


async def test_an_admin_sets_the_check_in_interval_and_lets_colleagues_give_notes(
    seeded: Browser,
) -> None:
    await _as(seeded, "admin")
    page = (await seeded.client.get(PAGE)).text
    assert _value(page, "check_in_interval_days") == "14"
    assert 'name="colleague_feedback_notes" value="on" checked' not in page
    data = await _form(seeded)
    data |= {
        "check_in_interval_days": "21",
        "colleague_feedback_notes": "on",
        "reason": "monthly one-to-ones",
    }
    saved = await seeded.post(PAGE, data)
    assert saved.status_code == 200, saved.text
    stored = (await PolicyRow.get(id=1)).data
    assert (stored["check_in_interval_days"], stored["colleague_feedback_notes"]) == (21, True)
    assert _value(saved.text, "check_in_interval_days") == "21"
    assert 'name="colleague_feedback_notes" value="on" checked' in saved.text

    refused = await seeded.post(
        PAGE, (await _form(seeded)) | {"check_in_interval_days": "0", "reason": "none"}
    )
    assert refused.status_code == 400
    assert 'id="check_in_interval_days-error"' in refused.text
    assert (await PolicyRow.get(id=1)).data["check_in_interval_days"] == 21


async def test_an_admin_sets_the_weekly_recognition_limit_and_a_bad_one_is_named(
    seeded: Browser,
) -> None:
    await _as(seeded, "admin")
    page = (await seeded.client.get(PAGE)).text
    assert _value(page, "recognitions_per_colleague_per_week") == "3"
    saved = await seeded.post(
        PAGE,
        (await _form(seeded))
        | {"recognitions_per_colleague_per_week": "2", "reason": "fewer, warmer thanks"},
    )
    assert saved.status_code == 200, saved.text
    assert (await PolicyRow.get(id=1)).data["recognitions_per_colleague_per_week"] == 2
    refused = await seeded.post(
        PAGE,
        (await _form(seeded)) | {"recognitions_per_colleague_per_week": "0", "reason": "none"},
    )
    assert refused.status_code == 400
    assert 'id="recognitions_per_colleague_per_week-error"' in refused.text
    assert (await PolicyRow.get(id=1)).data["recognitions_per_colleague_per_week"] == 2
