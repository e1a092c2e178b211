"""Every code a person may see has a label in English and in Chinese, in one catalogue."""

from __future__ import annotations

import re
from enum import Enum
from pathlib import Path

import pytest

from service.labels import CATALOGUE, label
from service.models import (
    AccessLevel,
    AppealState,
    CycleState,
    ImportChannel,
    ReviewKind,
    ScoreState,
)
from service.models.checkins import FeedbackKind
from service.models.development import CourseFormat, DevelopmentAction, DevelopmentStatus
from service.models.recognition import RecognitionVisibility
from service.scoring.calibration import CalibrationFlag
from service.scoring.goals import GoalState, GoalStatus
from service.scoring.types import (
    Aggregation,
    Channel,
    Direction,
    KpiKind,
    LineStatus,
    Method,
    Scope,
    ScoreStatus,
    StatusReason,
)
from service.usecases.accounts.access import RoleModelView
from service.usecases.inputs import IngestMode
from service.usecases.people.checkins import CadenceStatus
from service.usecases.setup.csv_import import RecordKind

SHOWN_ENUMS: list[type[Enum]] = [
    AccessLevel, AppealState, CycleState, ReviewKind, ScoreState, CalibrationFlag, Aggregation,
    Channel, Direction, KpiKind, LineStatus, Method, Scope, ScoreStatus, StatusReason,
    IngestMode, RecordKind, CadenceStatus, FeedbackKind, DevelopmentStatus, DevelopmentAction,
    CourseFormat, GoalState, GoalStatus, RecognitionVisibility,
    CourseFormat, GoalState, GoalStatus,
    RoleModelView,
    CourseFormat, GoalState, GoalStatus, ImportChannel,
]  # fmt: skip
USECASES = Path(__file__).resolve().parents[2] / "service" / "usecases"


@pytest.mark.parametrize("enum", SHOWN_ENUMS, ids=lambda e: e.__name__)
def test_every_member_of_a_shown_enum_has_an_english_and_a_chinese_label(
    enum: type[Enum],
) -> None:
    for member in enum:
        english, chinese = label(member, "en"), label(member, "zh-CN")
        assert english != member.value or not member.value.isupper(), member
        assert re.search(r"[\u4e00-\u9fff]", chinese), member


def test_every_audit_action_a_use_case_writes_has_a_label() -> None:
    source = "\n".join(path.read_text() for path in USECASES.rglob("*.py"))
    actions = set(re.findall(r'action="([a-z_.]+)"', source))
    either = re.findall(r'action="([a-z_.]+)" if [^\n]+? else "([a-z_.]+)"', source)
    actions |= {action for pair in either for action in pair}
    entities = set(re.findall(r'entity="([a-z_]+)"', source))
    assert "void_observation" in actions
    assert {"goal.accept", "goal.return"} <= actions
    assert actions - set(CATALOGUE["audit_action"]) == set()
    assert entities - set(CATALOGUE["audit_entity"]) == set()


def test_a_label_is_looked_up_by_its_enum_or_by_its_group() -> None:
    assert label(CycleState.FINALIZED, "en") == "Finalised"
    assert label(CycleState.FINALIZED, "zh-CN") == "已定稿"
    assert label("TEAM", "zh-CN", group="Scope") == "团队"
    assert label("PHONE_CALLBACK", "en", group="Channel") == "Phone callback"
    assert label(None, "en") == "—"
    # An unknown code is shown as it is: the page walk then fails on it.
    assert label("SOMETHING_NEW", "en", group="Scope") == "SOMETHING_NEW"


def test_every_label_has_both_languages_and_no_code_is_its_own_english() -> None:
    for group, codes in CATALOGUE.items():
        for code, (english, chinese) in codes.items():
            assert english.strip(), (group, code)
            assert re.search(r"[\u4e00-\u9fff]", chinese), (group, code)
            assert english != code, (group, code)
