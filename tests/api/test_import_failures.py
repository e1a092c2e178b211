"""An API batch with refused rows is recorded as a failed import (who, when, the first
problems), once: the same idempotency key sent again returns the first report and adds
no second record."""

from __future__ import annotations

from service.models import ImportChannel, ImportFailure, Observation, User
from tests.api.conftest import Api, seed

REFUSED = (
    'mutation { recordFeedback(idempotencyKey: "batch-7", feedback: ['
    '{rating: "5", channel: ONLINE_SURVEY, occurredAt: "2026-03-01T10:00:00+08:00", '
    'source: "survey", employeeExternalId: "A1", externalId: "b7-1"}, '
    '{rating: "9", channel: ONLINE_SURVEY, occurredAt: "2026-03-01T10:00:00+08:00", '
    'source: "survey", employeeExternalId: "A2", externalId: "b7-2"}]) { __typename '
    "... on IngestReport { accepted rejected { index field } } } }"
)


async def test_a_refused_api_batch_is_recorded_once_with_who_sent_it(api: Api) -> None:
    await seed(api)
    before = await Observation.all().count()
    for _attempt in range(2):
        body = await api.run(REFUSED, as_="integration")
        report = body["data"]["recordFeedback"]
        assert report["accepted"] == 0
        assert report["rejected"] == [{"index": 1, "field": "rating"}]
    assert await Observation.all().count() == before
    failure = await ImportFailure.get()
    sender = await User.get(email="survey-tool@example.com")
    assert failure.channel is ImportChannel.API_BATCH
    assert failure.user_id == sender.id
    assert failure.name == "batch-7"
    assert failure.kind == "feedback"
    assert failure.rows == 2
    assert failure.problems[0]["number"] == 2
