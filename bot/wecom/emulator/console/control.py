"""Control and inspection endpoints under /_emulator/: state snapshots, user actions, fault injection."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, fields
from functools import partial
from typing import Any

from aiohttp import web

from ..actions import ACTION_NAMES, ActionError, run_action
from ..api.groups import groupchat_json
from ..appkey import EMULATOR_KEY, EmulatorParts
from ..callbacks import CallbackVerificationFailed
from ..mass import RECEIVE_CAPS
from ..models import Limits

_LIMIT_FIELDS = {f.name for f in fields(Limits)}
_dumps = partial(json.dumps, ensure_ascii=False)


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=_dumps)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return _is_int(value) or isinstance(value, float)


def _emu(request: web.Request) -> EmulatorParts:
    return request.app[EMULATOR_KEY]


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="body is not JSON") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="body is not a JSON object")
    return body


# -- inspection ----------------------------------------------------------------------------------


async def config(request: web.Request) -> web.Response:
    emu = _emu(request)
    return _json(
        {
            **emu.corp.as_dict(),
            "callback_url": emu.callbacks.url,
            "mirror_link": emu.mirror_link,
            "limits": asdict(emu.state.limits),
        }
    )


async def calls(request: web.Request) -> web.Response:
    return _json(dict(_emu(request).gateway.calls))


async def customers(request: web.Request) -> web.Response:
    state = _emu(request).state
    return _json([state.customer_view(ext) for ext in state.customers])


async def customer(request: web.Request) -> web.Response:
    state = _emu(request).state
    ext = request.match_info["external_userid"]
    if ext not in state.customers:
        raise web.HTTPNotFound(text=f"no customer {ext}")
    return _json(state.customer_view(ext))


async def relation(request: web.Request) -> web.Response:
    state = _emu(request).state
    key = (request.match_info["userid"], request.match_info["external_userid"])
    if key not in state.follows:
        raise web.HTTPNotFound(text="no such relation")
    return _json(state.relation_view(state.follows[key]))


async def members(request: web.Request) -> web.Response:
    return _json([asdict(m) for m in _emu(request).state.members.values()])


async def departments(request: web.Request) -> web.Response:
    return _json([asdict(d) for d in _emu(request).state.departments.values()])


async def tags(request: web.Request) -> web.Response:
    state = _emu(request).state
    return _json(
        [
            {**asdict(g), "tags": [asdict(t) for t in state.tags_of_group(g.group_id, include_deleted=True)]}
            for g in state.tag_groups.values()
        ]
    )


async def groupchats(request: web.Request) -> web.Response:
    state = _emu(request).state
    return _json(
        [
            {**groupchat_json(c, True), "status": c.status, "dismissed": c.dismissed}
            for c in state.group_chats.values()
        ]
    )


async def contact_ways(request: web.Request) -> web.Response:
    return _json([asdict(w) for w in _emu(request).state.contact_ways.values()])


async def mass_tasks(request: web.Request) -> web.Response:
    return _json([asdict(t) for t in _emu(request).state.mass_tasks.values()])


async def messages(request: web.Request) -> web.Response:
    return _json(_emu(request).state.messages)


# The sidebar's JS-SDK stand-in runs on the server's page (another origin) and reports here.
_CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": "Content-Type"}


async def chat_messages(request: web.Request) -> web.Response:
    return _json(_emu(request).state.chat_messages)


async def send_chat_message(request: web.Request) -> web.Response:
    """What the WeCom client does on sendChatMessage: the member sends the message into the open chat."""
    if request.method == "OPTIONS":
        return web.Response(headers=_CORS)
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return web.json_response({"errMsg": "sendChatMessage:fail invalid json"}, status=400, headers=_CORS)
    msgtype = body.get("msgtype")
    emu = _emu(request)
    if msgtype not in {"text", "image", "video", "file", "news", "miniprogram"}:
        return web.json_response(
            {"errMsg": "sendChatMessage:fail invalid msgtype"}, status=400, headers=_CORS
        )
    news = body.get("news")
    if msgtype == "news" and not (isinstance(news, dict) and news.get("link")):
        return web.json_response(
            {"errMsg": "sendChatMessage:fail news.link required"}, status=400, headers=_CORS
        )
    userid = body.get("userid")
    if not (isinstance(userid, str) and userid in emu.state.members) or not (
        body.get("external_userid") or body.get("chat_id")
    ):
        return web.json_response(
            {"errMsg": "sendChatMessage:fail without context of external contact"}, status=400, headers=_CORS
        )
    emu.state.chat_messages.append({**body, "time": emu.state.now()})
    return web.json_response({"errMsg": "sendChatMessage:ok"}, headers=_CORS)


async def welcome_messages(request: web.Request) -> web.Response:
    return _json(_emu(request).state.welcome_messages)


async def deliveries(request: web.Request) -> web.Response:
    """Every delivery attempt; `?after=N` skips the first N log entries (the console polls with it)."""
    sender = _emu(request).callbacks
    try:
        after = max(0, int(request.query.get("after", 0)))
    except ValueError:
        raise web.HTTPBadRequest(text="after must be an integer") from None
    return _json({"stats": dict(sender.stats), "total": len(sender.log), "log": sender.log_dicts(after)})


# -- control -------------------------------------------------------------------------------------


async def configure_callback(request: web.Request) -> web.Response:
    url = (await _body(request)).get("url")
    if not isinstance(url, str) or not url:
        raise web.HTTPBadRequest(text="url is required")
    try:
        await _emu(request).callbacks.configure(url)
    except CallbackVerificationFailed as exc:
        return _json({"ok": False, "error": str(exc)}, status=400)
    return _json({"ok": True, "url": url})


async def drain(request: web.Request) -> web.Response:
    emu = _emu(request)
    await emu.callbacks.drain()
    return _json({"ok": True, "stats": dict(emu.callbacks.stats)})


async def expire_tokens(request: web.Request) -> web.Response:
    _emu(request).gateway.expire_tokens()
    return _json({"ok": True})


async def fail_next(request: web.Request) -> web.Response:
    body = await _body(request)
    times = body.get("times", 1)
    # Checked here: a bad value would only fail later, inside a WeCom API call.
    if times is not None and not (_is_int(times) and times >= 1):
        raise web.HTTPBadRequest(text="times must be a positive integer or null (every call)")
    try:
        _emu(request).gateway.fail_next(str(body["path"]), int(body["errcode"]), times)
    except (KeyError, TypeError, ValueError):
        raise web.HTTPBadRequest(text="path and errcode are required") from None
    return _json({"ok": True})


async def clear_faults(request: web.Request) -> web.Response:
    _emu(request).gateway.clear_faults()
    return _json({"ok": True})


async def advance_clock(request: web.Request) -> web.Response:
    clock = _emu(request).clock
    if not hasattr(clock, "advance"):
        raise web.HTTPConflict(text="this emulator runs on a clock that cannot be advanced")
    seconds = (await _body(request)).get("seconds", 0)
    if not (_is_number(seconds) and math.isfinite(seconds)):
        raise web.HTTPBadRequest(text="seconds must be a number")
    clock.advance(float(seconds))
    return _json({"ok": True, "now": clock()})


async def set_limits(request: web.Request) -> web.Response:
    limits = _emu(request).state.limits
    body = await _body(request)
    unknown = set(body) - _LIMIT_FIELDS
    if unknown:
        raise web.HTTPBadRequest(text=f"unknown limits: {sorted(unknown)}")
    for key, value in body.items():
        current = getattr(limits, key)
        if isinstance(current, str):
            fits = value in RECEIVE_CAPS
        else:
            fits = (_is_int(value) if isinstance(current, int) else _is_number(value)) and value >= 0
        if not fits:
            raise web.HTTPBadRequest(text=f"limit {key} cannot be {value!r}")
    for key, value in body.items():
        setattr(limits, key, value)
    return _json(asdict(limits))


async def action(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if name not in ACTION_NAMES:
        raise web.HTTPNotFound(text=f"no action {name}")
    kwargs = await _body(request)
    try:
        result = run_action(_emu(request).actions, name, kwargs)
    except ActionError as exc:
        return _json({"error": str(exc)}, status=400)
    return _json(result)


def route_name(path: str) -> str:
    return "emulator_" + path.replace("/", "_").replace("{", "").replace("}", "")


def setup_control_routes(app: web.Application) -> None:
    r = app.router
    for path, handler in [
        ("config", config),
        ("calls", calls),
        ("customers", customers),
        ("customers/{external_userid}", customer),
        ("relations/{userid}/{external_userid}", relation),
        ("members", members),
        ("departments", departments),
        ("tags", tags),
        ("groupchats", groupchats),
        ("contact_ways", contact_ways),
        ("mass_tasks", mass_tasks),
        ("messages", messages),
        ("chat_messages", chat_messages),
        ("welcome_messages", welcome_messages),
        ("deliveries", deliveries),
    ]:
        r.add_get(f"/_emulator/{path}", handler, name=route_name(path))
    for path, handler in [
        ("callback", configure_callback),
        ("drain", drain),
        ("expire_tokens", expire_tokens),
        ("fail_next", fail_next),
        ("clear_faults", clear_faults),
        ("clock/advance", advance_clock),
        ("limits", set_limits),
        ("actions/{name}", action),
    ]:
        r.add_post(f"/_emulator/{path}", handler, name=route_name(path))
    r.add_route(
        "*", "/_emulator/jssdk/send_chat_message", send_chat_message, name="emulator_send_chat_message"
    )
