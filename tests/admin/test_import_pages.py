"""CSV import in the admin: upload, preview, row-level errors, all or nothing, the report."""

from __future__ import annotations

import html
import re

import httpx
import pytest

from admin.views.setup.imports import MAX_FILE_BYTES
from service.models import Observation, Review
from tests.admin.conftest import Browser
from tests.admin.readable import unreadable

HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">')
SOURCE = "admin-csv"
HEADER = "employee_external_id,channel,rating,occurred_at,source,external_id,comment\n"
GOOD = [
    f"A1,PHONE_CALLBACK,5,2026-02-10T10:00:00+08:00,{SOURCE},CB-1,\n",
    f'A2,ONLINE_SURVEY,4,2026-02-11T10:00:00+08:00,{SOURCE},SV-1,"Quick, friendly"\n',
]
BAD = f"A3,CARRIER_PIGEON,2,2026-02-12T10:00:00+08:00,{SOURCE},SV-2,等了太久\n"


async def upload(
    browser: Browser, content: bytes, *, kind: str = "feedback", name: str = "feedback.csv"
) -> httpx.Response:
    token = await browser.csrf("/admin/imports")
    return await browser.client.post(
        "/admin/imports/preview",
        data={"csrf_token": token, "kind": kind},
        files={"file": (name, content, "text/csv")},
    )


def confirm_form(preview: httpx.Response) -> dict[str, str]:
    form = preview.text.split('action="/admin/imports/run"', 1)[1].split("</form>", 1)[0]
    return {name: html.unescape(value) for name, value in HIDDEN.findall(form)}


async def run_import(
    browser: Browser, content: bytes, *, keep_valid: bool = False, kind: str = "feedback"
) -> httpx.Response:
    preview = await upload(browser, content, kind=kind)
    assert preview.status_code == 200, preview.text
    fields = confirm_form(preview)
    if keep_valid:
        fields["keep_valid"] = "1"
    return await browser.client.post("/admin/imports/run", data=fields)


async def recorded() -> int:
    return await Observation.filter(source=SOURCE).count()


def report_value(page: str, label: str) -> int:
    found = re.search(rf"{re.escape(label)}[^<]*</th><td class=\"num\">(\d+)<", page)
    assert found, label
    return int(found.group(1))


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 200), ("manager", 403), ("employee", 403), ("integration", 403)],
)
async def test_the_import_page_is_for_admins_only(seeded: Browser, who: str, status: int) -> None:
    await seeded.sign_in(who)
    response = await seeded.client.get("/admin/imports")
    assert response.status_code == status
    assert ('enctype="multipart/form-data"' in response.text) is (status == 200)


async def test_a_manager_cannot_upload_even_with_a_valid_form(seeded: Browser) -> None:
    await seeded.sign_in("manager")
    token = await seeded.csrf("/admin/")
    response = await seeded.client.post(
        "/admin/imports/preview",
        data={"csrf_token": token, "kind": "feedback"},
        files={"file": ("f.csv", (HEADER + GOOD[0]).encode(), "text/csv")},
    )
    assert response.status_code == 403
    run = await seeded.client.post(
        "/admin/imports/run", data={"csrf_token": token, "kind": "feedback", "payload": "eA=="}
    )
    assert run.status_code == 403
    assert await recorded() == 0


async def test_the_preview_shows_the_first_ten_rows_and_writes_nothing(seeded: Browser) -> None:
    await seeded.sign_in("admin")
    rows = [
        f"A1,ONLINE_SURVEY,4,2026-02-{day:02d}T10:00:00+08:00,{SOURCE},P-{day},row {day}\n"
        for day in range(1, 13)
    ]
    preview = await upload(seeded, (HEADER + "".join(rows)).encode())
    assert preview.status_code == 200
    assert "12 rows of feedback" in preview.text
    assert "row 10<" in preview.text
    assert "row 11<" not in preview.text
    assert "<code>occurred_at</code>" in preview.text
    assert await recorded() == 0


async def test_a_bad_row_shows_its_line_field_and_message_and_nothing_is_written(
    seeded: Browser,
) -> None:
    await seeded.sign_in("admin")
    response = await run_import(seeded, (HEADER + GOOD[0] + BAD + GOOD[1]).encode())
    assert response.status_code == 400
    assert "Nothing was written" in response.text
    errors = response.text.split('<table class="import-errors">', 1)[1].split("</table>", 1)[0]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", errors, re.S)
    assert cells[0] == "3"  # the file's line: the header is line 1
    assert cells[1] == "<code>channel</code>"
    assert "ONLINE_SURVEY" in cells[2]
    assert report_value(response.text, "Accepted") == 0
    assert await recorded() == 0


async def test_a_chinese_page_says_each_rejected_row_in_chinese(seeded: Browser) -> None:
    await seeded.sign_in("admin")
    seeded.client.cookies.set("fairscore_lang", "zh-CN")
    unknown = "A404,ONLINE_SURVEY,4,2026-02-11T10:00:00+08:00,admin-csv,SV-9,\n"
    too_many = "A2,ONLINE_SURVEY,4,x,y,z,w,extra\n"
    preview = await upload(seeded, (HEADER + GOOD[0] + too_many).encode())
    assert "有 8 个字段，但表头有 7 个" in preview.text
    response = await run_import(seeded, (HEADER + GOOD[0] + BAD + unknown).encode())
    assert response.status_code == 400
    errors = response.text.split('<table class="import-errors">', 1)[1].split("</table>", 1)[0]
    fields_and_problems = re.findall(r"<td>(.*?)</td>", errors, re.S)
    problems = [html.unescape(re.sub(r"<[^>]+>", "", cell)) for cell in fields_and_problems[1::2]]
    assert problems == [
        "必须是 ONLINE_SURVEY、PHONE_CALLBACK 或 FACE_TO_FACE",
        "没有外部编号为 'A404' 的员工",
    ]
    # What was sent stays as it was sent, marked so that no translation touches it.
    assert '<span translate="no">&#39;A404&#39;</span>' in errors
    assert unreadable(response.text, "zh-CN") == []
    assert await recorded() == 0


