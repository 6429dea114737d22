"""A believable demo corp for the emulator: directory, tags, channel codes, customers and groups, per seed.

`populate()` writes the emulator's state directly, as if the corp had used WeCom for 18 months; our server
learns it only through the API (sync). `DemoCorp.play()` then acts like people do, through user actions,
so live callbacks flow.
"""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import seed_names as names
from .actions import ActionError, UserActions
from .seed_names import customer_profile, mobile, person_name, random_id, remark_for
from .state import CorpState

_DAY = 86400
HISTORY_DAYS = 540  # customers were added over the last ~18 months
_SHANGHAI = 8 * 3600


@dataclass
class DemoCorp:
    """Who is who in the seeded corp (for settings and tests) and the counts that were seeded."""

    admin: str  # the 运营经理: meant as the SCRM admin
    department_admins: dict[str, int]  # userid -> the department they lead
    staff: list[str]
    channels: dict[str, str]  # contact-way state -> config_id
    tag_groups: dict[str, str]  # group name -> group_id
    group_chats: list[str]
    customers: int = 0
    relations: int = 0
    lost: int = 0  # relations the customer ended (del_follow_user): the member still lists them
    deleted: int = 0  # customers a member deleted: WeCom keeps no relation, so sync never sees them
    seed: int = 0
    avatar_base: str = ""
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    def play(self, actions: UserActions, n: int = 10) -> list[dict[str, Any]]:
        """Perform `n` everyday user actions; each changes the emulator's state and sends its callback."""
        done = []
        plays = list(_PLAYS)
        weights = [w for _, w in _PLAYS.values()]
        for _ in range(n):
            for _attempt in range(5):  # a pick can find nothing to act on (no live relation): pick again
                name = self._rng.choices(plays, weights)[0]
                try:
                    result = _PLAYS[name][0](self, actions)
                except ActionError:  # someone changed the corp meanwhile (a member disabled in the console)
                    continue
                if result is not None:
                    done.append({"action": name, **result})
                    break
        return done

    # -- the plays --------------------------------------------------------------------------------

    def _add_through_channel(self, actions: UserActions) -> dict[str, Any] | None:
        rng, state = self._rng, actions.state
        channel = rng.choice(list(self.channels))
        way = state.contact_ways.get(self.channels[channel])
        if way is None or not way.user:
            return None
        userid = rng.choice(way.user)
        profile = customer_profile(rng)
        if self.avatar_base:
            profile["avatar"] = avatar_url(self.avatar_base, profile["external_userid"])
        return actions.customer_adds_member(userid, profile, state=channel)

    def _edit_tags(self, actions: UserActions) -> dict[str, Any] | None:
        follow = self._live_follow(actions.state)
        if follow is None:
            return None
        group_id = self.tag_groups["客户阶段"]
        stage = [t.id for t in actions.state.tags_of_group(group_id)]
        fresh = [t for t in stage if t not in follow.tag_ids]
        if not fresh:
            return None
        new = self._rng.choice(fresh)  # the customer moves on to another stage
        result = actions.member_edits_customer(
            follow.userid,
            follow.external_userid,
            add_tags=[new],
            remove_tags=[t for t in follow.tag_ids if t in stage and t != new],
        )
        return {**result, "userid": follow.userid, "external_userid": follow.external_userid}

    def _edit_remark(self, actions: UserActions) -> dict[str, Any] | None:
        follow = self._live_follow(actions.state)
        if follow is None:
            return None
        customer = actions.state.customers[follow.external_userid]
        remark = (
            remark_for(self._rng, customer.name, customer.gender, customer.corp_name) or customer.name[:20]
        )
        result = actions.member_edits_customer(
            follow.userid,
            follow.external_userid,
            remark=remark,
            description=self._rng.choice(names.DESCRIPTIONS),
        )
        return {**result, "userid": follow.userid, "external_userid": follow.external_userid}

    def _join_group(self, actions: UserActions) -> dict[str, Any] | None:
        chat = actions.state.group_chats.get(self._rng.choice(self.group_chats))
        follow = self._live_follow(actions.state)
        if chat is None or chat.dismissed or follow is None or chat.find(follow.external_userid):
            return None
        return actions.customer_joins_group(chat.chat_id, follow.external_userid, join_scene=3)

    def _leave_group(self, actions: UserActions) -> dict[str, Any] | None:
        chat = actions.state.group_chats.get(self._rng.choice(self.group_chats))
        if chat is None or chat.dismissed:
            return None
        externals = [m.userid for m in chat.members if m.type == 2]
        if not externals:
            return None
        return actions.customer_leaves_group(chat.chat_id, self._rng.choice(externals))

    def _customer_deletes(self, actions: UserActions) -> dict[str, Any] | None:
        follow = self._live_follow(actions.state)
        if follow is None:
            return None
        return actions.customer_deletes_member(follow.userid, follow.external_userid)

    def _member_deletes(self, actions: UserActions) -> dict[str, Any] | None:
        follow = self._live_follow(actions.state)
        if follow is None:
            return None
        return actions.member_deletes_customer(follow.userid, follow.external_userid)

    def _live_follow(self, state: CorpState):
        for _ in range(20):  # a random pick is almost always live: lost relations are a few per cent
            key = self._rng.choice(list(state.follows)) if state.follows else None
            if key is None:
                return None
            follow = state.follows[key]
            if not follow.lost and follow.userid in self.staff:
                return follow
        return None


