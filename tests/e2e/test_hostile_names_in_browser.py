"""Names anyone can choose never run as script: customers whose WeChat nicknames are markup, a staff member
named like an <img onerror>, tags, a group chat, stages, radar groups and radars named the same way. Every
console, sidebar and radar page that shows them is opened in Chromium (charts' tooltips shown for every
point) and no dialog opens; the names show as the text they are; and the browser reports no
Content-Security-Policy refusal (the `browser` fixture), so nothing was stopped only by the policy.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from yarl import URL

from bot.appkeys import WECOM
from bot.contacts import directory, tags
from bot.followups import entries as followups
from bot.followups import stages
from bot.radar import groups as radar_groups
from bot.radar.models import Radar
from tests.conftest import settled
from tests.e2e.conftest import shot
from tests.radar.pages import make_radar, staff_link
from tests.radar.scenario import build

SCRIPT = "</script><script>alert(1)</script>"  # the nickname: closes a <script> block
IMG = "<img src=x onerror=alert(2)>\"'{{7*7}}${alert(3)}"
STAFF = "<img src=x onerror=alert(4)>'\""
SHORT = "<svg onload=alert(5)>"[:20]  # stage, radar group and remark names hold 20 characters


async def hostile_corp(company) -> dict:
    """The company of readapi_corp with hostile names added through WeCom (the emulator) and the console."""
    emu, wecom = company.emulator, company.client.app[WECOM]
    act = emu.actions
    a = act.customer_adds_member("s1", {"name": SCRIPT})["external_userid"]
    b = act.customer_adds_member("s1", {"name": IMG})["external_userid"]
    tag = act.admin_creates_tag(SHORT, group_name=IMG)["tag_id"]
    act.member_edits_customer("s1", a, remark=SHORT, description=IMG, add_tags=[tag])
    chat = act.group_created("s1", name=SCRIPT, members=[a, b])["chat_id"]
    emu.state.members["s1"].name = STAFF  # anyone who adds a member chooses their name
    await settled(emu)
    await directory.sync_directory(wecom)
    await tags.sync_tags(wecom)
    await stages.create_stage(SHORT)
    await followups.log_follow_up("s1", a, IMG)
    await radar_groups.create_group(SHORT)
    app = company.client.app
    server = str(company.client.make_url("")).rstrip("/")
    pdf = await make_radar(app, Radar.PDF, name=SCRIPT, title=IMG, description=SCRIPT)
    link = await make_radar(app, Radar.LINK, name=IMG, title=SCRIPT, link_url=server + "/healthz")
    # Visits with chosen names: A and C are the hostile customers, so they sit in each other's network.
    ids = {"A": a, "B": company.ids["c1"], "C": b, "D": company.ids["c2"], "E": company.ids["c3"], "F": b}
    midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    await build(pdf, ids, midnight + timedelta(hours=1))
    return {"a": a, "b": b, "chat": chat, "pdf": pdf, "link": link, "server": server}


def recorder(dialogs: list[str]):
    """A dialog handler that notes what an injected alert() would have said, and closes it."""

    async def on_dialog(dialog) -> None:
        dialogs.append(dialog.message)
        await dialog.dismiss()

    return on_dialog


async def log_in(page, server: str, next_path: str, **identity: str) -> None:
    """Through /auth/login (or a radar link) to WeCom's OAuth page, answered by the emulator as `identity`."""
    await page.goto(server + next_path)
    picked = URL(page.url).update_query(**identity)
    await page.goto(str(picked))


