"""Garbage sent to every emulated WeCom endpoint gets WeCom's answer: HTTP 200, a JSON errcode, no change."""

from __future__ import annotations

import io
import json
import pickle
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.wecom.emulator import CorpConfig, Emulator
from bot.wecom.emulator.api.fields import Bool, Field, Int, List, Obj, Str
from bot.wecom.emulator.api.routing import ROUTES
from bot.wecom.emulator.mass import create_task


class Corp:
    """A small corp whose ids the valid requests below name."""

    def __init__(self, emulator: Emulator):
        state = emulator.state
        self.agent_id = emulator.corp.agent_id
        state.add_department(2, "销售部")
        state.add_member("zhangsan", "张三", department=[2])
        state.add_member("lisi", "李四")
        self.ext = state.add_customer("王小明", follow=["zhangsan"]).external_userid
        group = state.add_tag_group("客户等级", ["A", "B"])
        self.group_id = group.group_id
        self.tag_a, self.tag_b = (t.id for t in state.tags_of_group(group.group_id))
        self.config_id = state.add_contact_way(["zhangsan"], state="官网").config_id
        self.chat_id = state.add_group_chat("zhangsan", name="客户群", members=[self.ext]).chat_id
        self.msgid = create_task(state, {"sender": "zhangsan"}, {"content": "上新了"}, [])[0].msgid
        self.welcome_code = state.issue_welcome_code("zhangsan", self.ext)
        self.oauth_code = state.issue_oauth_code(userid="zhangsan")
        self.now = state.now()


def valid_requests(c: Corp) -> dict[str, dict[str, Any]]:
    """One request per endpoint that WeCom accepts: each garbage case changes exactly one field of it."""
    link = {"msgtype": "link", "link": {"title": "新品", "url": "https://example.com/p"}}
    return {
        "externalcontact/get_follow_user_list": {},
        "externalcontact/list": {"userid": "zhangsan"},
        "externalcontact/get": {"external_userid": c.ext},
        "externalcontact/batch/get_by_user": {"userid_list": ["zhangsan"], "limit": 10},
        "externalcontact/remark": {"userid": "zhangsan", "external_userid": c.ext, "remark": "老客户"},
        "externalcontact/get_corp_tag_list": {"tag_id": [c.tag_a]},
        "externalcontact/add_corp_tag": {
            "group_name": "来源",
            "order": 1,
            "tag": [{"name": "展会", "order": 2}],
        },
        "externalcontact/edit_corp_tag": {"id": c.tag_a, "name": "A 类", "order": 3},
        "externalcontact/del_corp_tag": {"tag_id": [c.tag_b]},
        "externalcontact/mark_tag": {"userid": "zhangsan", "external_userid": c.ext, "add_tag": [c.tag_a]},
        "externalcontact/add_contact_way": {
            "type": 2,
            "scene": 2,
            "user": ["zhangsan"],
            "party": [2],
            "state": "展会",
            "skip_verify": True,
            "conclusions": {"text": {"content": "你好"}},
        },
        "externalcontact/get_contact_way": {"config_id": c.config_id},
        "externalcontact/update_contact_way": {
            "config_id": c.config_id,
            "remark": "官网",
            "user": ["zhangsan"],
        },
        "externalcontact/del_contact_way": {"config_id": c.config_id},
        "externalcontact/list_contact_way": {"limit": 10},
        "externalcontact/add_msg_template": {
            "sender": "zhangsan",
            "external_userid": [c.ext],
            "text": {"content": "周末活动"},
            "attachments": [link],
        },
        "externalcontact/get_groupmsg_list_v2": {
            "chat_type": "single",
            "start_time": c.now - 86400,
            "end_time": c.now + 60,
        },
        "externalcontact/get_groupmsg_task": {"msgid": c.msgid, "limit": 10},
        "externalcontact/get_groupmsg_send_result": {"msgid": c.msgid, "userid": "zhangsan"},
        "externalcontact/remind_groupmsg_send": {"msgid": c.msgid},
        "externalcontact/cancel_groupmsg_send": {"msgid": c.msgid},
        "externalcontact/send_welcome_msg": {"welcome_code": c.welcome_code, "text": {"content": "欢迎"}},
        "externalcontact/groupchat/list": {"limit": 10, "owner_filter": {"userid_list": ["zhangsan"]}},
        "externalcontact/groupchat/get": {"chat_id": c.chat_id, "need_name": 1},
        "message/send": {
            "agentid": c.agent_id,
            "touser": "zhangsan",
            "msgtype": "text",
            "text": {"content": "有新客户"},
        },
        "user/get": {"userid": "zhangsan"},
        "user/list": {"department_id": 2},
        "department/list": {"id": 1},
        "auth/getuserinfo": {"code": c.oauth_code},
        "get_jsapi_ticket": {},
        "ticket/get": {"type": "agent_config"},
    }


