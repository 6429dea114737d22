"""The sidebar's follow-up form refuses with a 400 that gives back what was typed, the reason beside the
field at fault and the character count; what it counts is what the service checks."""

import html as html_lib
import re

from bot.followups import stages
from bot.followups.models import FollowUp, Reminder
from tests.readapi_corp import login


async def open_form(company, as_: str = "s1", key: str = "c1"):
    await login(company.client, company.emulator, as_)
    ext = company.ids[key]
    page = await (await company.client.get(f"/sidebar/customers/{ext}")).text()
    token = re.search(r'"X-CSRF-Token": "([^"]+)"', page).group(1)

    async def send(**fields) -> tuple[int, str]:
        response = await company.client.post(
            f"/sidebar/customers/{ext}/follow-ups",
            data=fields,
            headers={"X-CSRF-Token": token, "HX-Request": "true"},
        )
        return response.status, await response.text()

    return page, send


def textarea(html: str) -> str:
    return html_lib.unescape(
        re.search(r'<textarea[^>]*name="text"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    )


def reason(html: str, field: str) -> str:
    found = re.search(rf'id="followup-{field}-error" role="alert">([^<]+)<', html)
    return found.group(1) if found else ""


def count(html: str) -> str:
    return re.search(r'id="followup-count"[^>]*><span>(\d+)</span>/(\d+)', html).group(0).split("<span>")[1]


async def test_an_empty_form_starts_at_zero_of_500(company):
    page, _ = await open_form(company)
    assert count(page) == "0</span>/500" and "maxlength" not in re.search(
        r'<textarea[^>]*name="text"[^>]*>', page
    ).group(0)
    assert "sidebar/followup.js" in page  # the counter's script is a static file (no inline script)


async def test_a_text_over_500_characters_is_refused_and_given_back_whole(company):
    _, send = await open_form(company)
    long = "客户想了解报价<&>" * 50 + "!"  # 501 characters, markup characters among them
    status, html = await send(text=long)
    assert status == 400 and textarea(html) == long
    assert reason(html, "text") == "跟进内容不能超过 500 字（现在 501 字）。"
    assert 'aria-describedby="followup-text-error"' in html and count(html) == "501</span>/500"
    assert 'class="weui-textarea-counter over"' in html
    assert "价<&>" not in html  # escaped, never markup
    assert not await FollowUp.exists()


async def test_a_reminder_in_the_past_or_malformed_keeps_the_text_stage_and_time(company):
    _, send = await open_form(company)
    stage = (await stages.list_stages())[1]
    typed = {"text": "回访，客户在比价", "stage_id": str(stage.id)}
    status, html = await send(**typed, remind_at="2020-01-01T09:00")
    assert (
        status == 400 and reason(html, "remind_at") == "提醒时间必须晚于现在。" and not reason(html, "text")
    )
    assert textarea(html) == typed["text"] and 'value="2020-01-01T09:00"' in html
    assert re.search(rf'<option value="{stage.id}" selected>', html)
    status, html = await send(**typed, remind_at="2026-13-45T99:00")
    assert (
        status == 400
        and reason(html, "remind_at") == "提醒时间格式不对。"
        and textarea(html) == typed["text"]
    )
    assert not await FollowUp.exists() and not await Reminder.exists()


async def test_line_breaks_count_once_as_the_counter_shows(company):
    """Browsers send a textarea's line breaks as CRLF: 500 characters with line breaks are 500, not more."""
    _, send = await open_form(company)
    text = "\r\n".join(["一二三四五六七八九"] * 50)  # 450 characters and 49 line breaks
    status, html = await send(text=text + "十")
    assert status == 200 and "跟进已记录" in html and count(html) == "0</span>/500"  # a fresh form
    [saved] = await FollowUp.all()
    assert len(saved.text) == 500 and "\r" not in saved.text
