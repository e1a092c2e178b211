"""The KPI type: its own module, so the people side can return KPIs without importing
the cycle types (and through them the use cases that write scores)."""

from __future__ import annotations

import strawberry

from service.api.enums import Aggregation, Direction, KpiKind
from service.api.ids import Node, global_id
from service.api.scalars import Decimal, fixed
from service.models import Kpi as KpiRow


@strawberry.type(
    description="A key performance indicator: what is measured and how its observations are "
    "aggregated."
)
class Kpi(Node):
    code: str
    name: str
    kind: KpiKind
    unit: str
    direction: Direction
    aggregation: Aggregation
    aggregation_param: Decimal | None
    range_min: Decimal | None
    range_max: Decimal | None
    tags: list[str]
    version: int
    name_zh: str = strawberry.field(
        description="The Chinese name; empty when none is given (sentences then use `name`)."
    )
    unit_zh: str = strawberry.field(
        description="The Chinese unit; empty when none is given (sentences then use `unit`)."
    )

    @classmethod
    def from_row(cls, row: KpiRow) -> Kpi:
        return cls(
            id=strawberry.ID(global_id("Kpi", row.id)),
            code=row.code,
            name=row.name,
            kind=KpiKind(row.kind.value),
            unit=row.unit,
            direction=Direction(row.direction.value),
            aggregation=Aggregation(row.aggregation.value),
            aggregation_param=fixed(row.aggregation_param, 4),
            range_min=fixed(row.range_min, 4),
            range_max=fixed(row.range_max, 4),
            tags=list(row.tags or []),
            version=row.version,
            name_zh=row.name_zh,
            unit_zh=row.unit_zh,
        )
