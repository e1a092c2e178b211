"""The stored score: one typed shape, written once and read by everyone (SCORING.md §7).

A score row keeps its explanation as JSON in ``score.explanation``. Its shape is
this module: :class:`StoredScore` and the frozen values it holds, built from the
engine's :class:`ScoreResult` by :func:`stored_score_of`, turned into JSON by
:meth:`StoredScore.to_row` and read back by :meth:`StoredScore.from_row` (the API, the
admin, the CLI, the team summary, the payroll results and finalisation all read
through it; none of them parses the JSON).

The one writer, a recompute (``usecases/recompute``), writes the same text without
building the objects: :meth:`StoredScorecard.json_of` spells out, member by member,
what ``to_json(stored_score_of(result))`` would give (with the rest of branch
``stored`` in docs/performance.md, it halved the workers' CPU outside the engine). It
is the shape's second spelling, so a change of the shape is made in both;
tests/unit/test_stored_score.py holds the two equal character for character over
generated results (the content hash, and with it what a recompute writes, depends on it).

What is stored is data only: numbers in their reported form (raw values with 4
places, points and weights with 2, as text so no float ever touches them), codes
and ids. Sentences are not stored: they are rendered when read, in the reader's
language, by ``service/scoring/explain`` from these values.

``from_row`` also reads the rows of finalised cycles, which are never recomputed:
they were written before this module, with the sentences of both languages inside
(ignored), the KPI with one name and unit (the Chinese falls back to them), no
``rating``/``scale_top``/``reweighted`` facts (worked out from what the row has)
and no eligibility numbers (the not-eligible sentence then names no days).

Why ``score_line`` stays beside the JSON: its rows are what SQL can reach — the KPI
each line uses (a RESTRICT foreign key: a KPI with scores cannot be deleted), the
scope, status, sample size and raw value per KPI for the CLI's listing and for
reports that group by KPI. It holds those columns only; the sources of a line
(which source and channel gave how many observations) live once, here, in the line
(``StoredLine.sources``), no longer also in ``score_line.data``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from json.encoder import encode_basestring
from typing import Any

from service.scoring.aggregate import observation_range
from service.scoring.rounding import RAW_PLACES, REPORTED_PLACES, format_fixed
from service.scoring.types import (
    KpiKind,
    LineResult,
    Policy,
    ScorecardLine,
    ScoreResult,
    ScoreStatus,
    WhatItWouldTake,
)
from service.scoring.validation import is_customer_satisfaction


def _raw(value: Fraction) -> str:
    return format_fixed(value, RAW_PLACES)


def _points(value: Fraction) -> str:
    return format_fixed(value, REPORTED_PLACES)


def _raw_or_none(value: Fraction | None) -> str | None:
    return None if value is None else _raw(value)


def _points_or_none(value: Fraction | None) -> str | None:
    return None if value is None else _points(value)


def _text_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _sequence(value: Any) -> Sequence[Any]:
    return value if isinstance(value, list | tuple) else ()


@dataclass(frozen=True, slots=True)
class StoredKpi:
    """The KPI as the line used it; names and units per language (Chinese may be empty)."""

    code: str
    name: str
    kind: str
    unit: str
    direction: str
    name_zh: str = ""
    unit_zh: str = ""
    # Its observations are ratings (a qualitative KPI or the customer-satisfaction one).
    rating: bool = False
    # The highest value one observation may take (4 places), when bounded.
    scale_top: str | None = None

    def to_row(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "name_zh": self.name_zh,
            "kind": self.kind,
            "unit": self.unit,
            "unit_zh": self.unit_zh,
            "direction": self.direction,
            "rating": self.rating,
            "scale_top": self.scale_top,
        }

    @staticmethod
    def from_row(data: Mapping[str, Any]) -> StoredKpi:
        kind = str(data.get("kind", KpiKind.QUANTITATIVE.value))
        return StoredKpi(
            code=str(data.get("code", "")),
            name=str(data.get("name", "")),
            kind=kind,
            unit=str(data.get("unit", "")),
            direction=str(data.get("direction", "")),
            name_zh=str(data.get("name_zh") or ""),
            unit_zh=str(data.get("unit_zh") or ""),
            # Rows from before this field: a qualitative KPI is rated; the tag is unknown.
            rating=bool(data.get("rating", kind == KpiKind.QUALITATIVE.value)),
            scale_top=_text_or_none(data.get("scale_top")),
        )


@dataclass(frozen=True, slots=True)
class StoredBand:
    bound: str
    points: str


@dataclass(frozen=True, slots=True)
class LineSetting:
    """A line's settings as the scorecard had them: the same for every score using it."""

    kpi: StoredKpi
    scope: str
    aggregation: str
    aggregation_param: str | None
    min_samples: int
    method: str
    threshold: str | None
    target: str | None
    stretch: str | None
    bands: tuple[StoredBand, ...]
    weight: str


