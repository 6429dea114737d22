"""The emulator console: a person performs user actions on the seeded corp and watches callbacks go out."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator

import pytest

from bot.wecom.emulator import CorpConfig, Emulator
from bot.wecom.emulator.seed import DemoCorp, populate
from tests.emulator_fixtures import CallbackReceiver

MIRROR = "http://scrm.example/console/customers/{external_userid}"


@pytest.fixture
async def emulator(corp: CorpConfig, emulator_clock) -> AsyncIterator[Emulator]:
    """The emulator as `scrm demo` runs it: told where our server shows a customer."""
    emu = Emulator(corp, clock=emulator_clock, retry_delay=0.01, callback_timeout=2.0, mirror_link=MIRROR)
    yield emu
    await emu.close()


@pytest.fixture
def demo(emulator: Emulator) -> DemoCorp:
    return populate(emulator.state, customers=300, seed=4, avatar_base="http://emulator.example")


@pytest.fixture
async def console(emulator: Emulator, demo: DemoCorp, aiohttp_client):
    return await aiohttp_client(emulator.app())


def fields(plain_xml: str) -> dict[str, str]:
    return {child.tag: child.text or "" for child in ET.fromstring(plain_xml)}


def counts(emulator: Emulator) -> tuple[int, ...]:
    state = emulator.state
    return (
        len(state.customers),
        len(state.follows),
        sum(f.lost for f in state.follows.values()),
        sum(len(c.members) for c in state.group_chats.values()),
        sum(not t.deleted for t in state.tags.values()),
        len(emulator.callbacks.events),
    )


async def test_the_page_shows_the_corp_in_chinese(console, emulator: Emulator, demo: DemoCorp):
    resp = await console.get("/_emulator/")
    html = await resp.text()
    assert resp.status == 200
    assert '<html lang="zh-CN">' in html and "企业微信模拟器" in html
    for member in emulator.state.members.values():
        assert member.name in html
    for name in ("客户等级", "展会-2026上海", "客户通过渠道活码添加员工", "回调投递", "在 SCRM 中查看"):
        assert name in html
    assert not re.search(r'(src|href)="(https?:)?//(?!scrm\.example)', html)  # nothing loads from outside


async def test_a_customer_added_through_a_channel_reaches_the_callback_url(
    console, emulator: Emulator, demo: DemoCorp, callback_receiver: CallbackReceiver
):
    await emulator.callbacks.configure(callback_receiver.url)
    way = emulator.state.contact_ways[demo.channels["官网咨询"]]
    form = {"userid": way.user[0], "config_id": way.config_id, "name": "陈晓燕", "gender": "2"}

    resp = await console.post("/_emulator/console/add_customer", data=form)
    html = await resp.text()
    await emulator.callbacks.drain()

    assert resp.status == 200
    assert "已执行：客户「陈晓燕」通过渠道「官网咨询」添加了员工" in html
    [customer] = [c for c in emulator.state.customers.values() if c.name == "陈晓燕"]
    ext = customer.external_userid
    follow = emulator.state.follows[(way.user[0], ext)]
    assert (follow.state, follow.add_way, customer.gender) == ("官网咨询", 1, 2)
    assert MIRROR.replace("{external_userid}", ext) in html

    [event] = [fields(e) for e in callback_receiver.events]
    assert (event["ChangeType"], event["ExternalUserID"], event["State"]) == (
        "add_external_contact", ext, "官网咨询",
    )  # fmt: skip
    deliveries = await (await console.get("/_emulator/deliveries", params={"after": "0"})).json()
    assert [(r["outcome"], ext in r["event_xml"]) for r in deliveries["log"]] == [("ok", True)]
    assert (await (await console.get("/_emulator/deliveries", params={"after": "1"})).json())["log"] == []


@pytest.mark.parametrize(
    ("form", "data", "reason"),
    [
        ("add_customer", {"userid": "nobody", "name": "陈晓燕"}, "员工「nobody」不存在或已停用"),
        ("add_customer", {"userid": "{staff}", "name": " "}, "请填写客户昵称"),
        ("add_customer", {"userid": "{staff}", "name": "陈晓燕", "config_id": "{other_way}"}, "不是渠道"),
        ("add_customer", {"userid": "{staff}", "name": "陈" * 21}, "客户昵称不能超过 20 个字"),
        ("customer_deletes_member", {"userid": "{staff}", "external_userid": "wm0"}, "客户「wm0」不存在"),
        ("customer_deletes_member", {"userid": "{lost_staff}", "external_userid": "{lost}"}, "已流失"),
        ("member_deletes_customer", {"userid": "{staff}", "external_userid": "{stranger}"}, "不是好友"),
        ("edit_remark", {"userid": "{lost_staff}", "external_userid": "{lost}", "remark": ""}, "请填写备注"),
        ("group", {"chat_id": "wr0", "external_userid": "{lost}", "op": "join"}, "客户群「wr0」不存在"),
        ("group", {"chat_id": "{chat}", "external_userid": "{in_chat}", "op": "join"}, "已经在群"),
        ("group", {"chat_id": "{chat}", "external_userid": "{stranger}", "op": "leave"}, "不在群"),
        ("tag", {"op": "create", "group_name": "客户等级", "name": "A类-重点客户"}, "已经有标签「A类"),
        ("tag", {"op": "rename", "tag_id": "etnothing", "name": "新名字"}, "标签「etnothing」不存在"),
        ("tag", {"op": "explode"}, "请选择 新建、改名 或 删除"),
    ],
)  # fmt: skip
async def test_bad_input_is_refused_in_chinese_and_changes_nothing(
    console, emulator: Emulator, demo: DemoCorp, form: str, data: dict[str, str], reason: str
):
    state = emulator.state
    lost = next(f for f in state.follows.values() if f.lost)
    chat = state.group_chats[demo.group_chats[0]]
    in_chat = next(m.userid for m in chat.members if m.type == 2)
    stranger = next(
        ext for ext in state.customers if not state.follows_of_customer(ext) and chat.find(ext) is None
    )
    other_way = next(w for w in state.contact_ways.values() if lost.userid not in w.user)
    values = {
        "{staff}": lost.userid,
        "{lost_staff}": lost.userid,
        "{lost}": lost.external_userid,
        "{stranger}": stranger,
        "{chat}": chat.chat_id,
        "{in_chat}": in_chat,
        "{other_way}": other_way.config_id,
    }
    before = counts(emulator)

    resp = await console.post(
        f"/_emulator/console/{form}", data={k: values.get(v, v) for k, v in data.items()}
    )

    assert resp.status == 400
    [error] = re.findall(r'id="error">(.*?)</div>', await resp.text(), re.S)
    assert error.startswith("操作未执行：") and reason in error
    assert counts(emulator) == before


async def test_each_form_performs_its_user_action(console, emulator: Emulator, demo: DemoCorp):
    state = emulator.state
    follow = next(f for f in state.follows.values() if not f.lost)
    userid, ext = follow.userid, follow.external_userid
    chat = next(c for c in state.group_chats.values() if c.find(ext) is None)
    tag = state.tags_of_group(demo.tag_groups["意向产品"])[0]

    async def post(form: str, **data: str) -> str:
        resp = await console.post(f"/_emulator/console/{form}", data=data)
        assert resp.status == 200, await resp.text()
        return await resp.text()

    await post("edit_remark", userid=userid, external_userid=ext, remark="王总-万科物业")
    assert follow.remark == "王总-万科物业"
    await post("group", chat_id=chat.chat_id, external_userid=ext, op="join")
    assert chat.find(ext) is not None
    await post("group", chat_id=chat.chat_id, external_userid=ext, op="leave")
    assert chat.find(ext) is None
    await post("tag", op="create", group_name="意向产品", name="智能窗帘")
    assert state.find_tag_by_name("智能窗帘", "意向产品") is not None
    await post("tag", op="rename", tag_id=tag.id, name="智能门锁Pro")
    assert tag.name == "智能门锁Pro"
    await post("tag", op="delete", tag_id=tag.id)
    assert tag.deleted
    await post("customer_deletes_member", userid=userid, external_userid=ext)
    assert follow.lost
    html = await post("member_deletes_customer", userid=userid, external_userid=ext)
    assert (userid, ext) not in state.follows
    assert MIRROR.replace("{external_userid}", ext) in html

    sent = [
        (fields(e).get("ChangeType"), fields(e).get("UpdateDetail", "")) for e in emulator.callbacks.events
    ]
    assert sent == [
        ("edit_external_contact", ""), ("update", "add_member"), ("update", "del_member"), ("create", ""),
        ("update", ""), ("delete", ""), ("del_follow_user", ""), ("del_external_contact", ""),
    ]  # fmt: skip


async def test_people_get_avatars_drawn_by_the_emulator(console, emulator: Emulator, demo: DemoCorp):
    admin = emulator.state.members[demo.admin]
    assert admin.avatar == f"http://emulator.example/_emulator/avatar/{demo.admin}.svg"
    resp = await console.get(f"/_emulator/avatar/{demo.admin}.svg")
    assert (resp.status, resp.content_type) == (200, "image/svg+xml")
    assert f">{admin.name[0]}</text>" in await resp.text()
    assert (await console.get("/_emulator/avatar/nobody.svg")).status == 404


async def test_the_mirror_link_pattern_is_part_of_the_config(console):
    assert (await (await console.get("/_emulator/config")).json())["mirror_link"] == MIRROR


def test_a_mirror_link_without_the_customer_placeholder_is_refused(corp: CorpConfig):
    with pytest.raises(ValueError, match="external_userid"):
        Emulator(corp, mirror_link="http://scrm.example/console/customers/")
