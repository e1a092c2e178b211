"""A score's explanation page shows the API's numbers, a bar per line, and Chinese sentences."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from service.labels import label as label_of
from tests.browser.conftest import LiveServer, screenshot, sign_in
from tests.browser.score_page import api_score, open_score

CJK = re.compile(r"[\u4e00-\u9fff]")


async def test_a_manager_sees_the_same_total_and_contributions_as_the_api(
    page: Page, live_server: LiveServer
) -> None:
    # Emily Zhang, a hotline agent on 陈静's team; no other test changes her inputs
    # (a team line could move with a teammate's data, so page and API are read together).
    await sign_in(page, "manager")
    await open_score(page, "E1102")
    await expect(page.locator("h1")).to_contain_text("Emily Zhang")
    api = await api_score(live_server.url, "manager", "E1102")
    assert api["status"] == "SCORED"
    assert api["total"] is not None

    total = page.locator("dd[data-total]")
    await expect(total).to_have_attribute("data-total", api["total"])
    await expect(total).to_have_text(api["total"])
    band = page.locator(".score-head dt:text-is('Band') + dd")
    await expect(band).to_have_text(api["band"]["code"])
    await expect(page.locator(".score-head dt:text-is('Multiplier') + dd")).to_have_text(
        api["band"]["multiplier"]
    )

    # One bar per line, in the lines' order, each as long as the line's contribution.
    lines = api["lines"]
    assert len(lines) >= 2
    await expect(page.locator("section.line")).to_have_count(len(lines))
    chart = page.locator("svg#contributions")
    await expect(chart).to_be_visible()
    bars = chart.locator("rect.bar")
    await expect(bars).to_have_count(len(lines))
    for number, line in enumerate(lines, start=1):
        section = page.locator(f"#line-{number}")
        await expect(section.locator("h3")).to_contain_text(f"{number}. {line['kpi']['name']}")
        scope = label_of(line["scope"], "en", group="Scope")
        await expect(section.locator("h3 .tag").first).to_have_text(scope)
        contribution = section.locator("dd[data-contribution]")
        await expect(contribution).to_have_attribute(
            "data-contribution", line["contribution"] or ""
        )
        bar = chart.locator(f"g.row[data-index='{number}'] rect.bar")
        label = chart.locator(f"g.row[data-index='{number}'] text.label")
        await expect(label).to_contain_text(f"{number}. {line['kpi']['name']}")
        if line["contribution"] is None:
            await expect(contribution).to_have_text("—")
            await expect(bar).to_have_class(re.compile(r"\bmuted\b"))
        else:
            await expect(contribution).to_have_text(line["contribution"])
            await expect(bar).to_have_attribute("data-value", line["contribution"])
        size = section.locator("dt:text-is('Sample size') + dd")
        await expect(size).to_have_text(re.compile(rf"^{line['sampleSize']}\b"))
        # A setting is shown as it was entered: weight "35.00" from the API reads "35 %".
        entered = line["weight"].rstrip("0").rstrip(".")
        await expect(section.locator("dt:text-is('Weight') + dd")).to_have_text(f"{entered} %")
        await expect(section.locator("p.sentence")).to_have_text(line["explanation"])
    # The longest bar belongs to the largest contribution.
    widths = [float(await bars.nth(i).get_attribute("width") or "0") for i in range(len(lines))]
    largest = max(range(len(lines)), key=lambda i: float(lines[i]["contribution"] or "0"))
    assert widths[largest] == max(widths)
    await screenshot(page, "explanation-en")


async def test_an_employee_switches_their_explanation_to_chinese(
    page: Page, live_server: LiveServer
) -> None:
    await sign_in(page, "employee")
    await page.goto("/admin/scores/2026-Q4/me")
    await expect(page.locator("h1")).to_contain_text("李娜")
    await expect(page.locator("#chart-heading")).to_have_text("What each line contributes")

    await page.select_option("#lang-select", "zh-CN")
    await page.click("form[action='/admin/language'] button")
    await expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    await expect(page).to_have_url(re.compile(r"/admin/scores/2026-Q4/me$"))
    await expect(page.locator("h1")).to_contain_text("李娜")
    heading = page.locator("#chart-heading")
    await expect(heading).not_to_have_text("What each line contributes")
    await expect(heading).to_have_text(CJK)

    # The engine's sentences, in Chinese, the same the API gives for zh-CN.
    api = await api_score(live_server.url, "employee", "E1101", language="zh-CN")
    sentences = page.locator("section.line p.sentence")
    await expect(sentences).to_have_count(len(api["lines"]))
    for number, line in enumerate(api["lines"], start=1):
        assert "分" in line["explanation"] or CJK.search(line["explanation"]), line
        await expect(page.locator(f"#line-{number} p.sentence")).to_have_text(line["explanation"])
    await expect(sentences.first).to_contain_text("分")
    await expect(page.locator(".score-head p.sentence")).to_have_text(CJK)
    await expect(page.locator("svg#contributions rect.bar")).to_have_count(len(api["lines"]))
    await screenshot(page, "explanation-zh")