@dataclass(frozen=True, slots=True)
class StoredWhatItWouldTake:
    kind: str
    band: str | None
    raw_value: str | None = None
    max_points: str | None = None
    observations_needed: int | None = None

    def to_row(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "band": self.band,
            "raw_value": self.raw_value,
            "max_points": self.max_points,
            "observations_needed": self.observations_needed,
        }

    @staticmethod
    def from_row(data: Any) -> StoredWhatItWouldTake | None:
        if not isinstance(data, Mapping):
            return None
        needed = data.get("observations_needed")
        return StoredWhatItWouldTake(
            kind=str(data.get("kind", "")),
            band=_text_or_none(data.get("band")),
            raw_value=_text_or_none(data.get("raw_value")),
            max_points=_text_or_none(data.get("max_points")),
            observations_needed=None if needed is None else int(needed),
        )


@dataclass(frozen=True, slots=True)
class StoredSource:
    """How many of a line's observations one source and channel gave."""

    source: str
    channel: str | None
    count: int

    def to_row(self) -> dict[str, Any]:
        return {"source": self.source, "channel": self.channel, "count": self.count}

    @staticmethod
    def from_row(data: Mapping[str, Any]) -> StoredSource:
        return StoredSource(
            source=str(data.get("source", "")),
            channel=_text_or_none(data.get("channel")),
            count=int(data.get("count", 0)),
        )


