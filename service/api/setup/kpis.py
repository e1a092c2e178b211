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
    code: str = strawberry.field(
        description="The KPI's natural key, e.g. `csat`; unique. `kpi(code:)` finds it."
    )
    name: str = strawberry.field(
        description="The KPI's name; Chinese sentences use `nameZh` when it is set."
    )
    kind: KpiKind = strawberry.field(
        description="QUANTITATIVE (observations) or QUALITATIVE (manager ratings). Frozen "
        "once a cycle past DRAFT uses the KPI."
    )
    unit: str = strawberry.field(
        description="The unit of its values, e.g. `%` or `min`; may be empty."
    )
    direction: Direction = strawberry.field(
        description="Whether a higher or a lower value is better. Frozen once a cycle past "
        "DRAFT uses the KPI."
    )
    aggregation: Aggregation = strawberry.field(
        description="How its observations become a line's raw value. Frozen once a cycle "
        "past DRAFT uses the KPI."
    )
    aggregation_param: Decimal | None = strawberry.field(
        description="The x of SHARE_AT_LEAST/SHARE_AT_MOST or the p of PERCENTILE, 4 "
        "places; null for the others. Frozen once a cycle past DRAFT uses the "
        "KPI."
    )
    range_min: Decimal | None = strawberry.field(
        description="The smallest valid value, 4 places (a rating scale starts at 1 by "
        "default); null: unbounded. Values outside the range are refused."
    )
    range_max: Decimal | None = strawberry.field(
        description="The largest valid value, 4 places (a rating scale ends at 5 by "
        "default); null: unbounded."
    )
    tags: list[str] = strawberry.field(
        description="Free labels; `customer_satisfaction` makes the KPI count toward the "
        "scorecard's customer-satisfaction share."
    )
    version: int = strawberry.field(
        description="Raised on every saved change; send it back as `expectedVersion` with an edit."
    )
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