# name -> (play, weight): most of a day is new customers and tag edits.
_PLAYS: dict[str, tuple[Callable[[DemoCorp, UserActions], dict[str, Any] | None], int]] = {
    "customer_adds_member": (DemoCorp._add_through_channel, 35),
    "member_edits_tags": (DemoCorp._edit_tags, 20),
    "member_edits_remark": (DemoCorp._edit_remark, 10),
    "customer_joins_group": (DemoCorp._join_group, 15),
    "customer_leaves_group": (DemoCorp._leave_group, 6),
    "customer_deletes_member": (DemoCorp._customer_deletes, 9),
    "member_deletes_customer": (DemoCorp._member_deletes, 5),
}


# -- the corp -------------------------------------------------------------------------------------


def populate(
    state: CorpState, *, customers: int = 5000, seed: int = 0, groups: int = 40, avatar_base: str = ""
) -> DemoCorp:
    """Fill `state` with the demo corp. Same seed, same corp; `avatar_base` (the emulator's URL) gives
    every person an emulator-served avatar, empty leaves avatars blank.

    Lost relations are seeded as WeCom keeps them: still listed by the API, with nothing to tell them
    apart, so a server that syncs later sees them as active (as a real SCRM installed today would); only
    a del_follow_user callback (see `DemoCorp.play`) tells it a customer left."""
    rng = random.Random(f"demo:{seed}")
    now = state.now()
    start = now - HISTORY_DAYS * _DAY
    avatar = (lambda key: avatar_url(avatar_base, key)) if avatar_base else None

    dept_ids = {}
    for order, (key, dept_id, dept_name, parent) in enumerate(names.DEPARTMENTS):
        state.add_department(dept_id, dept_name, parent, order=100000000 - order * 1000)
        dept_ids[key] = dept_id
    staff_by_dept: dict[str, list[str]] = defaultdict(list)
    admin, department_admins = "", {}
    for key, position, count in names.ROSTER:
        for _ in range(count):
            gender = rng.choice((1, 2))
            name, userid = person_name(rng, gender)
            userid = next(u for u in _numbered(userid) if u not in state.members)
            member = state.add_member(
                userid, name, [dept_ids[key]], position=position, gender=gender, mobile=mobile(rng)
            )
            member.avatar = avatar(userid) if avatar else ""
            staff_by_dept[key].append(userid)
            if position == names.ADMIN_POSITION:
                admin = userid
            if position in names.LEADER_POSITIONS:
                led = dept_ids[names.LEADER_POSITIONS[position]]
                member.is_leader_in_dept = [led]
                state.departments[led].department_leader.append(userid)
                department_admins[userid] = led

    tag_ids: dict[str, list[str]] = {}
    tag_groups = {}
    for rank, (group_name, tags) in enumerate(names.TAG_GROUPS):
        group = state.add_tag_group(group_name, order=len(names.TAG_GROUPS) - rank)
        group.create_time = start - _DAY * (30 - rank)
        tag_groups[group_name] = group.group_id
        tag_ids[group_name] = []
        for tag_rank, tag_name in enumerate(tags):
            tag = state.add_tag(group.group_id, tag_name, order=len(tags) - tag_rank)
            tag.create_time = group.create_time
            tag_ids[group_name].append(tag.id)

    channels: dict[str, str] = {}
    for state_value, remark, depts, *_ in names.CHANNELS:
        users = [u for d in depts for u in staff_by_dept[d]]
        way = state.add_contact_way(users, state=state_value, remark=remark, skip_verify=True)
        way.create_time = start + rng.randrange(HISTORY_DAYS // 2) * _DAY
        channels[state_value] = way.config_id

    corp = DemoCorp(
        admin=admin,
        department_admins=department_admins,
        staff=list(state.members),
        channels=channels,
        tag_groups=tag_groups,
        group_chats=[],
        seed=seed,
        avatar_base=avatar_base,
        _rng=random.Random(f"play:{seed}"),
    )
    customers_of = _seed_customers(state, corp, rng, customers, staff_by_dept, tag_ids, avatar, now)
    _seed_groups(state, corp, rng, groups, staff_by_dept, customers_of, now)
    return corp


def avatar_url(base: str, key: str) -> str:
    """The emulator draws avatars itself (no internet): an SVG with the person's first character."""
    return f"{base.rstrip('/')}/_emulator/avatar/{key}.svg"


def _numbered(userid: str):
    yield userid
    for n in itertools.count(2):
        yield f"{userid}{n}"


def _seed_customers(state, corp, rng, count, staff_by_dept, tag_ids, avatar, now) -> dict[str, list[str]]:
    """Customers with their relations; returns each member's live customers (for the groups)."""
    start = now - HISTORY_DAYS * _DAY
    keepers = [(u, names.CUSTOMER_WEIGHT[d]) for d, users in staff_by_dept.items() for u in users]
    keepers = [(u, w) for u, w in keepers if w]
    keeper_ids, keeper_cum = [u for u, _ in keepers], list(itertools.accumulate(w for _, w in keepers))
    channel_cum = list(itertools.accumulate(ch[3] for ch in names.CHANNELS))
    ways, way_cum = [w for w, _ in names.ADD_WAYS], list(itertools.accumulate(s for _, s in names.ADD_WAYS))
    sources = dict(zip(names.TAG_GROUPS[3][1], tag_ids["客户来源"], strict=True))
    source_by_channel = {ch[0]: sources.get(ch[4]) for ch in names.CHANNELS}
    customers_of: dict[str, list[str]] = defaultdict(list)
    for _ in range(count):
        profile = customer_profile(rng)
        ext = profile["external_userid"]
        if avatar:
            profile["avatar"] = avatar(ext)
        state.add_customer(**profile)
        corp.customers += 1
        # Growth: more customers were added recently than 18 months ago.
        created = now - int(HISTORY_DAYS * _DAY * rng.random() ** 1.5) - rng.randrange(600)
        followers = 1 + (rng.random() < 0.10) + (rng.random() < 0.02)
        used: set[str] = set()
        if rng.random() < 0.02:  # the member deleted this customer: nothing of the relation remains
            corp.deleted += 1
            continue
        for nth in range(followers):
            add_way = rng.choices(ways, cum_weights=way_cum)[0] if nth == 0 else rng.choice((3, 201, 202, 2))
            channel = None
            if add_way == 1 and rng.random() < 0.8:
                channel = rng.choices(names.CHANNELS, cum_weights=channel_cum)[0][0]
                pool = [u for u in state.contact_ways[corp.channels[channel]].user if u not in used]
                userid = rng.choice(pool) if pool else None
            else:
                userid = rng.choices(keeper_ids, cum_weights=keeper_cum)[0]
            if userid is None or userid in used:
                continue
            used.add(userid)
            when = max(start, created) if nth == 0 else rng.randint(created, now)
            follow = state.add_follow(
                userid,
                ext,
                createtime=when,
                add_way=add_way,
                state=channel or "",
                oper_userid=ext if add_way in names.CUSTOMER_INITIATED else userid,
                remark=remark_for(rng, profile["name"], profile["gender"], profile.get("corp_name", ""))
                if rng.random() < 0.55
                else "",
                description=rng.choice(names.DESCRIPTIONS) if rng.random() < 0.25 else "",
                remark_mobiles=[mobile(rng)] if rng.random() < 0.35 else [],
                remark_corp_name=profile.get("corp_name", ""),
                tag_ids=_relation_tags(rng, tag_ids, source_by_channel.get(channel or ""), profile),
                last_interaction=float(rng.randint(when, now)),
            )
            corp.relations += 1
            if rng.random() < 0.07:
                follow.lost = True
                corp.lost += 1
            else:
                customers_of[userid].append(ext)
    return customers_of


def _relation_tags(rng, tag_ids, source: str | None, profile: dict[str, Any]) -> list[str]:
    tags = []
    if rng.random() < 0.7:
        tags.append(rng.choices(tag_ids["客户等级"], weights=(10, 25, 45, 20))[0])
    if rng.random() < 0.6:
        tags.append(rng.choices(tag_ids["客户阶段"], weights=(35, 25, 15, 20, 5))[0])
    if rng.random() < 0.5:
        tags += rng.sample(tag_ids["意向产品"], rng.choice((1, 1, 2)))
    if source and rng.random() < 0.6:
        tags.append(source)
    if profile.get("type") == 2:
        tags.append(rng.choice(tag_ids["所属行业"][1:]))
    elif rng.random() < 0.2:
        tags.append(tag_ids["所属行业"][0])
    return tags


def _seed_groups(state, corp, rng, count, staff_by_dept, customers_of, now) -> None:
    """Customer groups owned by staff: their customers and a few colleagues, joined over time, some today."""
    owners = [u for d in ("east", "south", "north", "service", "ops", "sales") for u in staff_by_dept[d]]
    since_midnight = (now + _SHANGHAI) % _DAY
    for n in range(count):
        owner = rng.choice(owners)
        base = names.GROUP_NAMES[n % len(names.GROUP_NAMES)]
        name = base if n < len(names.GROUP_NAMES) else f"{base}{n // len(names.GROUP_NAMES) + 1}"
        created = now - rng.randint(7, HISTORY_DAYS) * _DAY
        chat = state.add_group_chat(
            owner,
            name=name,
            notice=rng.choice(names.GROUP_NOTICES) if rng.random() < 0.5 else "",
            chat_id="wr" + random_id(rng, 30),
        )
        chat.create_time = chat.members[0].join_time = created
        colleagues = rng.sample([u for u in corp.staff if u != owner], rng.randint(1, 3))
        pool = customers_of.get(owner, [])
        externals = rng.sample(pool, min(len(pool), rng.randint(8, 120)))
        joiners = colleagues + externals
        for i, userid in enumerate(joiners):
            if i >= len(colleagues) and rng.random() < 0.05:  # joined today
                join_time = now - rng.randint(0, since_midnight)
            else:
                join_time = rng.randint(created, now - since_midnight - 1)
            scene = rng.choices((1, 2, 3), weights=(4, 2, 4))[0]
            member = state.chat_member(
                userid, join_time, join_scene=scene, invitor=None if scene == 3 else owner
            )
            if rng.random() < 0.1:
                member.group_nickname = member.name[:8]
            chat.members.append(member)
        chat.members.sort(key=lambda m: m.join_time)
        chat.admin_list = colleagues[: rng.randint(0, min(2, len(colleagues)))]
        chat.member_version = state.new_version()
        corp.group_chats.append(chat.chat_id)