async def test_import_the_valid_rows_writes_the_good_ones_and_reports_the_bad(
    seeded: Browser,
) -> None:
    await seeded.sign_in("admin")
    response = await run_import(
        seeded, (HEADER + GOOD[0] + BAD + GOOD[1]).encode(), keep_valid=True
    )
    assert response.status_code == 200
    assert "The valid rows were written" in response.text
    assert report_value(response.text, "Accepted") == 2
    assert report_value(response.text, "Rejected rows") == 1
    assert await recorded() == 2
    rows = await Observation.filter(source=SOURCE).order_by("external_id")
    assert [row.comment for row in rows] == [None, "Quick, friendly"]


async def test_importing_the_same_file_again_reports_duplicates(seeded: Browser) -> None:
    await seeded.sign_in("admin")
    content = (HEADER + "".join(GOOD)).encode()
    first = await run_import(seeded, content)
    assert first.status_code == 200
    assert "Imported." in first.text
    assert report_value(first.text, "Accepted") == 2
    again = await run_import(seeded, content)
    assert report_value(again.text, "Accepted") == 0
    assert report_value(again.text, "Duplicates") == 2
    assert await recorded() == 2


async def test_a_file_saved_with_a_byte_order_mark_is_read(seeded: Browser) -> None:
    await seeded.sign_in("admin")
    response = await run_import(seeded, "\ufeff".encode() + (HEADER + GOOD[0]).encode())
    assert response.status_code == 200
    assert await recorded() == 1


async def test_reviews_are_imported_too(seeded: Browser) -> None:
    await seeded.sign_in("admin")
    content = (
        b"cycle_code,employee_external_id,kpi_code,reviewer_email,kind,rating,comment\n"
        b"2026-Q1,A2,quality,lead@example.com,MANAGER,3.5,Calm with callers\n"
    )
    before = await Review.all().count()
    response = await run_import(seeded, content, kind="reviews")
    assert response.status_code == 200
    assert report_value(response.text, "Accepted") == 1
    assert await Review.filter(comment="Calm with callers").exists()
    assert await Review.all().count() == before  # replaced the lead's earlier rating of A2


async def test_an_unknown_column_stops_the_import_before_any_row(seeded: Browser) -> None:
    await seeded.sign_in("admin")
    content = (HEADER.replace("rating", "score") + GOOD[0]).encode()
    response = await upload(seeded, content)
    assert response.status_code == 400
    assert "column score" in response.text
    assert "is not a column of a feedback file" in response.text
    assert await recorded() == 0


async def test_a_file_that_is_not_utf8_gets_a_clear_message(seeded: Browser) -> None:
    await seeded.sign_in("admin")
    response = await upload(seeded, (HEADER + BAD).encode("gb18030"))
    assert response.status_code == 400
    assert "not UTF-8" in response.text
    assert "CSV UTF-8" in response.text


async def test_a_file_over_five_megabytes_is_refused(seeded: Browser) -> None:
    await seeded.sign_in("admin")
    padding = b"A1,ONLINE_SURVEY,4,2026-02-01T10:00:00+08:00,pad,,x\n"
    content = HEADER.encode() + padding * (MAX_FILE_BYTES // len(padding) + 1)
    assert len(content) > MAX_FILE_BYTES
    response = await upload(seeded, content)
    assert response.status_code == 413
    assert "larger than 5 MB" in response.text


async def test_a_row_with_too_many_fields_is_shown_in_the_preview(seeded: Browser) -> None:
    await seeded.sign_in("admin")
    content = (HEADER + GOOD[0] + "A2,ONLINE_SURVEY,4,x,y,z,w,extra\n").encode()
    preview = await upload(seeded, content)
    assert preview.status_code == 200
    assert "Rows that cannot be read" in preview.text
    assert "has 8 fields but the header has 7" in preview.text


async def test_posts_without_the_csrf_token_are_refused_and_write_nothing(
    seeded: Browser,
) -> None:
    await seeded.sign_in("admin")
    content = (HEADER + "".join(GOOD)).encode()
    preview = await seeded.client.post(
        "/admin/imports/preview",
        data={"kind": "feedback"},
        files={"file": ("f.csv", content, "text/csv")},
    )
    assert preview.status_code == 403
    good = await upload(seeded, content)
    fields = confirm_form(good)
    fields["csrf_token"] = "forged"
    run = await seeded.client.post("/admin/imports/run", data=fields)
    assert run.status_code == 403
    assert await recorded() == 0


async def test_a_payload_that_does_not_come_back_intact_is_refused(seeded: Browser) -> None:
    await seeded.sign_in("admin")
    fields = confirm_form(await upload(seeded, (HEADER + GOOD[0]).encode()))
    fields["payload"] = ""
    response = await seeded.client.post("/admin/imports/run", data=fields)
    assert response.status_code == 400
    assert "did not come back intact" in response.text
    assert await recorded() == 0
