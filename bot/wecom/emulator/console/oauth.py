"""The stand-in for the OAuth authorize page (WeCom's and WeChat's), with its picker of who is signing in."""

from __future__ import annotations

from aiohttp import web
from yarl import URL

from ..actions import ActionError
from ..appkey import EMULATOR_KEY
from .render import render


async def oauth_authorize(request: web.Request) -> web.Response:
    """Stands in for open.weixin.qq.com's authorize page, for the WeCom app (appid = corp id, or none) and
    for the official account WeChat users meet (appid = its wx id): redirect with a code for the given
    identity (userid, external_userid or stranger), or let the person pick one."""
    query = request.query
    redirect_uri = query.get("redirect_uri")
    if not redirect_uri:
        raise web.HTTPBadRequest(text="redirect_uri is required")
    emu = request.app[EMULATOR_KEY]
    corp = emu.corp
    appid = query.get("appid") or corp.corp_id
    if appid not in (corp.corp_id, corp.wechat_app_id):
        raise web.HTTPBadRequest(text="appid 参数错误")
    wechat = appid != corp.corp_id
    if wechat and query.get("userid"):
        raise web.HTTPBadRequest(text="公众号网页授权只认识微信用户：请选客户或陌生访客")
    if not (query.get("userid") or query.get("external_userid") or query.get("stranger")):
        return identity_picker(request, members=not wechat)
    try:
        code = emu.actions.oauth_login(
            userid=query.get("userid") or None,
            external_userid=query.get("external_userid") or None,
            stranger=query.get("stranger") or None,
            appid=appid,
        )["code"]
    except ActionError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None
    target = URL(redirect_uri).update_query(code=code, state=query.get("state", ""))
    raise web.HTTPFound(target)


def identity_picker(request: web.Request, members: bool = True) -> web.Response:
    """WeCom and WeChat know who opens an OAuth link; a browser outside them does not, so the person picks
    a member (WeCom app only), one of the latest customers, or a stranger (a WeChat user who is no
    customer)."""
    emu = request.app[EMULATOR_KEY]
    departments = {d.id: d.name for d in emu.state.departments.values()}
    staff = [
        {
            "href": str(request.rel_url.update_query(userid=m.userid)),
            "name": m.name,
            "userid": m.userid,
            "department": "、".join(departments.get(d, str(d)) for d in m.department),
            "position": m.position,
        }
        for m in sorted(
            (m for m in emu.state.members.values() if m.status == 1),
            key=lambda m: (m.department[0] if m.department else 0, m.userid),
        )
    ]
    latest: dict[str, int] = {}
    for follow in emu.state.follows.values():
        latest[follow.external_userid] = max(latest.get(follow.external_userid, 0), follow.createtime)
    customers = [
        {
            "href": str(request.rel_url.update_query(external_userid=c.external_userid)),
            "name": c.name,
            "external_userid": c.external_userid,
        }
        for c in sorted(
            emu.state.customers.values(), key=lambda c: (-latest.get(c.external_userid, 0), c.external_userid)
        )[:50]
    ]
    strangers = [
        {"href": str(request.rel_url.update_query(stranger=key)), "name": f"陌生访客{label}"}
        for key, label in (("1", "甲"), ("2", "乙"))
    ]
    return render(
        "emulator/pick_identity.html",
        members=staff if members else None,
        customers=customers,
        strangers=strangers,
    )


def setup_oauth_routes(app: web.Application) -> None:
    app.router.add_get("/_emulator/oauth/authorize", oauth_authorize, name="emulator_oauth_authorize")
