"""A seeded corp built straight into the emulator's state; the mirror and the emulator side by side."""

from __future__ import annotations

import random

from bot.contacts.models import Customer, Department, FollowRelation, GroupChat, GroupMembership, Member

BASE_TIME = 1_700_000_000


def build_corp(state, *, customers: int, staff: int, groups: int = 0, seed: int = 1) -> None:
    """`staff` members in two departments, corp tags, `customers` customers (every tenth with two
    followers, some tagged and remarked, some who left their advisor) and `groups` customer groups."""
    rng = random.Random(seed)
    state.add_department(2, "销售部", department_leader=["staff00"])
    state.add_department(3, "华东区", parentid=2)
    members = [f"staff{i:02d}" for i in range(staff)]
    for i, userid in enumerate(members):
        state.add_member(userid, f"员工{i}", department=[2 if i % 2 else 3])
    grade = state.add_tag_group("客户等级", ["A类", "B类", "C类"])
    tag_ids = [t.id for t in state.tags_of_group(grade.group_id)]
    for n in range(customers):
        ext = f"wm{n:08d}"
        followers = rng.sample(members, 2 if n % 10 == 0 and staff > 1 else 1)
        follow = [
            {
                "userid": userid,
                "createtime": BASE_TIME + n,
                "tag_ids": rng.sample(tag_ids, rng.randint(0, 2)),
                "remark": f"备注{n}" if n % 3 == 0 else "",
                "state": "spring-fair" if n % 4 == 0 else "",
                "add_way": 1,
            }
            for userid in followers
        ]
        state.add_customer(f"客户{n}", follow=follow, external_userid=ext, gender=n % 3)
        if n % 50 == 7:
            state.follows[(followers[0], ext)].lost = True  # the customer deleted this advisor
    for g in range(groups):
        owner = members[g % staff]
        joined = [f"wm{rng.randrange(customers):08d}" for _ in range(20)]
        state.add_group_chat(owner, name=f"客户群{g}", members=[members[(g + 1) % staff], *joined])


async def mirrored() -> dict:
    """The mirror, in the shape `expected` gives."""
    return {
        "departments": {d.id: (d.name, d.parent_id) for d in await Department.filter(deleted=False)},
        "members": {m.userid: (m.name, m.departments) for m in await Member.filter(active=True)},
        "customers": {c.external_userid: (c.name, c.gender, c.lost) for c in await Customer.all()},
        "relations": {
            (r.customer_id, r.userid): (r.status, r.remark, r.tag_ids, r.state, int(r.add_time.timestamp()))
            for r in await FollowRelation.all()
        },
        "groups": {g.chat_id: (g.name, g.owner) for g in await GroupChat.filter(dismissed=False)},
        "in_groups": {(m.chat_id, m.member_id) for m in await GroupMembership.filter(left_at__isnull=True)},
    }


def expected(state) -> dict:
    """What WeCom's API shows of the emulator's corp. Its API lists a relation the customer left exactly
    like a live one, so a sync that never saw the del_follow_user callback mirrors it as active."""
    return {
        "departments": {d.id: (d.name, d.parentid or None) for d in state.departments.values()},
        "members": {m.userid: (m.name, m.department) for m in state.members.values()},
        "customers": {
            c.external_userid: (c.name, c.gender, False)
            for c in state.customers.values()
            if state.follows_of_customer(c.external_userid)
        },
        "relations": {
            (f.external_userid, f.userid): ("active", f.remark, f.tag_ids, f.state, f.createtime)
            for f in state.follows.values()
        },
        "groups": {c.chat_id: (c.name, c.owner) for c in state.group_chats.values() if not c.dismissed},
        "in_groups": {
            (c.chat_id, m.userid) for c in state.group_chats.values() if not c.dismissed for m in c.members
        },
    }
