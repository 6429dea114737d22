"""The sidebar in headless Chromium through the JS-SDK stand-in: open a chat, tag, remark, timeline, group."""

from __future__ import annotations

from tests.e2e.conftest import shot


async def test_staff_open_a_customer_from_the_toolbar_tag_them_and_edit_the_remark(company, browser):
    server = str(company.client.make_url("")).rstrip("/")
    ext = company.ids["c1"]
    page = await browser.new_page(viewport={"width": 375, "height": 740})
    await page.goto(f"{server}/sidebar/try")
    await page.get_by_text("张三").first.click()  # WeCom's login (the emulator's stand-in) as s1
    await page.wait_for_url(f"{server}/sidebar/try")
    await shot(page, "sidebar-try")
    # Opening the chat: the entry page registers the JS-SDK, asks for the chat, and goes to the customer.
    await page.get_by_role("link", name="王小明").click()
    await page.wait_for_url(f"{server}/sidebar/customers/{ext}")
    await page.get_by_role("heading", name="王小明").wait_for()
    assert await page.locator("button.tag.on").all_inner_texts() == ["A类"]
    await shot(page, "sidebar-customer")

    await page.get_by_role("button", name="B类").click()
    await page.get_by_text("已添加标签").wait_for()
    assert sorted(await page.locator("button.tag.on").all_inner_texts()) == ["A类", "B类"]
    assert company.tags["B"] in company.emulator.state.follows[("s1", ext)].tag_ids

    await page.get_by_label("备注").fill("王经理")
    await page.get_by_role("button", name="保存").click()
    await page.get_by_text("备注已保存").wait_for()
    assert company.emulator.state.follows[("s1", ext)].remark == "王经理"

    await page.reload()
    timeline = page.locator("#timeline")
    await timeline.get_by_text("修改备注").wait_for()
    assert await timeline.get_by_text("打上标签").count() == 2  # A at first, B just now
    await shot(page, "sidebar-customer-edited")
    assert await page.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scrolling
    # The page registered the JS-SDK, so it can send into the open chat as the member.
    sent = await page.evaluate("ww.sendChatMessage({msgtype: 'text', text: {content: '您好'}})")
    assert sent == {"errMsg": "sendChatMessage:ok"}
    [message] = company.emulator.state.chat_messages
    assert (message["userid"], message["external_userid"], message["text"]) == (
        "s1",
        ext,
        {"content": "您好"},
    )
    await page.set_viewport_size({"width": 320, "height": 640})
    assert await page.evaluate("document.documentElement.scrollWidth") <= 320


async def test_a_group_chat_opens_the_group_card_and_another_staff_members_customer_is_404(company, browser):
    server = str(company.client.make_url("")).rstrip("/")
    page = await browser.new_page(viewport={"width": 320, "height": 640})
    await page.goto(f"{server}/sidebar/try")
    await page.get_by_text("张三").first.click()
    await page.get_by_role("link", name="展会客户群").click()
    await page.get_by_text("今日入群").wait_for()
    assert "/sidebar/groups/" in page.url
    await shot(page, "sidebar-group")
    response = await page.goto(f"{server}/sidebar/customers/{company.ids['c2']}")  # s2's customer
    assert response.status == 404 and await page.get_by_text("找不到这位客户").count() == 1
    await shot(page, "sidebar-404")


async def test_a_follow_up_logged_in_the_sidebar_reminds_the_member_at_its_time(company, browser):
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from bot.appkeys import SETTINGS, WECOM
    from bot.followups import reminders

    server = str(company.client.make_url("")).rstrip("/")
    ext = company.ids["c4"]
    page = await browser.new_page(viewport={"width": 375, "height": 740})
    await page.goto(f"{server}/sidebar/try")
    await page.get_by_text("张三").first.click()
    await page.get_by_role("link", name="孙悟空").click()
    await page.get_by_role("heading", name="孙悟空").wait_for()

    await page.get_by_label("客户阶段").select_option(label="意向客户")
    await page.get_by_text("阶段已更新").wait_for()
    remind = (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=1)).replace(second=0, microsecond=0)
    await page.get_by_label("跟进内容").fill("客户想要报价单，明天发")
    await page.get_by_label("阶段变为").select_option(label="成交客户")
    await page.get_by_label("下次跟进").fill(remind.strftime("%Y-%m-%dT%H:%M"))
    await page.get_by_role("button", name="记录跟进").click()
    await page.get_by_text("跟进已记录").wait_for()
    timeline = page.locator("#timeline")
    await timeline.get_by_text("客户想要报价单，明天发").wait_for()  # the timeline reloaded by itself
    assert await timeline.get_by_text("客户阶段变更").count() == 2  # 未设置 → 意向, 意向 → 成交
    assert await page.get_by_label("客户阶段").input_value() != ""  # the stage shown follows the change
    assert await page.locator("#stage option:checked").inner_text() == "成交客户"
    await shot(page, "sidebar-follow-up")

    # The scheduler's run at the reminder's time (the clock moved forward) sends the WeCom app message.
    app = company.client.app
    assert not await reminders.send_due_reminders(app[WECOM], app[SETTINGS], now=datetime.now(UTC))  # not yet
    due = remind.astimezone(UTC) + timedelta(seconds=1)
    assert await reminders.send_due_reminders(app[WECOM], app[SETTINGS], now=due) == {"sent": 1}
    [message] = [m for m in company.emulator.state.messages if m["recipients"] == ["s1"]]
    card = message["payload"]["textcard"]
    assert message["msgtype"] == "textcard" and "客户想要报价单" in card["description"]
    assert card["url"].endswith(f"/sidebar/customers/{ext}")
