"""Stored rows -> the pure engine's value types (exact, never float)."""

from __future__ import annotations

from fractions import Fraction

from service.models import Kpi as KpiRow
from service.models import ScorecardLine as LineRow
from service.models import ShadowScorecardLine as ShadowLineRow
from service.scoring.types import BandStep, Kpi, ScorecardLine
from service.usecases.parsing import from_scaled


def _optional(value: int | None) -> Fraction | None:
    return None if value is None else from_scaled(value)


def kpi_to_engine(row: KpiRow) -> Kpi:
    return Kpi(
        code=row.code,
        name=row.name,
        kind=row.kind,
        unit=row.unit,
        direction=row.direction,
        aggregation=row.aggregation,
        aggregation_param=_optional(row.aggregation_param),
        range_min=_optional(row.range_min),
        range_max=_optional(row.range_max),
        tags=frozenset(row.tags or ()),
        name_zh=row.name_zh,
        unit_zh=row.unit_zh,
    )


def line_to_engine(row: LineRow | ShadowLineRow, kpi: Kpi) -> ScorecardLine:
    return ScorecardLine(
        kpi=kpi,
        scope=row.scope,
        weight=from_scaled(row.weight),
        method=row.method,
        threshold=_optional(row.threshold),
        target=_optional(row.target),
        stretch=_optional(row.stretch),
        bands=tuple(BandStep(Fraction(bound), Fraction(points)) for bound, points in row.bands),
        min_samples=row.min_samples,
    )
