"""A bad query parameter is refused in Chinese, from its declared label: beside its field in the console
(400, the rest of the page intact), as `message` and `param` in the API's JSON, on a plain error page
elsewhere. No English parse error reaches a person."""

import re

import pytest

from sidebar_web.api.params import Param
from tests.radar.scenario import build, make_radar, people
from tests.readapi_corp import login

ENGLISH = re.compile(r"must |unknown parameter|given more than once|no such ")


async def html_of(company, path: str, as_: str = "ops", **kw) -> tuple[int, str]:
    await login(company.client, company.emulator, as_)
    response = await company.client.get(path, **kw)
    return response.status, await response.text()


def beside(html: str, field: str) -> str:
    """The reason shown right after the field's input (its label or its date pair)."""
    match = re.search(
        rf'name="{field}"[^>]*aria-invalid="true"[^>]*>.*?<span class="field-error"[^>]*>([^<]+)<', html, re.S
    )
    assert match, f"no reason beside {field}"
    return match.group(1)


async def test_a_reversed_date_range_in_the_customer_list_is_refused_beside_the_end_date(company):
    status, html = await html_of(company, "/console/customers?added_from=2026-03-02&added_to=2026-03-01")
    assert status == 400
    assert 'id="error-added_to"' in html and beside(html, "added_to") == "不能早于添加时间（起）"
    # The rest of the page is there: navigation, the filters as given, the empty list, no English.
    assert "<h1>客户列表</h1>" in html and 'class="side"' in html and 'value="2026-03-02"' in html
    assert "请先修正上面标出的筛选条件" in html and not ENGLISH.search(html)


async def test_a_malformed_date_in_the_address_is_refused_beside_its_field(company):
    status, html = await html_of(company, "/console/customers?added_from=yesterday&status=lost")
    assert status == 400 and beside(html, "added_from") == "日期格式不对，应如 2026-01-31"
    assert "<h1>客户列表</h1>" in html and not ENGLISH.search(html)
    # htmx gets the list section alone, with the same reasons.
    status, section = await html_of(
        company, "/console/customers?added_to=31.01", headers={"HX-Request": "true"}
    )
    assert status == 400 and "<html" not in section and beside(section, "added_to").startswith("日期格式不对")


async def test_parameters_without_a_field_and_unknown_tags_are_named_in_chinese(company):
    status, html = await html_of(company, "/console/customers?limit=0&colour=red&tags=etGONE")
    assert status == 400 and not ENGLISH.search(html)
    assert "每页条数：不能小于 1" in html and "参数“colour”：不是这里可用的参数" in html
    status, html = await html_of(company, "/console/customers?tags=etGONE")
    assert status == 400 and "找不到 etGONE" in html  # the search itself refused it
    status, html = await html_of(company, "/console/groups?include_dismissed=maybe")
    assert status == 400 and beside(html, "include_dismissed") == "只能是 true 或 false"


async def test_the_api_answers_400_json_with_the_field_and_a_chinese_message(company):
    for params, name, message in (
        (
            {"added_from": "2026-03-02", "added_to": "2026-03-01"},
            "added_to",
            "添加时间（止）：不能早于添加时间（起）",
        ),
        ({"added_from": "yesterday"}, "added_from", "添加时间（起）：日期格式不对，应如 2026-01-31"),
        ({"owner": "nobody"}, "owner", "所属成员：找不到 nobody"),
    ):
        status, body = await company.get("/api/v1/customers", **params)
        assert (status, body["param"], body["message"]) == (400, name, message)
        assert body["error"].startswith(name + ":")  # integrators keep the English detail


async def test_a_view_that_does_not_catch_a_refusal_still_says_it_in_chinese(company):
    status, html = await html_of(company, f"/console/customers/{company.ids['c1']}?type=exploded")
    assert status == 400 and "动态类型：不是可选的值" in html and not ENGLISH.search(html)


async def test_the_radar_customer_analysis_refuses_a_reversed_range_beside_the_field(company):
    ids = await people({k: company.ids[f"c{i}"] for i, k in enumerate("ABCDEF", 1)})
    radar = await make_radar()
    from bot.radar.analytics import figures as radar_stats

    await build(radar, ids, radar_stats.today_bounds("Asia/Shanghai")[0])
    path = f"/console/radar/radars/{radar.id}/analytics/customers?last_from=2026-03-10&last_to=2026-03-09"
    status, html = await html_of(company, path)
    assert status == 400 and beside(html, "last_to") == "不能早于最近访问时间（起）"
    assert "数据分析 · 产品手册" in html and 'class="tabs"' in html and not ENGLISH.search(html)
    status, body = await company.get(f"/api/v1/radars/{radar.id}/analytics/customers", last_from="昨天")
    assert (status, body["param"], body["message"]) == (
        400,
        "last_from",
        "最近访问时间（起）：日期格式不对，应如 2026-01-31",
    )


def test_a_parameter_cannot_be_declared_without_its_chinese_label():
    with pytest.raises(TypeError, match="needs a Chinese label"):
        Param("added_from", "date", "Added on or after this day")
