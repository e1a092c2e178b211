"""The admin's token form binds an INTEGRATION token to one source."""

from __future__ import annotations

import re

from service.models import ApiToken
from service.usecases.accounts.auth import authenticate, hash_token
from tests.admin.conftest import Browser

TOKEN = re.compile(r'id="token-value"[^>]*value="([^"]+)"')


async def test_a_token_made_in_the_admin_can_be_bound_to_a_source(seeded: Browser) -> None:
    await seeded.sign_in("admin")

    response = await seeded.post(
        "/admin/users/tokens",
        {"email": "survey-tool@example.com", "name": "tickets", "days": "30", "source": "tickets"},
        form_page="/admin/users",
    )

    assert response.status_code == 200
    found = TOKEN.search(response.text)
    assert found is not None
    stored = await ApiToken.get(token_hash=hash_token(found.group(1)))
    assert stored.source == "tickets"
    actor = await authenticate(found.group(1))
    assert actor is not None
    assert actor.source == "tickets"
    listing = (await seeded.client.get("/admin/users")).text
    assert "<td>tickets</td>" in listing


async def test_binding_a_persons_token_to_a_source_is_refused_on_the_form(
    seeded: Browser,
) -> None:
    await seeded.sign_in("admin")
    before = await ApiToken.all().count()

    response = await seeded.post(
        "/admin/users/tokens",
        {"email": "lead@example.com", "name": "x", "days": "30", "source": "tickets"},
        form_page="/admin/users",
    )

    assert response.status_code == 400
    assert 'id="token-value"' not in response.text
    assert "only an INTEGRATION account&#39;s token is bound to a source" in response.text
    assert 'id="token-source" name="source" maxlength="64" value="tickets"' in response.text
    assert await ApiToken.all().count() == before