async def test_hostile_names_show_as_text_and_never_run(company, browser):
    corp = await hostile_corp(company)
    server, a, b = corp["server"], corp["a"], corp["b"]
    rid = corp["pdf"].id
    dialogs: list[str] = []

    async def visit(page, path: str) -> None:
        response = await page.goto(server + path)
        assert response.status == 200, path
        await page.wait_for_load_state("networkidle")
        assert dialogs == [], path  # an alert() ran on this page

    console = await browser.new_page(viewport={"width": 1280, "height": 900})
    console.on("dialog", recorder(dialogs))
    await log_in(console, server, "/auth/login?next=/console/", userid="ops")
    base = f"/console/radar/radars/{rid}/analytics"
    for path in (
        "/console/", "/console/customers", f"/console/customers?q={SHORT}", f"/console/customers/{a}",
        f"/console/customers/{b}", "/console/groups", "/console/roles", "/console/stages",
        "/console/radar/groups", "/console/radar/radars", "/console/radar/radars/new",
        f"/console/radar/radars/{rid}/edit", f"/console/radar/radars/{corp['link'].id}/edit",
        base + "/customers", base + "/staff", base + f"/customers/{b}/path",
    ):  # fmt: skip
        await visit(console, path)
    # The htmx filter swaps rows holding the names in.
    await visit(console, "/console/customers")
    await console.locator("input[name=q]").fill("7*7")
    await console.get_by_role("button", name="查询").click()
    await console.locator("#rows").get_by_text(IMG).first.wait_for()

    await visit(console, base)
    assert await show_every_tooltip(console, "funnel-chart") >= 5
    await visit(console, base + f"/customers/{a}/network")
    assert await show_every_tooltip(console, "network-chart") >= 4
    data = await console.evaluate("JSON.parse(document.getElementById('network-data').textContent)")
    assert {SCRIPT, IMG} <= {n["name"] for n in data["nodes"]}  # the JSON carried the names whole
    edges = await console.locator("#network-edges").inner_text()
    assert SCRIPT in edges and IMG in edges  # and the table shows them as text
    await shot(console, "hostile-names-network")
    await visit(console, f"/console/customers/{a}")
    assert await console.get_by_role("heading", name=SCRIPT).count() == 1
    assert await console.get_by_text(IMG).count() >= 1  # the follow-up's text in the timeline

    sidebar = await browser.new_page(viewport={"width": 375, "height": 740})
    sidebar.on("dialog", recorder(dialogs))
    await log_in(sidebar, server, "/auth/login?next=/sidebar/try", userid="s1")
    for path in (
        "/sidebar/try",
        f"/sidebar/customers/{a}",
        f"/sidebar/customers/{b}",
        f"/sidebar/groups/{corp['chat']}",
    ):
        await visit(sidebar, path)
    await visit(sidebar, f"/sidebar/customers/{a}")
    assert await sidebar.get_by_role("heading", name=SCRIPT).count() == 1
    assert await sidebar.locator("#radars").get_by_text(IMG).count() >= 1  # the PDF radar's title
    await shot(sidebar, "hostile-names-sidebar")

    for radar in (corp["pdf"], corp["link"]):
        context = await browser.new_context(viewport={"width": 375, "height": 640})
        reader = await context.new_page()
        reader.on("dialog", recorder(dialogs))
        await log_in(reader, server, f"/r/{staff_link(company.client.app, radar)}", external_userid=a)
        await reader.wait_for_load_state("networkidle")
        if radar.type == Radar.PDF:
            assert await reader.get_by_role("heading", name=IMG).count() == 1
            await reader.locator("#pdf canvas").first.wait_for()
        else:
            await reader.wait_for_url(server + "/healthz")  # link.js sent the visitor on
        await context.close()
    assert dialogs == []


async def show_every_tooltip(page, chart: str) -> int:
    """Show the tooltip of every point and edge of a chart, as hovering each would; how many were shown."""
    return await page.evaluate(
        """(id) => {
          const chart = echarts.getInstanceByDom(document.getElementById(id));
          const series = chart.getOption().series[0];
          let shown = 0;
          series.data.forEach((_, i) => {
            chart.dispatchAction({type: "showTip", seriesIndex: 0, dataIndex: i}); shown++;
          });
          (series.links || []).forEach((_, i) => {
            chart.dispatchAction({type: "showTip", seriesIndex: 0, dataIndex: i, dataType: "edge"}); shown++;
          });
          return shown;
        }""",
        chart,
    )


async def test_script_injected_into_a_page_is_refused_by_the_browser(company, browser):
    """The policy's own proof: markup with an inline handler, put into a console page by script, does not
    run; the browser refuses it and says so (the refusal the other browser tests must never see)."""
    server = str(company.client.make_url("")).rstrip("/")
    page = await browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", recorder(dialogs))
    await log_in(page, server, "/auth/login?next=/console/customers", userid="ops")
    await page.evaluate(
        """document.body.insertAdjacentHTML("beforeend", '<img src="/x" onerror="alert(9)">')"""
    )
    await page.wait_for_timeout(300)
    refused = [v for v in browser.csp_violations if "inline event handler" in v]
    assert dialogs == [] and refused
    browser.csp_violations.clear()  # expected here, and only here
