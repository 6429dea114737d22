"""Every event type, one after another through real callbacks: after each, the mirror equals WeCom's state."""

from bot.contacts import sync, timeline
from bot.contacts.models import Customer, FollowRelation, Tag, TagGroup
from tests.conftest import settled
from tests.sync_corp import expected, mirrored


async def known_to_callbacks() -> dict:
    """The mirror's view, without what WeCom itself no longer holds (relations staff deleted and
    customers with no relation left), plus the corp tags."""
    view = await mirrored()
    ended = {key for key, rel in view["relations"].items() if rel[0] == FollowRelation.DELETED}
    view["relations"] = {k: v for k, v in view["relations"].items() if k not in ended}
    kept = {ext for ext, _ in view["relations"]}
    view["customers"] = {k: v for k, v in view["customers"].items() if k in kept}
    groups = {g.group_id: g.name for g in await TagGroup.filter(deleted=False)}
    view["tags"] = {t.tag_id: (groups[t.group_id], t.name, t.order) for t in await Tag.filter(deleted=False)}
    return view


def wecom_state(state) -> dict:
    """The emulator's corp as someone who heard every callback knows it: del_follow_user marked lost."""
    view = expected(state)
    follows = {(f.external_userid, f.userid): f for f in state.follows.values()}
    view["relations"] = {
        key: ("lost" if follows[key].lost else "active", *rest)
        for key, (_, *rest) in view["relations"].items()
    }
    view["customers"] = {
        ext: (name, gender, all(f.lost for f in state.follows_of_customer(ext)))
        for ext, (name, gender, _) in view["customers"].items()
    }
    view["tags"] = {
        t.id: (state.tag_groups[t.group_id].group_name, t.name, t.order)
        for g in state.live_groups()
        for t in state.tags_of_group(g.group_id)
    }
    return view


async def test_the_mirror_follows_wecom_through_every_event_type(mirror, emulator_clock, wecom_client):
    emu = mirror
    act, st = emu.actions, emu.state
    await sync.run_sync(wecom_client)  # a server starts from a full sync: the root department is known
    ids: dict[str, str] = {}

    def remember(key: str, result: dict, field: str) -> dict:
        ids[key] = result[field]
        return result

    def tag(key: str, name: str, order: int) -> dict:
        return remember(key, act.admin_creates_tag(name, group_name="等级", order=order), "tag_id")

    def adds(key: str, userid: str, **kw) -> dict:
        return remember(key, act.customer_adds_member(userid, **kw), "external_userid")

    steps = [
        ("create_user", lambda: act.create_user("zhangsan", "张三", department=[1])),
        ("create_user 2", lambda: act.create_user("lisi", "李四")),
        ("create_party", lambda: act.create_party(2, "销售部")),
        ("create_user in a party", lambda: act.create_user("wangwu", "王五", department=[2])),
        ("update_party", lambda: act.update_party(2, name="销售一部")),
        ("update_user", lambda: act.update_user("wangwu", name="王五五")),
        ("tag create", lambda: tag("a", "A类", 2)),
        ("tag create 2", lambda: tag("b", "B类", 1)),
        ("tag update", lambda: act.admin_updates_tag(ids["a"], name="A+类")),
        ("tag shuffle", lambda: act.admin_shuffles_tags(st.tags[ids["a"]].group_id, [ids["b"], ids["a"]])),
        ("add_external_contact", lambda: adds("c1", "zhangsan", state="官网")),
        ("add_half_external_contact", lambda: adds("c2", "lisi", half=True)),
        ("second follower", lambda: act.customer_adds_member("lisi", ids["c1"])),
        ("edit_external_contact", lambda: act.member_edits_customer("zhangsan", ids["c1"], remark="王总",
                                                                    add_tags=[ids["a"]])),
        ("del_follow_user", lambda: act.customer_deletes_member("lisi", ids["c2"])),
        ("re-add", lambda: act.customer_adds_member("lisi", ids["c2"])),
        ("del_external_contact", lambda: act.member_deletes_customer("lisi", ids["c1"])),
        ("transfer_fail", lambda: act.transfer_fails("zhangsan", ids["c1"])),
        ("tag delete", lambda: act.admin_deletes_tag(ids["b"])),
        ("group create", lambda: remember("g", act.group_created("zhangsan", name="客户群"), "chat_id")),
        ("add_member", lambda: act.customer_joins_group(ids["g"], ids["c1"])),
        ("add_member staff", lambda: act.member_joins_group(ids["g"], "lisi")),
        ("change_name", lambda: act.group_renamed(ids["g"], "VIP 客户群")),
        ("change_notice", lambda: act.group_notice_changed(ids["g"], "欢迎")),
        ("change_owner", lambda: act.group_owner_changed(ids["g"], "lisi")),
        ("del_member", lambda: act.customer_leaves_group(ids["g"], ids["c1"])),
        ("dismiss", lambda: act.group_dismissed(ids["g"])),
        ("delete_user", lambda: act.delete_user("wangwu")),
        ("delete_party", lambda: act.delete_party(2)),
    ]  # fmt: skip
    for label, step in steps:
        emulator_clock.advance(1)  # identical events within one second are one event to the inbox
        step()
        await settled(emu)
        assert await known_to_callbacks() == wecom_state(st), label

    c2 = await Customer.get(external_userid=ids["c2"])
    assert not c2.lost  # lost, then re-added
    _, events = await timeline.read(ids["c1"], limit=50)
    assert {timeline.TRANSFER_FAILED, timeline.JOINED_GROUP, timeline.LEFT_GROUP} <= {e.type for e in events}
