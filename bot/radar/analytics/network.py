"""A radar customer's source path (来源路径), share network (社交关系网), and batch tagging."""

from __future__ import annotations

import json
from collections.abc import Sequence

from bot.contacts import edits as customer_edits
from bot.contacts.models import Customer, FollowRelation, Member, Tag
from bot.radar.analytics import queries as sql
from bot.radar.analytics.queries import when
from bot.radar.models import Radar, RadarVisit
from bot.values import InvalidInput

NETWORK_LIMIT = 2000  # visits drawn at most: a larger tree is cut, and the page says so
BATCH_MAX = 200  # customers tagged in one request (one WeCom call each)
NON_FRIEND = "非好友访客"


async def _names(external_userids) -> dict[str, tuple[str, str]]:
    wanted = {e for e in external_userids if e}
    rows = await Customer.filter(external_userid__in=wanted).values_list("external_userid", "name", "avatar")
    return {e: (name or e, avatar or "") for e, name, avatar in rows}


async def _member(userid: str) -> str:
    member = await Member.get_or_none(userid=userid)
    return member.name if member else userid


async def source_path(radar: Radar, external_userid: str) -> dict | None:
    """From the staff member's send through each sharer down to the customer's own visit at their lowest
    level; None when the customer never visited the radar."""
    entry = await sql.entry_visit(radar.id, external_userid)
    if entry is None:
        return None
    path = entry["path"]
    ids = [int(i) for i in (path if isinstance(path, list) else json.loads(path or "[]"))]
    if not ids or ids[-1] != int(entry["id"]):
        ids.append(int(entry["id"]))
    visits = {v.id: v for v in await RadarVisit.filter(id__in=ids)}
    names = await _names(v.external_userid for v in visits.values())
    steps = []
    for i in ids:
        visit = visits.get(i)
        if visit is None:
            continue
        name, avatar = names.get(visit.external_userid, (NON_FRIEND, ""))
        steps.append(
            {
                "level": visit.level,
                "external_userid": visit.external_userid,
                "name": name,
                "avatar": avatar,
                "opened_at": visit.opened_at,
            }
        )
    return {"userid": entry["userid"], "member_name": await _member(entry["userid"]), "steps": steps}


async def network(radar: Radar, external_userid: str) -> dict | None:
    """The customer's share tree as a graph: a node per person (customers by name, non-friends as 非好友访客),
    an edge per sharer and visitor with how many visits it brought and when the first and last came."""
    rows = await sql.share_tree(radar.id, external_userid, NETWORK_LIMIT + 1)
    if not rows:
        return None
    truncated = len(rows) > NETWORK_LIMIT
    rows = rows[:NETWORK_LIMIT]

    def key(ext, visitor) -> str:
        return ext or f"visitor:{visitor}"

    nodes: dict[str, dict] = {}
    edges: dict[tuple[str, str], dict] = {}
    for r in rows:
        me = key(r["external_userid"], r["visitor_id"])
        node = nodes.setdefault(me, {"id": me, "external_userid": r["external_userid"], "visits": 0})
        node["visits"] += 1
        # the customer's own visits are the roots: whoever shared to them is upstream, not in this tree
        if r["parent_visitor"] is None or r["external_userid"] == external_userid:
            continue
        parent = key(r["parent_external_userid"], r["parent_visitor"])
        if parent == me:  # someone opening their own shared link
            continue
        at = when(r["opened_at"])
        edge = edges.setdefault((parent, me), {"source": parent, "target": me, "count": 0, "first": at})
        edge["count"] += 1
        edge["first"], edge["last"] = min(edge["first"], at), max(edge.get("last", at), at)
    names = await _names(n["external_userid"] for n in nodes.values())
    for node in nodes.values():
        node["name"], node["avatar"] = names.get(node["external_userid"], (NON_FRIEND, ""))
        node["root"] = node["external_userid"] == external_userid
    used = {e["source"] for e in edges.values()} | {e["target"] for e in edges.values()} | {external_userid}
    return {
        "nodes": [n for n in nodes.values() if n["id"] in used],
        "edges": list(edges.values()),
        "truncated": truncated,
    }


async def batch_tag(wecom, radar: Radar, external_userids: Sequence[str], tag_id: str) -> dict:
    """Add a corp tag to each chosen customer through WeCom (mark_tag), as the staff member who sent them
    the radar when that member still follows them, else as another follower. Returns who was tagged and,
    for the others, why not."""
    chosen = list(dict.fromkeys(e for e in external_userids if e))
    if not chosen:
        raise InvalidInput("external_userid", "请先选择要打标签的客户。")
    if len(chosen) > BATCH_MAX:
        raise InvalidInput("external_userid", f"一次最多给 {BATCH_MAX} 位客户打标签。")
    tag = await Tag.get_or_none(tag_id=tag_id, deleted=False)
    if tag is None:
        raise InvalidInput("tag", "请选择一个现有的标签。")
    senders = dict(
        await RadarVisit.filter(radar_id=radar.id, external_userid__in=chosen)
        .order_by("id")
        .values_list("external_userid", "userid")
    )  # the latest visit's member wins: later rows overwrite earlier ones
    followers: dict[str, list[str]] = {}
    for ext, userid in await FollowRelation.filter(
        customer_id__in=chosen, status=FollowRelation.ACTIVE
    ).values_list("customer_id", "userid"):
        followers.setdefault(ext, []).append(userid)
    tagged, refused = [], {}
    for ext in chosen:
        if ext not in senders:
            refused[ext] = "该客户没有访问过这个雷达。"
            continue
        mine = followers.get(ext, [])
        if not mine:
            refused[ext] = "该客户已没有跟进的员工，无法打标签。"
            continue
        userid = senders[ext] if senders[ext] in mine else sorted(mine)[0]
        try:
            await customer_edits.change_tags(wecom, userid, ext, add=[tag.tag_id])
        except customer_edits.EditRefused as exc:
            refused[ext] = str(exc)
            continue
        tagged.append(ext)
    return {"tag": tag.name, "tagged": tagged, "refused": refused}
