"""A KPI's name and unit per language: given through the API, used by Chinese sentences."""

from __future__ import annotations

from tests.api.conftest import Api, seed
from tests.integration.scenario import CYCLE

UPSERT = """
mutation {
  upsertKpis(kpis: [{code: "frt", name: "First response", nameZh: "首次响应",
                     kind: QUANTITATIVE, direction: LOWER_IS_BETTER,
                     aggregation: PERCENTILE, aggregationParam: "90",
                     unit: "min", unitZh: "分钟"}]) {
    __typename
  }
}
"""

LINES = """
query($c: String!) {
  kpi(code: "frt") { name nameZh unit unitZh }
  employee(externalId: "A1") {
    score(cycleCode: $c) { lines { kpi { code } explanation whatItWouldTake { sentence } } }
  }
}
"""


async def test_chinese_sentences_use_the_kpis_chinese_name_and_unit(api: Api) -> None:
    await seed(api)
    saved = await api.run(UPSERT, as_="admin")
    assert saved["data"]["upsertKpis"]["__typename"] == "UpsertReport"
    chinese = await api.run(LINES, {"c": CYCLE}, as_="admin", lang="zh-CN")
    assert chinese["data"]["kpi"] == {
        "name": "First response",
        "nameZh": "首次响应",
        "unit": "min",
        "unitZh": "分钟",
    }
    lines = chinese["data"]["employee"]["score"]["lines"]
    frt = next(line for line in lines if line["kpi"]["code"] == "frt")
    assert frt["explanation"].startswith("首次响应：")
    assert "分钟" in frt["explanation"]
    assert "First response" not in frt["explanation"]
    english = await api.run(LINES, {"c": CYCLE}, as_="admin", lang="en")
    lines = english["data"]["employee"]["score"]["lines"]
    frt = next(line for line in lines if line["kpi"]["code"] == "frt")
    assert frt["explanation"].startswith("First response: ")
    assert "min" in frt["explanation"]
