"""One radar visit as the staff member it was reported to sees it: who opened which radar, whose customer they
are, through whose shares it reached them, how long and how far they read. A radar alert's 详情 leads here.

The right to see it comes from the visit, not from the customer scope: a customer who came through a share
is often a colleague's, and the member whose send began the chain still hears of them. So the page shows
only what the visit says and what anyone may know of a customer (WeChat name and avatar, who follows them),
never a colleague's remark or notes; the viewer's own remark is theirs to see.
"""

from __future__ import annotations

from typing import Any

from bot.contacts.models import Customer, FollowRelation, Member
from bot.radar.models import Radar, RadarAlert, RadarVisit

NON_FRIEND = "非好友访客"


async def visit_card(userid: str, visit_id: int) -> dict[str, Any] | None:
    """The visit for `userid`; None when it does not exist or was never theirs to hear of (neither did their
    send begin its chain nor was an alert about it addressed to them): the page answers 404 alike."""
    visit = await RadarVisit.get_or_none(id=visit_id).prefetch_related("radar")
    if visit is None:
        return None
    if visit.userid != userid and not await RadarAlert.exists(visit_id=visit.id, userid=userid, notify=True):
        return None
    ids = [int(i) for i in visit.path or ()]
    if not ids or ids[-1] != visit.id:
        ids.append(visit.id)
    chain = {v.id: v for v in await RadarVisit.filter(id__in=ids)}
    people = await _people({v.external_userid for v in chain.values()}, userid)
    path = [_person(people, chain[i].external_userid) | {"level": chain[i].level} for i in ids if i in chain]
    followers = []
    if visit.external_userid:
        relations = FollowRelation.filter(customer_id=visit.external_userid, status=FollowRelation.ACTIVE)
        follower_ids = sorted(await relations.values_list("userid", flat=True))
        names = dict(await Member.filter(userid__in=follower_ids).values_list("userid", "name"))
        followers = [{"userid": u, "name": names.get(u) or u, "me": u == userid} for u in follower_ids]
    radar: Radar = visit.radar
    return {
        "id": visit.id,
        "radar": {"title": radar.title, "type": radar.type, "deleted": radar.deleted_at is not None},
        "visitor": _person(people, visit.external_userid),
        "followers": followers,
        "mine": any(f["me"] for f in followers),
        "sender": {"userid": visit.userid, "name": await _member_name(visit.userid)},
        "path": path,
        "level": visit.level,
        "channel": visit.channel,
        "opened_at": visit.opened_at,
        # a link radar only redirects: there is no viewing time or progress to speak of
        "tracked": radar.type != Radar.LINK,
        "duration": visit.duration,
        "progress": visit.progress,
        "shares": visit.shares,
    }


async def _people(external_userids: set[str], userid: str) -> dict[str, dict[str, str]]:
    """Name (after the viewer's own remark, as in a radar alert: 老客户（孙悟空）) and avatar per customer."""
    wanted = sorted(e for e in external_userids if e)
    rows = await Customer.filter(external_userid__in=wanted).values_list("external_userid", "name", "avatar")
    remarks = dict(
        await FollowRelation.filter(customer_id__in=wanted, userid=userid)
        .exclude(remark="")
        .values_list("customer_id", "remark")
    )
    people = {}
    for external_userid, name, avatar in rows:
        name = name or external_userid
        remark = remarks.get(external_userid, "")
        label = f"{remark}（{name}）" if remark and remark != name else name
        people[external_userid] = {"name": label, "avatar": avatar or ""}
    return people


def _person(people: dict[str, dict[str, str]], external_userid: str) -> dict[str, Any]:
    found = people.get(external_userid) if external_userid else None
    if found is None:  # not a customer of the corp (or not mirrored yet)
        return {"external_userid": "", "name": NON_FRIEND, "avatar": "", "customer": False}
    return {"external_userid": external_userid, **found, "customer": True}


async def _member_name(userid: str) -> str:
    member = await Member.get_or_none(userid=userid)
    return member.name if member and member.name else userid
