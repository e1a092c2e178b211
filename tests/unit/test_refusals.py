"""Which domain errors a form may show: every one but a busy database (service/errors.py
`Refusal`), so that the admin's views, catching only refusals, never show it as the
form's fault."""

from __future__ import annotations

import service.app  # noqa: F401  (imports every use case, and with them every error class)
from service.errors import DatabaseBusy, DomainError, Refusal


def _every_subclass(cls: type[DomainError]) -> set[type[DomainError]]:
    found: set[type[DomainError]] = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _every_subclass(sub)
    return found


def test_every_domain_error_but_a_busy_database_is_a_refusal_a_form_can_show() -> None:
    errors = _every_subclass(DomainError)
    assert Refusal in errors
    assert DatabaseBusy in errors
    not_refusals = {cls for cls in errors if not issubclass(cls, Refusal)}
    assert not_refusals == {DatabaseBusy}


def test_a_busy_database_is_still_a_domain_error_for_the_api_to_map() -> None:
    # service/api/errors.py `errors_as_data` catches DomainError and answers BusyError.
    assert issubclass(DatabaseBusy, DomainError)
    assert not issubclass(DatabaseBusy, Refusal)