def garbage(field: Field, in_query: bool) -> Iterator[Any]:
    """Values of the wrong type, size or range for `field` (only strings fit in a query string)."""
    if isinstance(field, Int):
        yield from ["abc", "1.5", "1e3", str(10**30), str(field.lo - 1), str(field.hi + 1)]
        if not in_query:
            yield from [1.5, True, [], {}, [1], 10**30, -(10**30)]
        return
    if isinstance(field, Str) and field.chars:
        yield "字" * (field.chars + 1)
    if in_query:
        return
    if isinstance(field, Str):
        yield from [5, 1.5, False, [], ["a"], {"a": 1}]
    elif isinstance(field, Bool):
        yield from ["true", 2, 1.5, [], {}]
    elif isinstance(field, List):
        yield from ["a", 5, {}, True, [None], [[]], [{"a": 1}]]
        yield [5] if isinstance(field.item, Str) else ["abc"]
        if field.max_items and isinstance(field.item, Str | Int):
            yield [1 if isinstance(field.item, Int) else "a"] * (field.max_items + 1)
    elif isinstance(field, Obj):
        yield from ["a", 5, [], True]


# Garbage nested inside objects and lists, where the top-level sweep cannot reach.
NESTED = {
    "externalcontact/add_corp_tag": [
        {"tag": [{"name": "展会", "order": "abc"}]},
        {"tag": [{"name": 5}]},
        {"tag": [{"name": ""}]},
        {"tag": [{"name": "展会", "order": 2**40}]},
        {"tag": [{"name": "字" * 31}]},
        {"tag": ["展会"]},
    ],
    "externalcontact/add_msg_template": [
        {"text": {"content": 5}},
        {"attachments": [{"msgtype": "link", "link": {"title": "t", "url": ["https://e.com"]}}]},
        {"attachments": [{"msgtype": "link", "link": "https://e.com"}]},
        {"attachments": [{"msgtype": "image"}]},
        {"attachments": [{"msgtype": 5}]},
        {"tag_filter": {"group_list": [{"tag_list": "A"}]}},
        {"tag_filter": {"group_list": "A"}},
        {"tag_filter": {"group_list": [{"tag_list": ["a"] * 101}]}},
    ],
    "externalcontact/add_contact_way": [
        {"conclusions": {"text": {"content": []}}},
        {"conclusions": {"link": {"url": 5}}},
        {"party": ["abc"]},
        {"party": [10**30]},
    ],
    "externalcontact/groupchat/list": [
        {"owner_filter": {"userid_list": "zhangsan"}},
        {"owner_filter": {"userid_list": [5]}},
    ],
    "message/send": [
        {"text": {"content": 5}},
        {"textcard": {"title": "t", "description": ["d"]}},
        {"news": {"articles": [{"title": 5}]}},
    ],
    "externalcontact/send_welcome_msg": [
        {"text": {"content": {"a": 1}}},
        {"attachments": [{"msgtype": "link", "link": {"url": 5}}]},
    ],
}


def _cases() -> Iterator[tuple[str, str, Any]]:
    for path, route in sorted(ROUTES.items()):
        for field in route.fields:
            for value in garbage(field, route.method == "GET"):
                yield path, field.name, value


def snapshot(emulator: Emulator) -> bytes:
    """Everything the emulated corp holds, id generator included."""
    state = emulator.state
    return pickle.dumps({k: v for k, v in vars(state).items() if k not in ("clock", "corp")})


