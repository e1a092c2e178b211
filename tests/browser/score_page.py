"""Reading a score's explanation page, and the same score through the GraphQL API."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.async_api import Page

from tests.browser.conftest import DEMO_PASSWORDS

DEMO_CYCLE = "2026-Q4"

SCORE_QUERY = """
query Score($externalId: String!, $cycleCode: String!) {
  employee(externalId: $externalId) {
    externalId
    name
    score(cycleCode: $cycleCode) {
      status
      total
      band { code multiplier }
      lines {
        kpi { code name }
        scope
        sampleSize
        weight
        effectiveWeight
        contribution
        status
        explanation
      }
    }
  }
}
"""


async def api_score(
    server_url: str, who: str, external_id: str, *, language: str = "en-GB"
) -> dict[str, Any]:
    """The score as the API gives it to `who`, signed in through the `login` mutation."""
    email, password = DEMO_PASSWORDS[who]
    async with httpx.AsyncClient(base_url=server_url, timeout=30) as client:
        login = await client.post(
            "/graphql",
            json={
                "query": "mutation ($e: String!, $p: String!) { login(email: $e, password: $p) "
                "{ __typename ... on LoginSuccess { token } } }",
                "variables": {"e": email, "p": password},
            },
        )
        login.raise_for_status()
        signed_in = login.json()["data"]["login"]
        assert signed_in["__typename"] == "LoginSuccess", signed_in
        answer = await client.post(
            "/graphql",
            json={
                "query": SCORE_QUERY,
                "variables": {"externalId": external_id, "cycleCode": DEMO_CYCLE},
            },
            headers={
                "Authorization": f"Bearer {signed_in['token']}",
                "Accept-Language": language,
            },
        )
        answer.raise_for_status()
        body = answer.json()
    assert "errors" not in body, body
    score: dict[str, Any] = body["data"]["employee"]["score"]
    assert score is not None, f"{external_id} has no score in {DEMO_CYCLE}"
    return score


async def open_score(page: Page, external_id: str) -> None:
    await page.goto(f"/admin/scores/{DEMO_CYCLE}/{external_id}")
    await page.locator("section.line").first.wait_for()


async def sample_size(page: Page, line: int) -> int:
    """The n shown on a line, e.g. "412 (at least 20)" -> 412."""
    text = await page.locator(f"#line-{line} dt:text-is('Sample size') + dd").inner_text()
    found = re.match(r"\s*(\d+)", text)
    assert found is not None, text
    return int(found.group(1))


async def line_number_of(page: Page, kpi_name: str, scope: str = "Individual") -> int:
    """The 1-based number of the line whose heading names the KPI at that scope."""
    headings = page.locator("section.line h3")
    for index in range(await headings.count()):
        text = await headings.nth(index).inner_text()
        if re.match(rf"\d+\. {re.escape(kpi_name)}\b", text) and scope in text:
            return index + 1
    raise AssertionError(f"no {scope} line of {kpi_name} on {page.url}")
