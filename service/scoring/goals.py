"""Goals (SCORING.md §11): the SMART check, the comparable previous cycle, progress
and status. Pure: the use cases read the rows and the aggregates, this module decides.

Every comparison is exact (``Fraction``), before any rounding, and "more than" is
strict. Sentences are made here, in English and Chinese, from codes and values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from fractions import Fraction
from zoneinfo import ZoneInfo

from service.scoring.aggregate import ALWAYS_SCORED, observation_range
from service.scoring.rounding import format_compact, format_fixed
from service.scoring.types import Aggregation, Direction, Kpi, Scope

ENGLISH = "en"
CHINESE = "zh-CN"

TITLE_MIN = 8
TITLE_MIN_CJK = 4
TITLE_MAX = 200
PROGRESS_PLACES = 2
DEFAULT_RISK_MARGIN = Fraction(25)


class GoalState(StrEnum):
    PROPOSED = "PROPOSED"
    RETURNED = "RETURNED"
    ACCEPTED = "ACCEPTED"


class GoalStatus(StrEnum):
    ON_TRACK = "ON_TRACK"
    AT_RISK = "AT_RISK"
    ACHIEVED = "ACHIEVED"
    MISSED = "MISSED"


class SmartLetter(StrEnum):
    S = "S"
    M = "M"
    A = "A"
    R = "R"
    T = "T"


class SmartResult(StrEnum):
    OK = "OK"
    WARNING = "WARNING"
    ERROR = "ERROR"


# --- the measure ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GoalMeasure:
    """A KPI at a scope, or a manual measure (unit, direction, optional range)."""

    kpi: Kpi | None = None
    scope: Scope = Scope.INDIVIDUAL
    unit: str = ""
    direction: Direction = Direction.HIGHER_IS_BETTER
    range_min: Fraction | None = None
    range_max: Fraction | None = None

    @property
    def is_kpi(self) -> bool:
        return self.kpi is not None

    @property
    def goal_direction(self) -> Direction:
        return self.kpi.direction if self.kpi is not None else self.direction

    @property
    def cumulative(self) -> bool:
        """SUM and COUNT KPIs add up over the cycle (§11's cumulative measures)."""
        return self.kpi is not None and self.kpi.aggregation in ALWAYS_SCORED


def meets(value: Fraction, target: Fraction, direction: Direction) -> bool:
    """The value meets or beats the target."""
    if direction is Direction.HIGHER_IS_BETTER:
        return value >= target
    return value <= target


def beats(value: Fraction, other: Fraction, direction: Direction) -> bool:
    """Strictly better than ``other`` for the direction."""
    if direction is Direction.HIGHER_IS_BETTER:
        return value > other
    return value < other


def target_range(measure: GoalMeasure) -> tuple[Fraction | None, Fraction | None, bool]:
    """The values a target may take: (low, high, whole numbers only); None: unbounded."""
    kpi = measure.kpi
    if kpi is None:
        return measure.range_min, measure.range_max, False
    aggregation = kpi.aggregation
    if aggregation in (Aggregation.SHARE_AT_LEAST, Aggregation.SHARE_AT_MOST):
        return Fraction(0), Fraction(100), False
    if aggregation is Aggregation.COUNT:
        return Fraction(0), None, True
    if aggregation is Aggregation.SUM:
        low = kpi.range_min
        return (Fraction(0) if low is not None and low >= 0 else None), None, False
    low, high = observation_range(kpi)
    return low, high, False


# --- the SMART check ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SmartFinding:
    """One letter's result: a code for machines, the field it marks, values for the
    sentence (rendered on read in the reader's language by :func:`smart_message`)."""

    letter: SmartLetter
    result: SmartResult
    code: str
    field: str
    values: tuple[tuple[str, str], ...] = ()

    def to_data(self) -> dict[str, object]:
        return {
            "letter": self.letter.value,
            "result": self.result.value,
            "code": self.code,
            "field": self.field,
            "values": dict(self.values),
        }

    @classmethod
    def from_data(cls, data: dict[str, object]) -> SmartFinding:
        values = data.get("values") or {}
        assert isinstance(values, dict)
        return cls(
            SmartLetter(str(data["letter"])),
            SmartResult(str(data["result"])),
            str(data["code"]),
            str(data.get("field") or ""),
            tuple(sorted((str(k), str(v)) for k, v in values.items())),
        )


def _ok(letter: SmartLetter, field: str) -> SmartFinding:
    return SmartFinding(letter, SmartResult.OK, "OK", field)


# Scripts whose words are written in few characters (Unicode Scripts.txt, the main blocks).
_CJK_RANGES = (
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x2E80, 0x2FDF),  # CJK and Kangxi radicals
    (0x3005, 0x3007),  # ideographic iteration mark, number zero
    (0x3021, 0x3029),  # Hangzhou numerals
    (0x302E, 0x302F),  # Hangul tone marks
    (0x3038, 0x303B),
    (0x3041, 0x309F),  # Hiragana
    (0x30A1, 0x30FF),  # Katakana
    (0x3131, 0x318E),  # Hangul compatibility Jamo
    (0x31F0, 0x31FF),  # Katakana phonetic extensions
    (0x3200, 0x321E),  # parenthesised Hangul
    (0x3260, 0x327E),  # circled Hangul
    (0x32D0, 0x32FE),  # circled Katakana
    (0x3300, 0x3357),  # squared Katakana
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xA960, 0xA97C),  # Hangul Jamo extended A
    (0xAC00, 0xD7A3),  # Hangul syllables
    (0xD7B0, 0xD7FB),  # Hangul Jamo extended B
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF66, 0xFF9D),  # half-width Katakana
    (0xFFA0, 0xFFDC),  # half-width Hangul
    (0x16FE2, 0x16FE3),
    (0x16FF0, 0x16FF1),
    (0x1AFF0, 0x1B16F),  # Kana extensions and supplement
    (0x1F200, 0x1F200),  # squared hiragana "hoka"
    (0x20000, 0x323AF),  # CJK extensions B-H and compatibility supplement
)


