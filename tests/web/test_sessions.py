"""Logins end on the server: a copy of a session cookie is refused once its member logged out, lost a role in
the console or was removed or disabled in WeCom; everyone else's logins go on."""

import re

from bot.appkeys import WECOM
from bot.contacts import directory
from bot.contacts.models import StaffSession
from sidebar_web.auth import COOKIE, SESSIONS
from tests.conftest import settled
from tests.readapi_corp import login


async def log_in(company, userid: str) -> str:
    """Log in through WeCom's OAuth and return a copy of the session cookie, as someone could take it."""
    await login(company.client, company.emulator, userid)
    [cookie] = [c.value for c in company.client.session.cookie_jar if c.key == COOKIE]
    return cookie


async def get(company, path: str, cookie: str, **kw):
    """A request that presents exactly this cookie (the browser's own jar emptied first)."""
    company.client.session.cookie_jar.clear()
    return await company.client.get(path, headers={"Cookie": f"{COOKIE}={cookie}"}, **kw)


async def api_status(company, cookie: str) -> int:
    return (await get(company, "/api/v1/me", cookie)).status


async def refused_everywhere(company, cookie: str) -> bool:
    """401 from the API, and console and sidebar pages send the browser back to log in."""
    api = await get(company, "/api/v1/me", cookie)
    pages = [
        await get(company, path, cookie, allow_redirects=False)
        for path in ("/console/customers", f"/sidebar/customers/{company.ids['c1']}")
    ]
    return api.status == 401 and all(
        p.status == 302 and p.headers["Location"].startswith("/auth/login?next=") for p in pages
    )


async def test_after_logging_out_a_copy_of_the_cookie_is_refused_and_other_logins_go_on(company):
    phone = await log_in(company, "s1")
    desktop = await log_in(company, "s1")
    colleague = await log_in(company, "kf")
    assert await api_status(company, phone) == 200

    out = await get(company, "/auth/logout", phone, allow_redirects=False)
    assert out.status == 302 and out.headers["Location"] == "/"
    assert await refused_everywhere(company, phone)
    # Only that login ended: the same member's other device and a colleague are still in.
    assert await api_status(company, desktop) == await api_status(company, colleague) == 200


async def test_taking_an_admin_role_away_in_the_console_ends_that_members_logins(company):
    admin = await log_in(company, "ops")
    roles = await get(company, "/console/roles", admin)
    csrf = re.search(r'name="csrf" value="([^"]+)"', await roles.text()).group(1)

    async def post(path: str, userid: str) -> int:
        company.client.session.cookie_jar.clear()
        response = await company.client.post(
            path, data={"userid": userid, "csrf": csrf}, headers={"Cookie": f"{COOKIE}={admin}"},
            allow_redirects=False,
        )  # fmt: skip
        return response.status

    assert await post("/console/roles/admins", "s2") == 303
    named = await log_in(company, "s2")
    bystander = await log_in(company, "s1")
    assert (await (await get(company, "/api/v1/me", named)).json())["role"] == "admin"

    assert await post("/console/roles/admins/revoke", "s2") == 303
    assert await refused_everywhere(company, named)
    assert await api_status(company, bystander) == await api_status(company, admin) == 200
    # Logging in again gives the member the role they now have.
    assert (await company.get("/api/v1/me", "s2"))[1]["role"] == "staff"


async def test_a_member_removed_or_disabled_in_wecom_is_logged_out_when_the_callback_arrives(company):
    # ops is an admin by settings: the role alone would keep an ex-member in, the session must end
    ops, s1, s2, kf = [await log_in(company, u) for u in ("ops", "s1", "s2", "kf")]
    company.emulator.actions.delete_user("ops")
    company.emulator.actions.delete_user("s1")
    company.emulator.actions.update_user("s2", status=2)  # disabled (禁用)
    await settled(company.emulator)

    for cookie in (ops, s1, s2):
        assert await refused_everywhere(company, cookie)
    assert await api_status(company, kf) == 200
    assert set(await StaffSession.all().values_list("userid", flat=True)) == {"kf"}

    # Back in WeCom under the same userid: the old cookie stays dead, a new login works.
    company.emulator.actions.create_user("s1", name="张三", department=[2])
    await settled(company.emulator)
    assert await refused_everywhere(company, s1)
    assert await api_status(company, await log_in(company, "s1")) == 200


async def test_a_session_id_read_from_the_database_does_not_log_anyone_in(company):
    await log_in(company, "s1")
    [row] = await StaffSession.filter(userid="s1")
    # Even with the cookie key, a cookie naming the stored id is nobody: the table keeps only a hash.
    forged = company.client.app[SESSIONS].token({"sid": row.id, "csrf": "x"})
    assert await refused_everywhere(company, forged)


async def test_a_member_the_nightly_sync_finds_gone_is_logged_out_too(company):
    # The delete_user callback was lost: the directory sync is what notices.
    gone, stays = await log_in(company, "s2"), await log_in(company, "kf")
    company.emulator.state.members.pop("s2")
    await directory.sync_directory(company.client.app[WECOM])
    assert await refused_everywhere(company, gone)
    assert await api_status(company, stays) == 200
