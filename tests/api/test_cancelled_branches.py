"""A field error that cancels one branch of a query leaves the other branches whole.

graphql-core cancels the siblings of a field whose error nulls their parent. Branches
that wait for the same row through a per-request loader share one future; cancelling
one waiter must not cancel it for the others, or the request fails with a
CancelledError instead of answering the other branches."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api, seed

BRANCHES = [
    # The failing branch after one that waits for the same lead.
    '{ b: team(code: "hotline") { lead { name } } a: team(code: "hotline") { lead { name } '
    'members(after: "bad") { nodes { name } } } c: team(code: "hotline") { lead { name } } }',
    # The failing branch first, then two that wait for the same lead.
    '{ a: team(code: "hotline") { lead { name } members(after: "bad") { nodes { name } } } '
    'b: team(code: "hotline") { lead { name } } c: team(code: "hotline") { lead { name } } }',
    # The failing branch among others, after the list of teams was fetched.
    '{ teams { code } a: team(code: "hotline") { lead { name } members(after: "bad") '
    '{ nodes { name } } } b: team(code: "hotline") { lead { name } } '
    'c: team(code: "hotline") { lead { name } } }',
]


@pytest.mark.parametrize("query", BRANCHES)
async def test_other_branches_waiting_for_the_same_row_still_get_it(api: Api, query: str) -> None:
    await seed(api)

    response = await api.post(query, as_="admin")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"]["a"] is None
    assert body["data"]["b"] == {"lead": {"name": "Lena Lead"}}
    assert body["data"]["c"] == {"lead": {"name": "Lena Lead"}}
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
        (["a", "members"], "BAD_USER_INPUT")
    ]