def has_cjk(text: str) -> bool:
    """Whether the text holds a Han, Hiragana, Katakana or Hangul character."""
    for char in text:
        point = ord(char)
        if point < 0x1100:
            continue
        if any(low <= point <= high for low, high in _CJK_RANGES):
            return True
    return False


def check_specific(title: str, kpi_names: tuple[str, ...]) -> SmartFinding:
    """S: 8-200 code points once trimmed (4-200 with a CJK character), not a KPI's name."""
    letter = SmartLetter.S
    trimmed = title.strip()
    low = TITLE_MIN_CJK if has_cjk(trimmed) else TITLE_MIN
    length = len(trimmed)
    if length < low:
        return SmartFinding(
            letter,
            SmartResult.ERROR,
            "TITLE_TOO_SHORT",
            "title",
            (("length", str(length)), ("min", str(low))),
        )
    if length > TITLE_MAX:
        return SmartFinding(
            letter,
            SmartResult.ERROR,
            "TITLE_TOO_LONG",
            "title",
            (("length", str(length)), ("max", str(TITLE_MAX))),
        )
    folded = trimmed.casefold()
    for name in kpi_names:
        if name.strip() and folded == name.strip().casefold():
            return SmartFinding(
                letter, SmartResult.ERROR, "TITLE_IS_KPI_NAME", "title", (("name", name.strip()),)
            )
    return _ok(letter, "title")