@dataclass(frozen=True, slots=True)
class StoredLine:
    setting: LineSetting
    n: int
    meeting: int
    raw_value: str | None
    normalized: str | None
    effective_weight: str | None
    contribution: str | None
    status: str
    what_it_would_take: StoredWhatItWouldTake | None
    about_person: bool
    evidence: bool
    # The line's weight moved to or from other lines (exactly, not only at 2 places).
    reweighted: bool
    sources: tuple[StoredSource, ...] = ()

    # The setting's fields, read as the line's own (templates and reports use them).
    @property
    def kpi(self) -> StoredKpi:
        return self.setting.kpi

    @property
    def scope(self) -> str:
        return self.setting.scope

    @property
    def aggregation(self) -> str:
        return self.setting.aggregation

    @property
    def min_samples(self) -> int:
        return self.setting.min_samples

    @property
    def method(self) -> str:
        return self.setting.method

    @property
    def threshold(self) -> str | None:
        return self.setting.threshold

    @property
    def target(self) -> str | None:
        return self.setting.target

    @property
    def stretch(self) -> str | None:
        return self.setting.stretch

    @property
    def bands(self) -> tuple[StoredBand, ...]:
        return self.setting.bands

    @property
    def weight(self) -> str:
        return self.setting.weight

    def to_row(self) -> dict[str, Any]:
        s = self.setting
        return {
            "kpi": s.kpi.to_row(),
            "scope": s.scope,
            "aggregation": s.aggregation,
            "aggregation_param": s.aggregation_param,
            "n": self.n,
            "meeting": self.meeting,
            "min_samples": s.min_samples,
            "raw_value": self.raw_value,
            "method": s.method,
            "threshold": s.threshold,
            "target": s.target,
            "stretch": s.stretch,
            "bands": [{"bound": b.bound, "points": b.points} for b in s.bands],
            "normalized": self.normalized,
            "weight": s.weight,
            "effective_weight": self.effective_weight,
            "contribution": self.contribution,
            "status": self.status,
            "what_it_would_take": (
                None if self.what_it_would_take is None else self.what_it_would_take.to_row()
            ),
            "about_person": self.about_person,
            "evidence": self.evidence,
            "reweighted": self.reweighted,
            "sources": [source.to_row() for source in self.sources],
        }

    @staticmethod
    def from_row(data: Mapping[str, Any], sources: Sequence[Any] = ()) -> StoredLine:
        """``sources`` are those of a row written before lines held their own."""
        weight = str(data.get("weight", "0.00"))
        effective = _text_or_none(data.get("effective_weight"))
        reweighted = data.get("reweighted")
        if reweighted is None:  # older rows: as far as the reported places tell
            reweighted = effective is not None and Fraction(effective) != Fraction(weight)
        param = data.get("aggregation_param")
        setting = LineSetting(
            kpi=StoredKpi.from_row(_mapping(data.get("kpi"))),
            scope=str(data.get("scope", "INDIVIDUAL")),
            aggregation=str(data.get("aggregation", "")),
            aggregation_param=_text_or_none(param),
            min_samples=int(data.get("min_samples", 1)),
            method=str(data.get("method", "")),
            threshold=_text_or_none(data.get("threshold")),
            target=_text_or_none(data.get("target")),
            stretch=_text_or_none(data.get("stretch")),
            bands=tuple(
                StoredBand(str(b.get("bound")), str(b.get("points")))
                for b in _sequence(data.get("bands"))
                if isinstance(b, Mapping)
            ),
            weight=weight,
        )
        own_sources = data.get("sources")
        return StoredLine(
            setting=setting,
            n=int(data.get("n", 0)),
            meeting=int(data.get("meeting", 0)),
            raw_value=_text_or_none(data.get("raw_value")),
            normalized=_text_or_none(data.get("normalized")),
            effective_weight=effective,
            contribution=_text_or_none(data.get("contribution")),
            status=str(data.get("status", "")),
            what_it_would_take=StoredWhatItWouldTake.from_row(data.get("what_it_would_take")),
            about_person=bool(data.get("about_person", False)),
            evidence=bool(data.get("evidence", False)),
            reweighted=bool(reweighted),
            sources=tuple(
                StoredSource.from_row(s)
                for s in _sequence(own_sources if own_sources is not None else sources)
                if isinstance(s, Mapping)
            ),
        )


