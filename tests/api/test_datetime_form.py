"""One DateTime form on output: UTC, microseconds, `Z` (so the text sorts as the moments
do); an observation keeps the offset it was reported with beside it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from service.api.ids import global_id
from service.api.scalars import utc_text
from service.models import Observation
from tests.api.conftest import Api, seed

ONE_FORM = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def test_the_form_is_utc_with_microseconds_whatever_the_offset() -> None:
    moment = datetime.fromisoformat("2026-03-10T09:00:00+08:00")
    assert utc_text(moment) == "2026-03-10T01:00:00.000000Z"
    assert utc_text(datetime(2026, 3, 10, 1, tzinfo=UTC)) == "2026-03-10T01:00:00.000000Z"


@pytest.mark.usefixtures("db")
async def test_every_moment_in_an_answer_has_the_one_form(api: Api) -> None:
    await seed(api)
    row = await Observation.filter(external_id="s0").first()
    assert row is not None
    body = await api.run(
        '{ node(id: "' + global_id("Observation", row.id) + '") '
        "{ ... on Observation { occurredAt utcOffset } } "
        "viewer { tokens { createdAt expiresAt } } }",
        as_="admin",
    )
    observation = body["data"]["node"]
    assert observation == {"occurredAt": "2026-02-01T01:00:00.000000Z", "utcOffset": "+08:00"}
    for token in body["data"]["viewer"]["tokens"]:
        assert ONE_FORM.match(token["createdAt"])
        assert ONE_FORM.match(token["expiresAt"])
