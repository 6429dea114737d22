"""The sidebar's follow-up box in headless Chromium: it counts characters as they are typed, and a refusal
keeps everything typed with the reason beside the field."""

from __future__ import annotations

from bot.followups.models import FollowUp
from tests.e2e.conftest import shot


async def test_the_follow_up_box_counts_as_you_type_and_a_refusal_keeps_the_text(company, browser):
    server = str(company.client.make_url("")).rstrip("/")
    page = await browser.new_page(viewport={"width": 375, "height": 740})
    await page.goto(f"{server}/sidebar/try")
    await page.get_by_text("张三").first.click()
    await page.get_by_role("link", name="孙悟空").click()
    await page.get_by_role("heading", name="孙悟空").wait_for()
    box, counter = page.get_by_label("跟进内容"), page.locator("#followup-count")
    assert await counter.inner_text() == "0/500"

    await box.fill("<b>报价</b> 😀")  # markup is counted as text; the emoji is one character
    assert await counter.inner_text() == "11/500"
    assert await counter.locator("b").count() == 0  # the count is text, never markup
    long = "客户关心售后服务" * 63  # 504 characters: the box lets them in, the count says too many
    await box.fill(long)
    assert await counter.inner_text() == "504/500"
    assert "over" in await counter.get_attribute("class")

    await page.get_by_role("button", name="记录跟进").click()
    reason = page.locator("#followup-text-error")
    await reason.wait_for()
    assert await reason.inner_text() == "跟进内容不能超过 500 字（现在 504 字）。"
    assert await box.input_value() == long and await counter.inner_text() == "504/500"
    await shot(page, "sidebar-follow-up-too-long")

    # Shortened, with a reminder in the past: the text, the stage and the time stay; the reason moves.
    await box.fill("客户关心售后服务")
    assert await counter.inner_text() == "8/500"
    await page.get_by_label("阶段变为").select_option(label="成交客户")
    await page.get_by_label("下次跟进").fill("2020-01-01T09:00")
    await page.get_by_role("button", name="记录跟进").click()
    await page.locator("#followup-remind_at-error").get_by_text("提醒时间必须晚于现在").wait_for()
    assert await reason.count() == 0
    assert await box.input_value() == "客户关心售后服务"
    assert await page.locator("#followup select[name=stage_id] option:checked").inner_text() == "成交客户"
    assert await page.get_by_label("下次跟进").input_value() == "2020-01-01T09:00"
    # Still counting after the form was swapped in.
    await box.fill("客户关心售后")
    assert await counter.inner_text() == "6/500"
    assert not await FollowUp.exists()