def check_measurable(measure: GoalMeasure | None, target: Fraction | None) -> SmartFinding:
    """M: a measure, and a target within the values the measure can take."""
    letter = SmartLetter.M
    if measure is None:
        return SmartFinding(letter, SmartResult.ERROR, "NO_MEASURE", "measure")
    if measure.kpi is not None and measure.kpi.aggregation is Aggregation.REVIEW_MEAN:
        return SmartFinding(
            letter,
            SmartResult.ERROR,
            "REVIEW_MEAN_KPI",
            "measure.kpiCode",
            (("kpi", measure.kpi.code),),
        )
    if target is None:
        return SmartFinding(letter, SmartResult.ERROR, "NO_TARGET", "target")
    low, high, whole = target_range(measure)
    if whole and target.denominator != 1:
        return SmartFinding(
            letter,
            SmartResult.ERROR,
            "TARGET_NOT_WHOLE",
            "target",
            (("target", format_compact(target)),),
        )
    if (low is not None and target < low) or (high is not None and target > high):
        return SmartFinding(
            letter,
            SmartResult.ERROR,
            "TARGET_OUT_OF_RANGE",
            "target",
            (
                ("target", format_compact(target)),
                ("low", "" if low is None else format_compact(low)),
                ("high", "" if high is None else format_compact(high)),
            ),
        )
    return _ok(letter, "target")


def check_achievable(
    measure: GoalMeasure | None,
    target: Fraction | None,
    baseline: Fraction | None,
    best_previous: Fraction | None,
) -> SmartFinding:
    """A: a warning, never an error, when the target beats the best previous raw value
    of comparable people or lies on the wrong side of the baseline."""
    letter = SmartLetter.A
    if measure is None or target is None:
        return _ok(letter, "target")
    direction = measure.goal_direction
    if best_previous is not None and beats(target, best_previous, direction):
        return SmartFinding(
            letter,
            SmartResult.WARNING,
            "TARGET_BEYOND_BEST",
            "target",
            (("target", format_compact(target)), ("best", format_compact(best_previous))),
        )
    if baseline is not None and beats(baseline, target, direction):
        return SmartFinding(
            letter,
            SmartResult.WARNING,
            "TARGET_WORSE_THAN_BASELINE",
            "target",
            (("target", format_compact(target)), ("baseline", format_compact(baseline))),
        )
    return _ok(letter, "target")


def check_relevant(
    measure: GoalMeasure | None,
    *,
    scorecard_kpi_codes: frozenset[str],
    related_kpi_code: str | None,
    serves_team_goal: bool,
    team_goal: bool,
) -> SmartFinding:
    """R: a KPI goal's KPI is on the owner's scorecard (a team goal: on a scorecard a
    member uses); a manual goal names a team goal of the cycle or such a KPI."""
    letter = SmartLetter.R
    if measure is None:
        return _ok(letter, "measure")
    whose = "TEAM" if team_goal else "OWNER"
    if measure.kpi is not None:
        if measure.kpi.code in scorecard_kpi_codes:
            return _ok(letter, "measure.kpiCode")
        return SmartFinding(
            letter,
            SmartResult.ERROR,
            f"KPI_NOT_ON_{whose}_SCORECARD",
            "measure.kpiCode",
            (("kpi", measure.kpi.code),),
        )
    if serves_team_goal:
        return _ok(letter, "parentGoalId")
    if related_kpi_code is not None and related_kpi_code in scorecard_kpi_codes:
        return _ok(letter, "measure.relatedKpiCode")
    if related_kpi_code is not None:
        return SmartFinding(
            letter,
            SmartResult.ERROR,
            f"KPI_NOT_ON_{whose}_SCORECARD",
            "measure.relatedKpiCode",
            (("kpi", related_kpi_code),),
        )
    return SmartFinding(letter, SmartResult.ERROR, "MANUAL_NAMES_NOTHING", "measure.relatedKpiCode")


def check_time_bound(
    due_on: date | None,
    *,
    cycle_starts_on: date,
    cycle_ends_on: date,
    today: date,
    due_changed: bool,
) -> SmartFinding:
    """T: a due date inside the cycle; when set or changed, not before today."""
    letter = SmartLetter.T
    if due_on is None:
        return SmartFinding(letter, SmartResult.ERROR, "NO_DUE_DATE", "dueOn")
    if not cycle_starts_on <= due_on <= cycle_ends_on:
        return SmartFinding(
            letter,
            SmartResult.ERROR,
            "DUE_OUTSIDE_CYCLE",
            "dueOn",
            (
                ("due", due_on.isoformat()),
                ("starts", cycle_starts_on.isoformat()),
                ("ends", cycle_ends_on.isoformat()),
            ),
        )
    if due_changed and due_on < today:
        return SmartFinding(
            letter,
            SmartResult.ERROR,
            "DUE_IN_THE_PAST",
            "dueOn",
            (("due", due_on.isoformat()), ("today", today.isoformat())),
        )
    return _ok(letter, "dueOn")


