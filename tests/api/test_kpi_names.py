"""A KPI's name and unit per language: given through the API, used by Chinese sentences."""

from __future__ import annotations

import pytest

from service.api.scoring import scores
from service.scoring import line_text
from service.scoring.stored import StoredLine
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


NO_SENTENCES = """
query($c: String!) {
  employee(externalId: "A1") { score(cycleCode: $c) { total lines { kpi { code } rawValue } } }
}
"""


async def test_a_line_sentence_is_rendered_only_when_the_query_selects_it(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Like the score's sentence and what-it-would-take's: a query for numbers only
    renders no sentence."""
    await seed(api)
    rendered: list[str] = []

    def counted(line: StoredLine, *, lang: str, weighted: bool) -> str:
        rendered.append(line.kpi.code)
        return line_text(line, lang=lang, weighted=weighted)

    monkeypatch.setattr(scores, "line_text", counted)
    numbers = await api.run(NO_SENTENCES, {"c": CYCLE}, as_="admin")
    assert numbers["data"]["employee"]["score"]["lines"]
    assert rendered == []
    asked = await api.run(LINES, {"c": CYCLE}, as_="admin")
    lines = asked["data"]["employee"]["score"]["lines"]
    assert rendered == [line["kpi"]["code"] for line in lines]
    assert all(line["explanation"] for line in lines)
