"""A small corp for the read API and access-scope tests, mirrored through real callbacks and syncs.

Departments: 1 总部 > 2 销售部 (led by lead) > 3 华东组, and 1 > 4 客服部 (kflead is its department admin by
settings). ops is an admin by settings. Six customers, one per day:

    c1 王小明  s1              state 展会   tag A     male
    c2 赵丽    s2 (dept 3)     state 官网   tag B     female
    c3 钱多多  kf              no channel   tags A+B  WeCom user of 腾讯
    c4 孙悟空  s1 (remark 老客户, state 展会) and kf
    c5 周芷若  lead            then deletes lead: lost
    c6 吴用    s2              then s2 deletes them: deleted
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from aiohttp.test_utils import TestClient
from yarl import URL

from bot.appkeys import WECOM
from bot.contacts import directory, tags
from sidebar_web.app import create_app
from sidebar_web.commands import free_port
from tests.conftest import settled

TOKEN = "readapi-token-0123456789abcdefghijklmnop"
DAY = 86400


@dataclass
class Corp:
    client: TestClient
    emulator: object
    ids: dict[str, str] = field(default_factory=dict)  # c1..c6 -> external_userid
    tags: dict[str, str] = field(default_factory=dict)  # A, B -> tag_id
    chat_id: str = ""
    emulator_url: str = ""

    def name_of(self, external_userid: str) -> str:
        return next(k for k, v in self.ids.items() if v == external_userid)

    async def get(self, path: str, as_: str | None = None, **params) -> tuple[int, dict]:
        """GET an API path as a logged-in staff member, or with the API token when as_ is None."""
        headers = {} if as_ else {"Authorization": f"Bearer {TOKEN}"}
        if as_:
            await login(self.client, self.emulator, as_)
        response = await self.client.get(path, params=params, headers=headers)
        return response.status, await response.json()

    async def customers(self, as_: str | None = None, **params) -> tuple[set[str], dict]:
        status, body = await self.get("/api/v1/customers", as_, limit=200, **params)
        assert status == 200, body
        return {self.name_of(i["external_userid"]) for i in body["items"]}, body


async def login(client: TestClient, emulator, userid: str) -> None:
    """Log in the way staff do: /auth/login -> WeCom's OAuth page (the emulator, as userid) -> back."""
    client.session.cookie_jar.clear()
    to_wecom = await client.get("/auth/login", params={"next": "/api/v1/me"}, allow_redirects=False)
    assert to_wecom.status == 302
    authorize = URL(to_wecom.headers["Location"]).update_query(userid=userid)
    back = await client.session.get(authorize, allow_redirects=False)
    assert back.status == 302, await back.text()
    # WeCom sends the browser to public_url; the test server listens on a port of its own.
    callback = URL(back.headers["Location"])
    assert callback.path == "/auth/callback"
    done = await client.get(callback.path_qs, allow_redirects=False)
    assert done.status == 302 and done.headers["Location"] == "/api/v1/me", await done.text()


def build_directory(emulator) -> None:
    st = emulator.state
    st.add_department(2, "销售部", parentid=1, department_leader=["lead"])
    st.add_department(3, "华东组", parentid=2)
    st.add_department(4, "客服部", parentid=1)
    st.add_member("ops", "运营王", department=[1])
    st.add_member("lead", "销售李", department=[2], is_leader_in_dept=[1])
    st.add_member("s1", "张三", department=[2])
    st.add_member("s2", "赵六", department=[3])
    st.add_member("kf", "客服钱", department=[4])
    st.add_member("kflead", "客服孙", department=[4])


async def populate(corp: Corp, clock) -> None:
    emu, wecom = corp.emulator, corp.client.app[WECOM]
    build_directory(emu)
    a = emu.actions.admin_creates_tag("A类", group_name="客户等级", order=2)["tag_id"]
    b = emu.actions.admin_creates_tag("B类", group_name="客户等级", order=1)["tag_id"]
    corp.tags = {"A": a, "B": b}
    await directory.sync_directory(wecom)
    await tags.sync_tags(wecom)
    act = emu.actions
    # Today, before the clock moves on: s1's group, and a newcomer joining it by QR code.
    corp.chat_id = act.group_created("s1", name="展会客户群")["chat_id"]
    act.customer_joins_group(corp.chat_id)

    async def add(key: str, userid: str, profile=None, **kw) -> str:
        """One customer a day; read by our server before anything else happens to them (the add's re-read
        would otherwise already see the later edits, and no separate edit would be recorded)."""
        clock.advance(DAY)
        corp.ids[key] = act.customer_adds_member(userid, profile, **kw)["external_userid"]
        await settled(emu)
        return corp.ids[key]

    c1 = await add("c1", "s1", {"name": "王小明", "gender": 1}, state="展会")
    act.member_edits_customer("s1", c1, add_tags=[a])
    c2 = await add("c2", "s2", {"name": "赵丽", "gender": 2}, state="官网")
    act.member_edits_customer("s2", c2, add_tags=[b])
    c3 = await add("c3", "kf", {"name": "钱多多", "type": 2, "corp_name": "腾讯"})
    act.member_edits_customer("kf", c3, add_tags=[a, b])
    c4 = await add("c4", "s1", {"name": "孙悟空", "gender": 1}, state="展会")
    act.member_edits_customer("s1", c4, remark="老客户")
    clock.advance(1)
    act.customer_adds_member("kf", c4)
    c5 = await add("c5", "lead", {"name": "周芷若", "gender": 2})
    clock.advance(1)
    act.customer_deletes_member("lead", c5)
    c6 = await add("c6", "s2", {"name": "吴用"})
    clock.advance(1)
    act.member_deletes_customer("s2", c6)
    await settled(emu)


@pytest.fixture
def company_settings() -> dict[str, dict]:
    """Settings a test module changes for its corp, by section: override this fixture in the module."""
    return {}


@pytest.fixture
async def company(
    aiohttp_client, make_settings, emulator, emulator_server, emulator_clock, company_settings
) -> Corp:
    base = str(emulator_server.make_url("")).rstrip("/")
    port = free_port()  # known before start: WeCom's OAuth page sends browsers back to public_url
    sections = {
        "server": {"public_url": f"http://127.0.0.1:{port}"},
        "wecom": {"oauth_url": base + "/_emulator/oauth/authorize"},
        "access": {"admins": ("ops",), "department_admins": {"kflead": (4,)}, "api_tokens": (TOKEN,)},
        "emulator": {"jssdk_shim": True},
    }
    for name, keys in company_settings.items():
        sections[name] = {**sections.get(name, {}), **keys}
    settings = make_settings(api_base_url=base, **sections)
    client = await aiohttp_client(create_app(settings), server_kwargs={"port": port})
    emulator.mirror_link = f"http://127.0.0.1:{port}/console/customers/{{external_userid}}"
    await emulator.callbacks.configure(str(client.make_url("/wecom/callback")))
    company = Corp(client, emulator, emulator_url=base)
    await populate(company, emulator_clock)
    yield company
    await emulator.callbacks.close()