def has_error(findings: tuple[SmartFinding, ...]) -> bool:
    return any(f.result is SmartResult.ERROR for f in findings)


_MESSAGES: dict[str, tuple[str, str]] = {
    "OK": ("OK.", "符合。"),
    "TITLE_TOO_SHORT": (
        "The title has {length} characters; give at least {min} so that it says what will be done.",
        "标题只有 {length} 个字符；请至少写 {min} 个字符，说明要做成什么。",
    ),
    "TITLE_TOO_LONG": (
        "The title has {length} characters; keep it to {max} and put the rest in the description.",
        "标题有 {length} 个字符；请不超过 {max} 个，其余写在描述里。",
    ),
    "TITLE_IS_KPI_NAME": (
        "The title is only the KPI's name ({name}); say what will change, e.g. by how much.",
        "标题只是指标名称（{name}）；请写明要改变什么，例如提高多少。",
    ),
    "NO_MEASURE": (
        "Choose how the goal is measured: a KPI, or a manual measure with its unit and direction.",
        "请选择衡量方式：一个指标，或注明单位和方向的手工衡量。",
    ),
    "REVIEW_MEAN_KPI": (
        "{kpi} is rated by managers; a goal needs a KPI measured from data, or a manual measure.",
        "{kpi} 由经理评分；目标需要以数据衡量的指标，或手工衡量。",
    ),
    "NO_TARGET": ("Give a target.", "请填写目标值。"),
    "TARGET_NOT_WHOLE": (
        "The target {target} is a count: give a whole number.",
        "目标值 {target} 是计数：请填写整数。",
    ),
    "TARGET_OUT_OF_RANGE": (
        "The target {target} is outside the values the measure can take ({low} to {high}).",
        "目标值 {target} 超出了该衡量可取的范围（{low} 至 {high}）。",
    ),
    "TARGET_BEYOND_BEST": (
        "The target {target} beats the best result ({best}) in the comparable previous cycle; "
        "check that it can be reached.",
        "目标值 {target} 超过了上一可比周期的最好成绩（{best}）；请确认能够达到。",
    ),
    "TARGET_WORSE_THAN_BASELINE": (
        "The target {target} is worse than the baseline {baseline}; check the direction.",
        "目标值 {target} 比基线 {baseline} 还差；请检查方向。",
    ),
    "KPI_NOT_ON_OWNER_SCORECARD": (
        "{kpi} is not on the owner's scorecard for this cycle; choose a KPI the score uses.",
        "{kpi} 不在本周期此人的计分卡上；请选择计分卡上的指标。",
    ),
    "KPI_NOT_ON_TEAM_SCORECARD": (
        "{kpi} is not on a scorecard that a member of the team uses in this cycle.",
        "{kpi} 不在本周期该团队任何成员使用的计分卡上。",
    ),
    "MANUAL_NAMES_NOTHING": (
        "A manual goal names the team goal it serves or a KPI of the scorecard.",
        "手工衡量的目标需要注明所服务的团队目标或计分卡上的指标。",
    ),
    "NO_DUE_DATE": ("Give a due date.", "请填写截止日期。"),
    "DUE_OUTSIDE_CYCLE": (
        "The due date {due} is outside the cycle ({starts} to {ends}).",
        "截止日期 {due} 不在周期内（{starts} 至 {ends}）。",
    ),
    "DUE_IN_THE_PAST": (
        "The due date {due} is before today ({today}).",
        "截止日期 {due} 早于今天（{today}）。",
    ),
}

