"""Radar visitors: who opens radar pages, named by OAuth (WeChat's official account, or the WeCom app's)
and mapped to a customer by unionid, by what WeCom says, or by the link's recipient."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from aiohttp import ClientSession
from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from yarl import URL

from bot.contacts.models import Customer
from bot.radar.links import LinkSigner
from bot.radar.models import RadarVisitor
from bot.settings import Settings
from bot.wecom.client import WeComClient
from bot.wecom.wechat import WeChatOAuth

COOKIE_KIND = "visitor"


@dataclass(frozen=True)
class Identity:
    """What OAuth said about the person: always an openid (a staff member's is their userid, marked)."""

    openid: str
    unionid: str = ""
    external_userid: str = ""  # when WeCom itself named the customer


def uses_wechat(settings: Settings) -> bool:
    return bool(settings.radar.wechat_app_id)


def authorize_url(settings: Settings, redirect_uri: str, state: str) -> str:
    """The OAuth page that sends the visitor back to redirect_uri with a code (snsapi_base: no prompt)."""
    if uses_wechat(settings):
        base, appid, extra = settings.radar.wechat_oauth_url, settings.radar.wechat_app_id, {}
    else:
        base, appid = settings.wecom.oauth_url, settings.wecom.corp_id
        extra = {"agentid": str(settings.wecom.agent_id)}
    query = {
        "appid": appid,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": "snsapi_base",
        "state": state,
        **extra,
    }
    return str(URL(base).with_query(query).with_fragment("wechat_redirect"))


async def identify(settings: Settings, wecom: WeComClient, http: ClientSession, code: str) -> Identity:
    """Exchange the OAuth code; raises bot.wecom.errors.InvalidCode for a used or stale one."""
    if uses_wechat(settings):
        r = settings.radar
        oauth = WeChatOAuth(
            http, base_url=r.wechat_api_base_url, app_id=r.wechat_app_id, app_secret=r.wechat_app_secret
        )
        data = await oauth.exchange_code(code)
        return Identity(openid=str(data["openid"]), unionid=str(data.get("unionid") or ""))
    data = await wecom.get_user_info_by_code(code)
    if data.get("userid"):  # a staff member opening a radar: never counted as a customer
        return Identity(openid=f"member:{data['userid']}")
    return Identity(openid=str(data["openid"]), external_userid=str(data.get("external_userid") or ""))


async def remember(identity: Identity, recipient: str, now: datetime) -> RadarVisitor:
    """The visitor row for this person, mapped to a customer: the one OAuth names (by external_userid or
    unionid), else the one this openid was mapped to before, else the customer the link was sent to."""
    named = identity.external_userid
    if not named and identity.unionid:
        named = (
            await Customer.filter(unionid=identity.unionid).first().values_list("external_userid", flat=True)
        )
    visitor = await RadarVisitor.get_or_none(openid=identity.openid)
    if visitor is None:
        external_userid = named or _fallback(identity.openid, recipient)
        try:
            return await RadarVisitor.create(
                openid=identity.openid,
                unionid=identity.unionid,
                external_userid=external_userid or "",
                first_seen=now,
                last_seen=now,
            )
        except IntegrityError:  # the same person opened two pages at once
            visitor = await RadarVisitor.get(openid=identity.openid)
    visitor.external_userid = named or visitor.external_userid or _fallback(identity.openid, recipient)
    visitor.unionid = identity.unionid or visitor.unionid
    visitor.last_seen = now
    await visitor.save(update_fields=["external_userid", "unionid", "last_seen"])
    return visitor


def _fallback(openid: str, recipient: str) -> str:
    return "" if openid.startswith("member:") else recipient


@dataclass(frozen=True, slots=True)
class Known:
    """A visitor as a page open reads them (the RadarVisitor fields it needs, without a model to build)."""

    id: int
    openid: str
    external_userid: str


async def known(visitor_id: int, recipient: str) -> Known | None:
    """A visitor remembered by their cookie; an unmapped one takes the link's recipient, as after OAuth."""
    return (await known_many(connections.get("default"), [(visitor_id, recipient)]))[0]


async def known_many(connection: BaseDBAsyncClient, cookies: list[tuple[int, str]]) -> list[Known | None]:
    """known() for (visitor id, link recipient) pairs read together (one SELECT), in order, as if one by
    one: the first pair that maps a visitor maps it for the pairs after it."""
    dialect = connection.capabilities.dialect
    ids = sorted({visitor_id for visitor_id, _ in cookies})
    if dialect == "postgres":
        sql, params = f"{_SELECT_VISITORS} WHERE id = ANY($1::bigint[])", [ids]
    else:
        sql, params = f"{_SELECT_VISITORS} WHERE id IN (SELECT value FROM json_each(?))", [json.dumps(ids)]
    _, rows = await connection.execute_query(sql, params)
    visitors = {row[0]: Known(*tuple(row)) for row in rows}
    found: list[Known | None] = []
    mapped: list[list] = []
    for visitor_id, recipient in cookies:
        visitor = visitors.get(visitor_id)
        if visitor is not None and not visitor.external_userid and _fallback(visitor.openid, recipient):
            visitor = visitors[visitor_id] = Known(visitor.id, visitor.openid, recipient)
            mapped.append([recipient, visitor.id])
        found.append(visitor)
    if mapped:
        mark = ("$1", "$2") if dialect == "postgres" else ("?", "?")
        await connection.execute_many(
            f"UPDATE radar_visitor SET external_userid = {mark[0]} WHERE id = {mark[1]}", mapped
        )
    return found


_SELECT_VISITORS = "SELECT id, openid, external_userid FROM radar_visitor"


def cookie_for(signer: LinkSigner, visitor: RadarVisitor | Known) -> str:
    return signer.seal(COOKIE_KIND, str(visitor.id))


def visitor_id_in(signer: LinkSigner, cookie: str | None) -> int | None:
    value = signer.unseal(COOKIE_KIND, cookie) if cookie else None
    return int(value) if value and value.isdigit() else None
