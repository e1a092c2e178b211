"""Every list section of a configuration file is read the same way: each item at its
path, every problem named, the good items kept (docs/config.md)."""

from __future__ import annotations

import pytest

from service.errors import ValidationFailed
from service.usecases.setup.config_file import parse_config

BROKEN = """
positions:
  - {code: agent, name: Agent, colour: red}
  - just text
teams:
  - {code: hotline, name: 5}
  - {code: field}
employees:
  - {external_id: 7, name: Ann}
  - [not, a, mapping]
kpis:
  - {code: csat, name: CSAT, kind: QUANTITATIVE, direction: UP, aggregation: MEAN}
  - {code: q, name: Quality, kind: QUALITATIVE, scale: 1}
cycles:
  - code: Q1
    name: Q1
    starts_on: 2026-01-01
    ends_on: 2026-13-01
    scorecards:
      agent:
        - {kpi: csat, weight: lots}
        - 3
"""


def test_each_item_of_each_section_is_named_by_its_path() -> None:
    with pytest.raises(ValidationFailed) as failed:
        parse_config(BROKEN)
    assert [(i.field, i.code) for i in failed.value.issues] == [
        ("positions[0].colour", "UNKNOWN_KEY"),
        ("positions[1]", "WRONG_TYPE"),
        ("teams[0].name", "WRONG_TYPE"),
        ("teams[1].name", "REQUIRED"),
        ("employees[0].hired_on", "REQUIRED"),
        ("employees[1]", "WRONG_TYPE"),
        ("kpis[0].direction", "INVALID_CHOICE"),
        ("kpis[1].scale", "WRONG_TYPE"),
        ("cycles[0].ends_on", "INVALID_DATE"),
        ("cycles[0].scorecards.agent[0].weight", "INVALID_NUMBER"),
        ("cycles[0].scorecards.agent[1]", "WRONG_TYPE"),
    ]
    assert failed.value.issues[1].message == (
        "must be a mapping of code, name, name_zh, not str 'just text'"
    )


def test_the_good_items_of_a_section_are_kept_in_order() -> None:
    config = parse_config(
        "teams:\n  - {code: a, name: A}\n  - {code: b, name: B, parent: a, lead: 12}\n"
        "employees:\n  - {external_id: 12, name: Bo, team: b, hired_on: 2026-01-01}\n"
    )
    assert [(t.code, t.parent_code, t.lead_external_id) for t in config.teams] == [
        ("a", None, None),
        ("b", "a", "12"),
    ]
    assert [e.external_id for e in config.employees] == ["12"]
