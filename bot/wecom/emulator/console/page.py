"""The emulator console at /_emulator/: a person performs user actions and watches the callbacks go out."""

from __future__ import annotations

import hashlib
import heapq
from collections import Counter
from typing import Any

from aiohttp import web
from markupsafe import escape

from ..actions import ActionError, run_action
from ..appkey import EMULATOR_KEY, EmulatorParts
from .forms import FORMS, FormError, Planned
from .render import mirror_url, render

RECENT_CUSTOMERS = 30
RECENT_DELIVERIES = 30


def overview(emu: EmulatorParts) -> dict[str, Any]:
    """What the page lists: staff with their customer counts, recent customers, groups, tags, channels."""
    state = emu.state
    live, lost = Counter(), Counter()
    for follow in state.follows.values():
        (lost if follow.lost else live)[follow.userid] += 1
    dept_name = {d.id: d.name for d in state.departments.values()}
    staff = [
        {
            "member": m,
            "departments": "、".join(dept_name.get(d, str(d)) for d in m.department),
            "leads": "、".join(dept_name.get(d, str(d)) for d in m.is_leader_in_dept),
            "customers": live[m.userid],
            "lost": lost[m.userid],
        }
        for m in state.members.values()
    ]
    recent = heapq.nlargest(RECENT_CUSTOMERS, state.follows.values(), key=lambda f: f.createtime)
    members = state.members
    return {
        "corp_id": emu.corp.corp_id,
        "callback_url": emu.callbacks.url,
        "counts": {
            "staff": len(members),
            "customers": len(state.customers),
            "relations": len(state.follows),
            "lost": sum(lost.values()),
            "groups": sum(1 for c in state.group_chats.values() if not c.dismissed),
            "tags": sum(1 for t in state.tags.values() if not t.deleted),
        },
        "staff": staff,
        "recent": [
            {
                "follow": f,
                "customer": state.customers[f.external_userid],
                "staff": members[f.userid].name if f.userid in members else f.userid,
                "link": mirror_url(emu.mirror_link, f.external_userid),
            }
            for f in recent
        ],
        "groups": [
            {
                "chat": c,
                "owner": members[c.owner].name if c.owner in members else c.owner,
                "customers": sum(1 for m in c.members if m.type == 2),
            }
            for c in sorted(state.group_chats.values(), key=lambda c: -c.create_time)
            if not c.dismissed
        ],
        "tag_groups": [(g, state.tags_of_group(g.group_id)) for g in state.live_groups()],
        "ways": [
            {"way": w, "users": "、".join(members[u].name for u in w.user if u in members)}
            for w in state.contact_ways.values()
        ],
        "mirror_link": emu.mirror_link or "",
        "deliveries_after": max(0, len(emu.callbacks.log) - RECENT_DELIVERIES),
    }


def _render(request: web.Request, status: int = 200, **extra: Any) -> web.Response:
    router = request.app.router

    def url(name: str, **parts: str) -> str:
        return str(router[name].url_for(**parts))

    return render("emulator/console.html", status, url=url, **overview(request.app[EMULATOR_KEY]), **extra)


async def console(request: web.Request) -> web.Response:
    return _render(request)


async def console_form(request: web.Request) -> web.Response:
    """Run one form: bad input re-renders the page with the reason (400) and changes nothing."""
    emu = request.app[EMULATOR_KEY]
    plan = FORMS.get(request.match_info["form"])
    if plan is None:
        raise web.HTTPNotFound(text="no such form")
    form = await request.post()
    try:
        planned: Planned = plan(emu.state, {k: str(v) for k, v in form.items()})
        result = run_action(emu.actions, planned.action, planned.kwargs)
    except (FormError, ActionError) as exc:
        message = str(exc) if isinstance(exc, FormError) else f"WeCom 拒绝了这个操作：{exc}"
        return _render(request, status=400, error=message, form=dict(form))
    ext = planned.external_userid or result.get("external_userid", "")
    done = {
        "summary": planned.summary,
        "action": planned.action,
        "external_userid": ext,
        "link": mirror_url(emu.mirror_link, ext) if ext in emu.state.customers else "",
        "result": result,
    }
    return _render(request, done=done)


async def avatar(request: web.Request) -> web.Response:
    """An SVG avatar with the person's first character: the demo has no internet for real pictures."""
    state = request.app[EMULATOR_KEY].state
    key = request.match_info["key"]
    person = state.members.get(key) or state.customers.get(key)
    if person is None:
        raise web.HTTPNotFound(text=f"no member or customer {key}")
    initial = next((ch for ch in person.name if ch.isalnum()), "?")
    hue = int(hashlib.md5(key.encode()).hexdigest()[:4], 16) % 360
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96">'
        f'<rect width="96" height="96" rx="12" fill="hsl({hue},55%,55%)"/>'
        '<text x="48" y="62" font-size="44" text-anchor="middle" fill="#fff" '
        f'font-family="PingFang SC, Microsoft YaHei, sans-serif">{escape(initial)}</text></svg>'
    )
    return web.Response(
        text=svg, content_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"}
    )


def setup_page_routes(app: web.Application) -> None:
    app.router.add_get("/_emulator/", console, name="emulator_console")
    app.router.add_post("/_emulator/console/{form}", console_form, name="emulator_console_form")
    app.router.add_get("/_emulator/avatar/{key}.svg", avatar, name="emulator_avatar")
