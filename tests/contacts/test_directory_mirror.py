"""The corp directory: address-book changes reach the mirror through change_contact, and sync rebuilds it."""

from bot.contacts import directory
from bot.contacts.models import Department, Member
from tests.conftest import settled
from tests.emulator_fixtures import make_client


async def members() -> dict[str, tuple]:
    return {m.userid: (m.name, m.departments, m.leads, m.active) for m in await Member.all()}


async def departments() -> dict[int, tuple]:
    return {d.id: (d.name, d.parent_id, d.deleted) for d in await Department.all()}


async def test_members_created_changed_and_removed_in_wecom_follow(mirror):
    mirror.actions.create_party(2, "销售部")
    mirror.actions.create_user("zhangsan", name="张三", department=[2])
    mirror.actions.create_user("lisi", name="李四", department=[2])
    await settled(mirror)
    assert (await members())["zhangsan"] == ("张三", [2], [], True)

    mirror.actions.update_user("zhangsan", name="张三丰", position="销售经理")
    mirror.actions.delete_user("lisi")
    await settled(mirror)
    got = await members()
    assert got["zhangsan"][0] == "张三丰" and (await Member.get(userid="zhangsan")).position == "销售经理"
    assert got["lisi"][3] is False, "a removed member stays, inactive"


async def test_a_renamed_userid_moves_to_the_new_id(mirror):
    mirror.actions.create_user("wangwu", name="王五")
    await settled(mirror)
    mirror.actions.update_user("wangwu", new_userid="wangwu2")
    await settled(mirror)
    got = await members()
    assert got["wangwu2"][3] is True and got["wangwu"][3] is False


async def test_departments_follow_creation_renames_moves_and_deletion(mirror):
    mirror.actions.create_party(2, "销售部")
    mirror.actions.create_party(3, "华东区", parentid=2)
    mirror.actions.create_party(4, "临时组")
    await settled(mirror)
    mirror.actions.update_party(3, name="华东大区", parentid=1)
    mirror.actions.delete_party(4)
    await settled(mirror)
    got = await departments()
    assert got[2] == ("销售部", 1, False)
    assert got[3] == ("华东大区", 1, False)
    assert got[4][2] is True, "a deleted department is kept, marked deleted"


async def test_full_sync_mirrors_every_member_with_the_departments_they_lead(
    live_database, emulator, emulator_server, wecom_session, corp
):
    emulator.state.add_department(2, "销售部", department_leader=["boss"])
    emulator.state.add_department(3, "华东区", parentid=2)
    emulator.state.add_member("boss", "老板", department=[2])
    emulator.state.add_member("lead3", "组长", department=[3], is_leader_in_dept=[3])
    emulator.state.add_member("staff", "员工", department=[3, 2])
    client = make_client(wecom_session, emulator_server, corp)
    result = await directory.sync_directory(client)
    assert (result.members, result.removed) == (3, 0)
    got = await members()
    assert got["boss"] == ("老板", [2], [2], True)
    assert got["lead3"] == ("组长", [3], [3], True)
    assert got["staff"] == ("员工", [3, 2], [], True)

    del emulator.state.members["staff"]
    again = await directory.sync_directory(client)
    assert again.removed == 1 and (await members())["staff"][3] is False
