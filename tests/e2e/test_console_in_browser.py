"""The console and the emulator console in headless Chromium: login, htmx filters, the live delivery panel.

Screenshots of each page land in tests/artifacts/ (not committed).
"""

from __future__ import annotations

from tests.e2e.conftest import shot


async def test_an_admin_logs_in_filters_customers_with_htmx_and_reads_a_timeline(company, browser):
    server = str(company.client.make_url("")).rstrip("/")
    page = await browser.new_page()
    await page.goto(f"{server}/console/customers")
    # Not logged in: WeCom's OAuth page (the emulator's stand-in) asks who is logging in.
    await page.get_by_text("运营王").click()
    await page.wait_for_url(f"{server}/console/customers")
    await page.get_by_text("共 7 条客户关系").wait_for()
    await shot(page, "console-customers")

    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if r.resource_type == "document" else None)
    await page.get_by_label("A类").check()
    await page.get_by_label("B类").check()
    await page.get_by_label("包含全部").check()
    await page.get_by_role("button", name="查询").click()
    await page.get_by_text("共 1 条客户关系").wait_for()
    assert await page.locator("#rows").get_by_text("钱多多").is_visible()
    assert await page.locator("#rows").get_by_text("王小明").count() == 0
    assert requests == []  # htmx swapped the rows in; no page load
    assert "tag_mode=all" in page.url  # and the filtered list has its own address
    await shot(page, "console-customers-filtered")

    await page.locator("#rows").get_by_text("钱多多").click()
    await page.get_by_role("heading", name="钱多多").wait_for()
    timeline = page.locator("#timeline")
    assert await timeline.get_by_text("打上标签").count() == 1
    await page.locator("select[name=type]").select_option("added")
    await timeline.get_by_text("打上标签").wait_for(state="detached")
    assert await timeline.get_by_text("添加好友").count() == 1
    await shot(page, "console-customer")


async def test_the_emulator_console_shows_a_delivery_arrive_and_links_to_the_mirror(company, browser):
    page = await browser.new_page()
    await page.goto(f"{company.emulator_url}/_emulator/")
    form = page.locator("form", has_text="客户通过渠道活码添加员工")
    await form.locator("select[name=userid]").select_option("s1")
    await form.locator("input[name=name]").fill("浏览器新客户")
    await form.get_by_role("button", name="添加").click()
    await page.locator("#done").wait_for()
    # The live panel polls the delivery log: the callback shows up with its outcome.
    delivery = page.locator("#deliveries tbody tr", has_text="add_external_contact")
    await delivery.first.wait_for()
    await page.locator("#deliveries td.outcome-ok").first.wait_for()
    await shot(page, "emulator-console")
    # 在 SCRM 中查看: the customer's page in our console, once the worker has mirrored them.
    link = page.get_by_role("link", name="在 SCRM 中查看").first
    href = await link.get_attribute("href")
    assert href.startswith(str(company.client.make_url("/console/customers/")))