_UNBOUNDED = {ENGLISH: "no limit", CHINESE: "不限"}


def smart_message(finding: SmartFinding, lang: str) -> str:
    """The finding's sentence in English or Chinese."""
    english, chinese = _MESSAGES.get(finding.code, (finding.code, finding.code))
    zh = lang.lower().startswith("zh")
    values = {
        key: (value if value != "" else _UNBOUNDED[CHINESE if zh else ENGLISH])
        for key, value in finding.values
    }
    return (chinese if zh else english).format(**values)


# --- progress and status -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GoalProgress:
    progress: Fraction  # exact, 0-100
    status: GoalStatus
    elapsed: Fraction  # exact, 0-100

    @property
    def reported(self) -> str:
        return format_fixed(self.progress, PROGRESS_PLACES)


def local_day(at: datetime, timezone: str) -> date:
    return at.astimezone(ZoneInfo(timezone)).date()


def pinned_instant(today: date, timezone: str) -> datetime:
    """The instant a pinned "today" stands for: noon of that day in the organisation."""
    return datetime.combine(today, time(12), tzinfo=ZoneInfo(timezone))


def end_of_day(day: date, timezone: str) -> datetime:
    """The first instant after the local day (its end, exclusive)."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZoneInfo(timezone))


def _clamp(value: Fraction, low: Fraction, high: Fraction) -> Fraction:
    return max(low, min(high, value))


_HUNDRED = Fraction(100)
_ZERO = Fraction(0)


def goal_progress(
    *,
    measure: GoalMeasure,
    target: Fraction,
    baseline: Fraction | None,
    current: Fraction | None,
    due_on: date,
    accepted_on: date,
    cycle_starts_on: date,
    at: datetime,
    timezone: str,
    risk_margin: Fraction = DEFAULT_RISK_MARGIN,
) -> GoalProgress:
    """Progress and status of an accepted goal at the instant ``at`` (§11)."""
    start = min(max(accepted_on, cycle_starts_on), due_on)
    days = (due_on - start).days + 1
    today = local_day(at, timezone)
    elapsed_days = max(0, min(days, (today - start).days))
    elapsed = Fraction(100 * elapsed_days, days)
    due_ended = today > due_on
    direction = measure.goal_direction

    achieved = False
    missed = False
    if current is None:
        progress = _ZERO
    elif measure.cumulative and direction is Direction.HIGHER_IS_BETTER:
        if target > 0:
            progress = _clamp(current / target * 100, _ZERO, _HUNDRED)
        else:
            progress = _HUNDRED if current >= target else _ZERO
        achieved = current >= target
    elif measure.cumulative:
        if current > target:
            progress, missed = _ZERO, True
        else:
            progress = elapsed
            achieved = due_ended
    else:
        right_side = baseline is not None and beats(target, baseline, direction)
        if right_side:
            assert baseline is not None
            progress = _clamp((current - baseline) / (target - baseline) * 100, _ZERO, _HUNDRED)
        else:
            progress = _HUNDRED if meets(current, target, direction) else _ZERO
        achieved = meets(current, target, direction)

    if achieved:
        status = GoalStatus.ACHIEVED
    elif missed or due_ended:
        status = GoalStatus.MISSED
    elif elapsed - progress > risk_margin:
        status = GoalStatus.AT_RISK
    else:
        status = GoalStatus.ON_TRACK
    return GoalProgress(progress, status, elapsed)


@dataclass(frozen=True, slots=True)
class GoalClock:
    """The one clock of a request (§11): progress, status, acceptance days, due-date
    checks and reports read :meth:`instant`, the real instant or a pinned "today" (a
    setting, for demos and tests); the stored current value is as of ``now``."""

    now: datetime
    pinned_today: date | None = None

    def instant(self, timezone: str) -> datetime:
        if self.pinned_today is None:
            return self.now
        return pinned_instant(self.pinned_today, timezone)

    def today(self, timezone: str) -> date:
        return local_day(self.instant(timezone), timezone)
