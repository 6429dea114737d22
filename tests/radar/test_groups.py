"""Radar groups: order by hand, visible departments (with their sub-departments), deleted only when empty."""

import re
from datetime import UTC, datetime

import pytest

from bot.radar import groups as radar_groups
from bot.radar.models import Radar, RadarGroup
from bot.values import InvalidInput
from tests.readapi_corp import login


async def names() -> list[str]:
    return [g["name"] for g in await radar_groups.list_groups()]


async def a_radar_in(group: RadarGroup, deleted: bool = False) -> Radar:
    now = datetime.now(UTC)
    return await Radar.create(
        group=group, name="产品手册", type=Radar.PDF, title="产品手册", created_at=now, updated_at=now,
        deleted_at=now if deleted else None,
    )  # fmt: skip


async def test_groups_are_named_once_and_ordered_by_hand(company):
    a, b, c = [await radar_groups.create_group(n) for n in ("公司介绍", "产品介绍", "客户案例")]
    for bad, reason in (("  ", "不能为空"), ("很" * 21, "最多 20 个字"), ("产品介绍", "已有名为")):
        with pytest.raises(InvalidInput, match=reason):
            await radar_groups.create_group(bad)
    await radar_groups.move_group(c.id, "top")
    assert await names() == ["客户案例", "公司介绍", "产品介绍"]
    await radar_groups.move_group(c.id, "down")
    assert await names() == ["公司介绍", "客户案例", "产品介绍"]
    await radar_groups.move_group(a.id, "bottom")
    await radar_groups.move_group(b.id, "up")
    assert await names() == ["产品介绍", "客户案例", "公司介绍"]
    assert not await radar_groups.move_group(b.id, "up")  # already first


async def test_a_group_with_radars_cannot_be_deleted_and_says_how_many(company):
    group = await radar_groups.create_group("产品介绍")
    radar = await a_radar_in(group)
    with pytest.raises(InvalidInput, match="还有 1 个雷达"):
        await radar_groups.delete_group(group.id)
    radar.deleted_at = datetime.now(UTC)
    await radar.save()
    await radar_groups.delete_group(group.id)  # deleted radars do not hold it
    assert not await RadarGroup.exists(id=group.id)


async def test_visible_departments_include_their_sub_departments(company):
    everyone = await radar_groups.create_group("公司介绍")
    sales = await radar_groups.create_group("销售话术")
    await radar_groups.set_visible_departments(sales.id, [2])  # 销售部, whose 华东组 is dept 3
    with pytest.raises(InvalidInput, match="部门不存在"):
        await radar_groups.set_visible_departments(sales.id, [99])
    seen = {u: [g.name for g in await radar_groups.groups_for_member(u)] for u in ("s1", "s2", "kf")}
    assert seen == {"s1": ["公司介绍", "销售话术"], "s2": ["公司介绍", "销售话术"], "kf": ["公司介绍"]}
    assert everyone.visible_departments == []


async def test_the_console_page_is_for_admins_and_explains_a_refused_delete(company):
    client = company.client
    await login(client, company.emulator, "s1")
    assert (await client.get("/console/radar/groups")).status == 403
    await login(client, company.emulator, "ops")
    page = await (await client.get("/console/radar/groups")).text()
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    assert (await client.post("/console/radar/groups", data={"name": "产品介绍"})).status == 403  # no token
    created = await client.post("/console/radar/groups", data={"name": "产品介绍", "csrf": csrf})
    assert "已添加分组“产品介绍”" in await created.text()
    group = await RadarGroup.get(name="产品介绍")
    await a_radar_in(group)
    refused = await client.post(f"/console/radar/groups/{group.id}/delete", data={"csrf": csrf})
    assert refused.status == 400 and "请先将雷达移出该分组后再删除" in await refused.text()
    assert await RadarGroup.exists(id=group.id)