class Api:
    def __init__(self, server: TestServer, session: aiohttp.ClientSession, token: str):
        self.server, self.session, self.token = server, session, token

    async def raw(self, path: str, *, method: str = "POST", data: Any = None, **params: Any) -> dict:
        """Send a request; WeCom always answers HTTP 200 with a JSON errcode."""
        url = self.server.make_url(f"/cgi-bin/{path}")
        async with self.session.request(method, url, params=params, data=data) as resp:
            text = await resp.text()
            assert resp.status == 200, f"{path}: HTTP {resp.status} {text[:200]}"
            assert resp.content_type == "application/json", f"{path}: {resp.content_type} {text[:200]}"
        answer = json.loads(text)
        assert isinstance(answer["errcode"], int) and isinstance(answer["errmsg"], str)
        return answer

    async def call(self, path: str, args: dict[str, Any]) -> dict:
        if ROUTES[path].method == "GET":
            return await self.raw(path, method="GET", access_token=self.token, **args)
        return await self.raw(
            path, data=json.dumps(args, ensure_ascii=False).encode(), access_token=self.token
        )


@pytest.fixture
async def api(emulator: Emulator, emulator_server: TestServer, corp: CorpConfig) -> Iterator[Api]:
    async with aiohttp.ClientSession() as session:
        client = Api(emulator_server, session, "")
        answer = await client.raw("gettoken", method="GET", corpid=corp.corp_id, corpsecret=corp.agent_secret)
        client.token = answer["access_token"]
        yield client


@pytest.mark.parametrize("path", sorted(ROUTES))
async def test_wrong_types_sizes_and_ranges_answer_40058_and_change_nothing(
    path: str, emulator: Emulator, api: Api
):
    c = Corp(emulator)
    valid = valid_requests(c)[path]
    cases = [(name, value) for p, name, value in _cases() if p == path]
    cases += [(None, nested) for nested in NESTED.get(path, [])]
    for name, value in cases:
        args = {**valid, name: value} if name else {**valid, **value}
        before = snapshot(emulator)
        answer = await api.call(path, args)
        assert answer["errcode"] in (40058, 45002), f"{path} {name}={value!r}: {answer}"
        assert snapshot(emulator) == before, f"{path} {name}={value!r} changed the corp"
    # The same request with nothing wrong in it goes through: the garbage was the reason.
    assert (await api.call(path, valid))["errcode"] == 0


async def test_every_endpoint_has_a_valid_request(emulator: Emulator):
    assert sorted(valid_requests(Corp(emulator))) == sorted(ROUTES)


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b'"text"',
        b"5",
        b"{not json",
        b"\xff\xfe",
        b'{"group_name": "\\ud800", "tag": [{"name": "x"}]}',  # a lone surrogate: no Unicode text
        b'{"group_name": "g", "tag": [{"name": "x"}], "note": ["\\udfff"]}',  # even where WeCom never reads
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a": NaN',
    ],
)
async def test_a_body_that_is_no_json_object_answers_47001(body: bytes, emulator: Emulator, api: Api):
    Corp(emulator)
    before = snapshot(emulator)
    answer = await api.raw("externalcontact/add_corp_tag", data=body, access_token=api.token)
    assert answer["errcode"] == 47001
    assert snapshot(emulator) == before


async def test_a_body_over_the_size_limit_is_refused_with_an_errcode(emulator: Emulator, api: Api):
    body = json.dumps({"group_name": "来源", "tag": [{"name": "x" * 30}] * 40_000}).encode()
    answer = await api.raw("externalcontact/add_corp_tag", data=io.BytesIO(body), access_token=api.token)
    assert answer["errcode"] == 45002
    assert emulator.state.tag_groups == {}


# -- WeCom's own codes for missing and wrong content ----------------------------------------------


async def test_gettoken_names_the_missing_credential(api: Api, corp: CorpConfig):
    assert (await api.raw("gettoken", method="GET", corpsecret=corp.agent_secret))["errcode"] == 41002
    assert (await api.raw("gettoken", method="GET", corpid=corp.corp_id))["errcode"] == 41004
    assert (await api.raw("gettoken", method="GET", corpid=corp.corp_id, corpsecret=""))["errcode"] == 41004


