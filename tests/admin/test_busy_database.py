"""An admin form on a database kept busy by another writer: a page that says to try
again, and nothing saved (the API's side is in tests/api/test_busy_database.py)."""

from __future__ import annotations

import pytest

from service.models import Kpi
from tests.admin.conftest import Browser
from tests.write_lock import another_writer_holds_the_lock

pytestmark = pytest.mark.parametrize("database", ["sqlite"], indirect=True)


async def test_an_admin_form_on_a_busy_database_is_a_page_that_says_to_try_again(
    seeded: Browser,
) -> None:
    await seeded.sign_in("admin")
    token = await seeded.csrf("/admin/kpis/new")
    form = {
        "csrf_token": token,
        "code": "aht",
        "name": "Average handling time",
        "kind": "QUANTITATIVE",
        "direction": "LOWER_IS_BETTER",
        "aggregation": "MEAN",
        "aggregation_param": "",
        "range_min": "",
        "range_max": "",
        "unit": "s",
        "tags": "",
    }
    async with another_writer_holds_the_lock():
        response = await seeded.client.post("/admin/kpis/new", data=form)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert "The database is busy with other changes and nothing was saved" in response.text
    assert not await Kpi.exists(code="aht")
