"""The console's stage page: admins manage the stages staff choose from; nobody else, and no forged post."""

import re

from bot.followups import stages
from bot.followups.models import Stage
from tests.readapi_corp import login


async def open_page(company, as_: str) -> tuple[int, str]:
    await login(company.client, company.emulator, as_)
    response = await company.client.get("/console/stages")
    return response.status, await response.text()


async def post(company, path: str, csrf: str | None, htmx: bool = False, **form) -> tuple[int, str]:
    data = {**form, "csrf": csrf} if csrf is not None else form
    headers = {"HX-Request": "true"} if htmx else {}
    response = await company.client.post(path, data=data, headers=headers, allow_redirects=False)
    return response.status, await response.text()


def stage_names(html: str) -> list[str]:
    return re.findall(r'<input name="name" value="([^"]*)"', html)


async def test_the_stage_page_is_for_admins_and_linked_from_their_menu(company):
    status, html = await open_page(company, "s1")
    assert status == 403 and "只有管理员可以管理客户阶段" in html
    overview = await (await company.client.get("/console/")).text()
    assert "/console/stages" not in overview
    status, html = await open_page(company, "ops")
    assert status == 200 and '<a href="/console/stages" class="on">客户阶段</a>' in html
    assert stage_names(html) == ["潜在客户", "意向客户", "成交客户", "已流失"]


async def test_an_admin_adds_renames_moves_and_deletes_stages(company):
    _, html = await open_page(company, "ops")
    csrf = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
    status, html = await post(company, "/console/stages", csrf, name="复购客户")
    assert status == 200 and "已添加阶段「复购客户」" in html
    added = await Stage.get(name="复购客户")
    status, html = await post(company, f"/console/stages/{added.id}/move", csrf, direction="up")
    assert stage_names(html) == ["潜在客户", "意向客户", "成交客户", "复购客户", "已流失"]
    status, html = await post(company, f"/console/stages/{added.id}/rename", csrf, name="老客户复购")
    assert status == 200 and "已改名为「老客户复购」" in html and "老客户复购" in stage_names(html)

    # htmx swaps only the section; a refusal says what is wrong and changes nothing.
    status, html = await post(company, "/console/stages", csrf, htmx=True, name="意向客户")
    assert status == 400 and "<html" not in html and "已有名为「意向客户」的阶段" in html
    assert await Stage.filter(name="意向客户").count() == 1

    # Deleting a stage in use says the customers in it keep its name.
    intent = await Stage.get(name="意向客户")
    await stages.set_stage(company.ids["c1"], "s1", intent.id)
    status, html = await post(company, f"/console/stages/{intent.id}/delete", csrf)
    assert status == 200 and "已删除阶段「意向客户」。仍有 1 位客户处于该阶段" in html
    assert "意向客户" not in stage_names(html)
    assert (await stages.stage_of(company.ids["c1"], "s1")).name == "意向客户"


async def test_a_forged_or_unauthorised_post_changes_nothing(company):
    _, html = await open_page(company, "ops")
    csrf = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
    first = (await stages.list_stages())[0]
    assert (await post(company, "/console/stages", None, name="伪造"))[0] == 403  # another site's form
    assert (await post(company, "/console/stages", "x" * 32, name="伪造"))[0] == 403
    assert (await post(company, f"/console/stages/{first.id}/delete", None))[0] == 403
    await login(company.client, company.emulator, "s1")
    assert (await post(company, "/console/stages", csrf, name="伪造"))[0] == 403
    assert not await Stage.exists(name="伪造")
    assert [s.name for s in await stages.list_stages()] == ["潜在客户", "意向客户", "成交客户", "已流失"]