@pytest.mark.parametrize(
    ("path", "drop", "errcode"),
    [
        ("user/get", "userid", 41009),
        ("externalcontact/list", "userid", 41009),
        ("externalcontact/remark", "userid", 41009),
        ("externalcontact/mark_tag", "userid", 41009),
        ("externalcontact/get_groupmsg_send_result", "userid", 41009),
        ("message/send", "agentid", 41011),
        ("message/send", "msgtype", 40008),
        ("auth/getuserinfo", "code", 41008),
        ("externalcontact/get", "external_userid", 40096),
        ("externalcontact/add_contact_way", "type", 40058),
        ("externalcontact/groupchat/list", "limit", 40058),
    ],
)
async def test_a_missing_parameter_gets_wecoms_code_for_it(
    path: str, drop: str, errcode: int, emulator: Emulator, api: Api
):
    args = valid_requests(Corp(emulator))[path]
    for missing in ({k: v for k, v in args.items() if k != drop}, {**args, drop: ""}, {**args, drop: None}):
        if ROUTES[path].method == "GET" and missing.get(drop) is None and drop in missing:
            continue  # a query string has no null
        before = snapshot(emulator)
        assert (await api.call(path, missing))["errcode"] == errcode, missing
        assert snapshot(emulator) == before


@pytest.mark.parametrize(
    ("content", "errcode"),
    [
        ({"msgtype": "bogus", "bogus": {"content": "x"}}, 40008),
        ({"msgtype": "text", "text": {"content": ""}}, 44004),
        ({"msgtype": "text", "text": {}}, 44004),
        ({"msgtype": "text"}, 44004),
        ({"msgtype": "textcard", "textcard": {"title": "新客户", "url": "https://e.com"}}, 41033),
        ({"msgtype": "textcard", "textcard": {"title": "新客户", "description": "", "url": "u"}}, 41033),
        ({"msgtype": "image"}, 40058),
        ({"msgtype": "text", "text": {"content": "字" * 683}}, 45002),  # 2049 bytes > 2048
        ({"msgtype": "text", "text": {"content": "x"}, "agentid": "abc"}, 40058),
        ({"msgtype": "text", "text": {"content": "x"}, "agentid": 10**30}, 40058),
        ({"msgtype": "text", "text": {"content": "x"}, "agentid": 1}, 40056),
        ({"msgtype": "text", "text": {"content": "x"}, "touser": ["zhangsan"]}, 40058),
        ({"msgtype": "text", "text": {"content": "x"}, "touser": "nobody"}, 81013),
    ],
)
async def test_message_send_checks_content_like_wecom(
    content: dict, errcode: int, emulator: Emulator, api: Api
):
    c = Corp(emulator)
    answer = await api.call("message/send", {"agentid": c.agent_id, "touser": "zhangsan", **content})
    assert answer["errcode"] == errcode, answer
    assert emulator.state.messages == []


async def test_a_party_id_wecom_cannot_read_is_reported_invalid(emulator: Emulator, api: Api):
    c = Corp(emulator)
    body = {"agentid": c.agent_id, "msgtype": "text", "text": {"content": "x"}, "touser": "zhangsan"}
    answer = await api.call("message/send", {**body, "toparty": "2|²|99999999999999999999"})
    assert answer["errcode"] == 0 and answer["invalidparty"] == "²|99999999999999999999"
    answer = await api.call("message/send", {**body, "touser": "", "totag": "1"})
    assert answer["errcode"] == 81013  # the emulated corp has no directory tags


async def test_add_corp_tag_with_a_bad_tag_order_leaves_no_half_made_group(emulator: Emulator, api: Api):
    body = {"group_name": "新分组", "tag": [{"name": "好", "order": 1}, {"name": "坏", "order": "abc"}]}
    assert (await api.call("externalcontact/add_corp_tag", body))["errcode"] == 40058
    assert emulator.state.tag_groups == {} and emulator.state.tags == {}


async def test_the_control_routes_refuse_values_that_would_break_a_later_api_call(
    emulator: Emulator, emulator_server: TestServer, api: Api
):
    base = emulator_server.make_url("/_emulator/")
    async with aiohttp.ClientSession() as http:
        for path, body in [
            ("fail_next", {"path": "user/get", "errcode": -1, "times": "abc"}),
            ("limits", {"batch_userid_max": "abc"}),
            ("limits", {"receive_cap": "forever"}),
            ("clock/advance", {"seconds": "abc"}),
        ]:
            async with http.post(base / path, json=body) as resp:
                assert resp.status == 400, path
        async with http.post(base / "jssdk/send_chat_message", json=["not", "an", "object"]) as resp:
            assert resp.status == 400
    answer = await api.call("externalcontact/batch/get_by_user", {"userid_list": ["ghost"]})
    assert answer["errcode"] == 60011  # the limits and faults above never took hold
