"""The stage page in headless Chromium: htmx swaps the list after each change, refusals included."""

from __future__ import annotations

from tests.e2e.conftest import shot


async def test_an_admin_manages_stages_without_a_page_load(company, browser):
    server = str(company.client.make_url("")).rstrip("/")
    page = await browser.new_page()
    await page.goto(f"{server}/console/stages")
    await page.get_by_text("运营王").click()
    await page.wait_for_url(f"{server}/console/stages")
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if r.resource_type == "document" else None)

    await page.get_by_label("新阶段名称").fill("意向客户")
    await page.get_by_role("button", name="添加阶段").click()
    await page.get_by_role("alert").get_by_text("已有名为「意向客户」的阶段").wait_for()

    await page.get_by_label("新阶段名称").fill("复购客户")
    await page.get_by_role("button", name="添加阶段").click()
    await page.get_by_role("status").get_by_text("已添加阶段「复购客户」").wait_for()
    page.on("dialog", lambda dialog: dialog.accept())
    row = page.locator("tr", has=page.locator("input[value=潜在客户]"))
    await row.get_by_role("button", name="删除").click()
    await page.get_by_role("status").get_by_text("已删除阶段「潜在客户」").wait_for()
    names = await page.get_by_label("阶段名称", exact=True).evaluate_all("els => els.map(e => e.value)")
    assert names == ["意向客户", "成交客户", "已流失", "复购客户"]
    assert requests == []
    await shot(page, "console-stages")