@dataclass(frozen=True, slots=True)
class StoredAdjustment:
    id: int
    points: str  # 2 places, signed
    reason: str

    def to_row(self) -> dict[str, Any]:
        return {"id": self.id, "points": self.points, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class StoredNextBand:
    code: str
    points_needed: str


@dataclass(frozen=True, slots=True)
class StoredEligibility:
    """The numbers behind EMPLOYED_TOO_FEW_DAYS: days employed, days of the cycle, % needed."""

    employed_days: int
    cycle_days: int
    needed_share: str


@dataclass(frozen=True, slots=True)
class StoredScore:
    status: str
    status_reason: str | None
    total: str | None = None  # 2 places
    band: str | None = None
    multiplier: str | None = None
    next_band: StoredNextBand | None = None
    adjustments_total: str = "0.00"
    evidence_weight: str = "0.00"
    needed_weight: str = "0.00"
    lines: tuple[StoredLine, ...] = ()
    adjustments: tuple[StoredAdjustment, ...] = ()
    eligibility: StoredEligibility | None = None

    @property
    def scored(self) -> bool:
        return self.status == ScoreStatus.SCORED.value

    def to_row(self) -> dict[str, Any]:
        """The JSON of ``score.explanation``."""
        if self.status == ScoreStatus.NOT_ELIGIBLE.value:
            row: dict[str, Any] = {"status": self.status, "reason": self.status_reason}
            if self.eligibility is not None:
                row["eligibility"] = {
                    "employed_days": self.eligibility.employed_days,
                    "cycle_days": self.eligibility.cycle_days,
                    "needed_share": self.eligibility.needed_share,
                }
            return row
        row = self.to_row_without_lines()
        row["lines"] = [line.to_row() for line in self.lines]
        return row

    def to_row_without_lines(self) -> dict[str, Any]:
        """:meth:`to_row` of a scored or NO_DATA score, but its lines."""
        return {
            "status": self.status,
            "status_reason": self.status_reason,
            "evidence_weight": self.evidence_weight,
            "needed_weight": self.needed_weight,
            "total": self.total,
            "band": self.band,
            "multiplier": self.multiplier,
            "next_band": (
                None
                if self.next_band is None
                else {"code": self.next_band.code, "points_needed": self.next_band.points_needed}
            ),
            "adjustments_total": self.adjustments_total,
            "adjustments": [a.to_row() for a in self.adjustments],
        }

    def to_json(self) -> str:
        """The canonical text of :meth:`to_row` (sorted keys, no spaces)."""
        return _canonical(self.to_row())

    @staticmethod
    def from_row(value: Any) -> StoredScore:
        """Read ``score.explanation`` (JSON text on SQLite, a dict from the ORM or asyncpg),
        in today's shape or the one finalised cycles were stored in."""
        if isinstance(value, str | bytes):
            value = json.loads(value) if value else {}
        data = _mapping(value)
        status = str(data.get("status", ScoreStatus.NO_DATA.value))
        if status == ScoreStatus.NOT_ELIGIBLE.value:
            eligibility = _mapping(data.get("eligibility"))
            return StoredScore(
                status=status,
                status_reason=_text_or_none(data.get("reason") or data.get("status_reason")),
                eligibility=(
                    StoredEligibility(
                        employed_days=int(eligibility["employed_days"]),
                        cycle_days=int(eligibility["cycle_days"]),
                        needed_share=str(eligibility["needed_share"]),
                    )
                    if eligibility
                    else None
                ),
            )
        # Before lines held their sources, they were a list beside the lines.
        old_sources = _sequence(data.get("sources"))
        lines = tuple(
            StoredLine.from_row(line, old_sources[i] if i < len(old_sources) else ())
            for i, line in enumerate(_sequence(data.get("lines")))
            if isinstance(line, Mapping)
        )
        next_band = data.get("next_band")
        return StoredScore(
            status=status,
            status_reason=_text_or_none(data.get("status_reason")),
            total=_text_or_none(data.get("total")),
            band=_text_or_none(data.get("band")),
            multiplier=_text_or_none(data.get("multiplier")),
            next_band=(
                StoredNextBand(str(next_band["code"]), str(next_band["points_needed"]))
                if isinstance(next_band, Mapping)
                else None
            ),
            adjustments_total=str(data.get("adjustments_total", "0.00")),
            evidence_weight=str(data.get("evidence_weight", "0.00")),
            needed_weight=str(data.get("needed_weight", "0.00")),
            lines=lines,
            adjustments=tuple(
                StoredAdjustment(int(a["id"]), str(a["points"]), str(a.get("reason", "")))
                for a in _sequence(data.get("adjustments"))
                if isinstance(a, Mapping)
            ),
        )


# --- built from the engine's result ------------------------------------------------


def line_setting(line: ScorecardLine, policy: Policy) -> LineSetting:
    """The stored settings of a scorecard line (as scored: see ``ScorecardPlan.lines``),
    under the policy it was scored with (which names the customer-satisfaction KPI).

    The same for every score of the scorecard: a recompute builds them once per
    scorecard and passes them to :func:`stored_score_of`.
    """
    kpi = line.kpi
    _, top = observation_range(kpi)
    return LineSetting(
        kpi=StoredKpi(
            code=kpi.code,
            name=kpi.name,
            kind=str(kpi.kind),
            unit=kpi.unit,
            direction=str(kpi.direction),
            name_zh=kpi.name_zh,
            unit_zh=kpi.unit_zh,
            rating=kpi.kind is KpiKind.QUALITATIVE or is_customer_satisfaction(kpi, policy),
            scale_top=_raw_or_none(top),
        ),
        scope=str(line.scope),
        aggregation=str(kpi.aggregation),
        aggregation_param=_raw_or_none(kpi.aggregation_param),
        min_samples=line.min_samples,
        method=str(line.method),
        threshold=_raw_or_none(line.threshold),
        target=_raw_or_none(line.target),
        stretch=_raw_or_none(line.stretch),
        bands=tuple(StoredBand(_raw(step.bound), _points(step.points)) for step in line.bands),
        weight=_points(line.weight),
    )


def _wit_of(wit: WhatItWouldTake | None) -> StoredWhatItWouldTake | None:
    if wit is None:
        return None
    return StoredWhatItWouldTake(
        kind=str(wit.kind),
        band=wit.band_code,
        raw_value=_raw_or_none(wit.raw_value),
        max_points=_points_or_none(wit.max_points),
        observations_needed=wit.observations_needed,
    )


def stored_line_of(
    result: LineResult,
    sources: Sequence[StoredSource] = (),
    *,
    setting: LineSetting | None = None,
    policy: Policy | None = None,
) -> StoredLine:
    """``setting``: the line's :func:`line_setting`, when the caller built it already;
    otherwise it is built under ``policy`` (the default policy when none is given: tests
    and tools holding an engine result)."""
    effective = result.effective_weight
    return StoredLine(
        setting=line_setting(result.line, policy or Policy()) if setting is None else setting,
        n=result.n,
        meeting=result.meeting,
        raw_value=_raw_or_none(result.raw_value),
        normalized=_points_or_none(result.normalized),
        effective_weight=_points_or_none(effective),
        contribution=_points_or_none(result.contribution),
        status=str(result.status),
        what_it_would_take=_wit_of(result.what_it_would_take),
        about_person=result.about_person,
        evidence=result.evidence,
        reweighted=effective is not None and effective != result.line.weight,
        sources=tuple(sources),
    )


def stored_score_of(
    result: ScoreResult,
    *,
    sources: Sequence[Sequence[StoredSource]] | None = None,
    adjustments: Sequence[StoredAdjustment] = (),
    settings: Sequence[LineSetting] | None = None,
    policy: Policy | None = None,
) -> StoredScore:
    """The stored shape of an engine result; ``sources`` per line, in line order;
    ``settings`` the :func:`line_setting` of each line, when built once per scorecard,
    else built under ``policy`` (see :func:`stored_line_of`)."""
    band = result.band
    next_band = result.next_band
    return StoredScore(
        status=str(result.status),
        status_reason=None if result.status_reason is None else str(result.status_reason),
        total=None if result.reported_total is None else f"{result.reported_total:f}",
        band=None if band is None else band.code,
        multiplier=None if band is None else _points(band.multiplier),
        next_band=(
            None
            if next_band is None
            else StoredNextBand(next_band.code, f"{next_band.points_needed:f}")
        ),
        adjustments_total=_points(result.adjustments_total),
        evidence_weight=_points(result.evidence_weight),
        needed_weight=_points(result.needed_weight),
        lines=tuple(
            stored_line_of(
                line,
                sources[i] if sources is not None else (),
                setting=None if settings is None else settings[i],
                policy=policy,
            )
            for i, line in enumerate(result.lines)
        ),
        adjustments=tuple(adjustments),
    )


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _members(row: Mapping[str, Any]) -> str:
    """The canonical text of ``row`` without its braces: sorted members, for splicing."""
    return _canonical(row)[1:-1]


def _flag(value: bool) -> str:
    return "true" if value else "false"


class _LineTemplate:
    """The canonical JSON of a line with its setting's members written once: the
    members of a line, in sorted order, alternate between the setting's and the
    score's own (see :meth:`StoredLine.to_row`). Each part is the text between two of
    the score's own values, with the flags that take two values written in (a pair,
    indexed by the flag): :meth:`StoredScorecard.json_of` fills in the rest."""

    __slots__ = ("evidences", "heads", "method_n", "scopes", "target")

    def __init__(self, setting: LineSetting) -> None:
        bands = _members(
            {
                "aggregation": setting.aggregation,
                "aggregation_param": setting.aggregation_param,
                "bands": [{"bound": b.bound, "points": b.points} for b in setting.bands],
            }
        )
        kpi = _members({"kpi": setting.kpi.to_row()})
        method = _members({"method": setting.method, "min_samples": setting.min_samples})
        scope = _members({"scope": setting.scope})
        self.heads = tuple(
            f'{{"about_person":{_flag(about)},{bands},"contribution":' for about in (False, True)
        )
        self.evidences = tuple(
            f',"evidence":{_flag(evidence)},{kpi},"meeting":' for evidence in (False, True)
        )
        self.method_n = f',{method},"n":'
        self.scopes = tuple(
            f',"reweighted":{_flag(reweighted)},{scope},"sources":[' for reweighted in (False, True)
        )
        self.target = _members(
            {
                "stretch": setting.stretch,
                "target": setting.target,
                "threshold": setting.threshold,
                "weight": setting.weight,
            }
        )


def _sources_json(sources: Sequence[StoredSource]) -> str:
    """The members of a line's ``sources`` list, as :meth:`StoredSource.to_row` writes them."""
    return ",".join(
        [
            f'{{"channel":{"null" if s.channel is None else encode_basestring(s.channel)}'
            f',"count":{int.__repr__(s.count)},"source":{encode_basestring(s.source)}}}'
            for s in sources
        ]
    )


def _adjustment_json(adjustment: StoredAdjustment) -> str:
    """``_canonical(adjustment.to_row())``, written out."""
    return (
        f'{{"id":{int.__repr__(adjustment.id)},"points":{encode_basestring(adjustment.points)}'
        f',"reason":{encode_basestring(adjustment.reason)}}}'
    )


class StoredScorecard:
    """A scorecard's stored side, built once per scorecard by the caller (a recompute
    builds one per position) from the lines as scored (``ScorecardPlan.lines``).

    It holds each line's :class:`LineSetting` and their canonical JSON, so that
    :meth:`json_of` writes only what is the score's own; numbers met before are
    formatted once (many scores share a weight, a p, a share). :meth:`json_of` gives
    exactly what :meth:`StoredScore.to_json` of :func:`stored_score_of` gives.
    """

    __slots__ = ("_points", "_raws", "settings", "templates")

    def __init__(self, lines: Sequence[ScorecardLine], policy: Policy) -> None:
        self.settings = tuple(line_setting(line, policy) for line in lines)
        self.templates = tuple(_LineTemplate(setting) for setting in self.settings)
        # Formatted numbers as JSON strings by (numerator, denominator): one
        # recompute's worth (≈ 60,000 for 10,000 people).
        self._points: dict[tuple[int, int], str] = {}
        self._raws: dict[tuple[int, int], str] = {}

    def _points_json(self, value: Fraction | None) -> str:
        """``value`` with 2 places as a JSON string, or null."""
        if value is None:
            return "null"
        key = (value.numerator, value.denominator)
        found = self._points.get(key)
        if found is None:
            found = self._points[key] = f'"{_points(value)}"'
        return found

    def _raw_json(self, value: Fraction | None) -> str:
        """``value`` with 4 places as a JSON string, or null."""
        if value is None:
            return "null"
        key = (value.numerator, value.denominator)
        found = self._raws.get(key)
        if found is None:
            found = self._raws[key] = f'"{_raw(value)}"'
        return found

    def json_of(
        self,
        result: ScoreResult,
        *,
        sources: Sequence[Sequence[StoredSource]],
        adjustments: Sequence[StoredAdjustment] = (),
    ) -> str:
        """The text of ``score.explanation`` for a result scored on this scorecard:
        :meth:`StoredScore.to_json` of :func:`stored_score_of` with the same
        arguments, written straight from the result. A recompute keeps only the text,
        so the stored score's objects (≈ 10 per line) are not built on the way.

        The members are written in sorted order, as :func:`_canonical` writes them;
        tests hold the two equal, character for character (the content hash, and so
        what a recompute writes, depends on it).
        """
        if len(result.lines) != len(self.templates):
            raise ValueError(f"{len(result.lines)} lines on a scorecard of {len(self.templates)}")
        points, raws = self._points, self._raws
        points_json, raw_json = self._points_json, self._raw_json
        texts = []
        for line, template, line_sources in zip(result.lines, self.templates, sources, strict=True):
            # The numbers looked up here, formatted by the methods only when new: ≈ 40
            # per score, most of them met before.
            effective = line.effective_weight
            if effective is None:
                effective_text = contribution_text = "null"
                reweighted = False
            else:
                numerator, denominator = effective.numerator, effective.denominator
                effective_text = points.get((numerator, denominator)) or points_json(effective)
                weight = line.line.weight
                # Both in lowest terms: equal exactly when their terms are.
                reweighted = numerator != weight.numerator or denominator != weight.denominator
                value = line.contribution
                contribution_text = (
                    "null"
                    if value is None
                    else points.get((value.numerator, value.denominator)) or points_json(value)
                )
            value = line.normalized
            normalized_text = (
                "null"
                if value is None
                else points.get((value.numerator, value.denominator)) or points_json(value)
            )
            value = line.raw_value
            raw_text = (
                "null"
                if value is None
                else raws.get((value.numerator, value.denominator)) or raw_json(value)
            )
            wit = line.what_it_would_take
            texts.append(
                f"{template.heads[line.about_person]}{contribution_text}"
                f',"effective_weight":{effective_text}'
                f"{template.evidences[line.evidence]}{line.meeting}"
                f"{template.method_n}{line.n}"
                f',"normalized":{normalized_text},"raw_value":{raw_text}'
                f"{template.scopes[reweighted]}{_sources_json(line_sources)}"
                f'],"status":{encode_basestring(line.status)},{template.target}'
                f',"what_it_would_take":{"null" if wit is None else self._wit_json(wit)}}}'
            )
        band = result.band
        next_band = result.next_band
        reason = result.status_reason
        total = result.reported_total
        total_text = "null" if total is None else f'"{total:f}"'
        next_band_text = (
            "null"
            if next_band is None
            else f'{{"code":{encode_basestring(next_band.code)}'
            f',"points_needed":"{next_band.points_needed:f}"}}'
        )
        return (
            f'{{"adjustments":[{",".join([_adjustment_json(a) for a in adjustments])}]'
            f',"adjustments_total":"{_points(result.adjustments_total)}"'
            f',"band":{"null" if band is None else encode_basestring(band.code)}'
            f',"evidence_weight":{points_json(result.evidence_weight)}'
            f',"lines":[{",".join(texts)}]'
            f',"multiplier":{"null" if band is None else points_json(band.multiplier)}'
            f',"needed_weight":{points_json(result.needed_weight)}'
            f',"next_band":{next_band_text}'
            f',"status":{encode_basestring(result.status)}'
            f',"status_reason":{"null" if reason is None else encode_basestring(reason)}'
            f',"total":{total_text}}}'
        )

    def _wit_json(self, wit: WhatItWouldTake) -> str:
        """``_canonical(StoredWhatItWouldTake.to_row())`` of ``wit``'s stored form."""
        needed = wit.observations_needed
        band = wit.band_code
        return (
            f'{{"band":{"null" if band is None else encode_basestring(band)}'
            f',"kind":{encode_basestring(wit.kind)}'
            f',"max_points":{self._points_json(wit.max_points)}'
            f',"observations_needed":{"null" if needed is None else int.__repr__(needed)}'
            f',"raw_value":{self._raw_json(wit.raw_value)}}}'
        )


def not_eligible_score(
    reason: str,
    *,
    employed_days: int | None = None,
    cycle_days: int | None = None,
    needed_share: Fraction | None = None,
) -> StoredScore:
    eligibility = (
        StoredEligibility(employed_days, cycle_days, _points(needed_share))
        if employed_days is not None and cycle_days is not None and needed_share is not None
        else None
    )
    return StoredScore(
        status=ScoreStatus.NOT_ELIGIBLE.value, status_reason=reason, eligibility=eligibility
    )


def content_hash(*parts: str) -> str:
    """SHA-256 of a score's written values: equal hashes, nothing to write."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


__all__ = [
    "LineSetting",
    "StoredAdjustment",
    "StoredBand",
    "StoredEligibility",
    "StoredKpi",
    "StoredLine",
    "StoredNextBand",
    "StoredScore",
    "StoredScorecard",
    "StoredSource",
    "StoredWhatItWouldTake",
    "content_hash",
    "line_setting",
    "not_eligible_score",
    "stored_line_of",
    "stored_score_of",
]
