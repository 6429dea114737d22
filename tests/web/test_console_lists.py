"""Every console list pages the same way: one pager with the total, page numbers and previous / next, whose
links keep the list's filters; a list shown after a change keeps its page."""

import re
from urllib.parse import parse_qsl, urlsplit

from bot.radar import groups as radar_groups
from bot.radar import radars
from tests.conftest import settled
from tests.radar.scenario import build, make_radar, people
from tests.readapi_corp import login

TZ = "Asia/Shanghai"


async def html_of(company, path: str, as_: str = "ops", **kw) -> tuple[int, str]:
    await login(company.client, company.emulator, as_)
    response = await company.client.get(path, **kw)
    return response.status, await response.text()


def pager_of(html: str) -> str:
    [nav] = re.findall(r'<nav class="pager" aria-label="分页">.*?</nav>', html, re.S)
    return nav


def links_of(nav: str) -> dict[str, str]:
    """The pager's links by their text (上一页, 2, 下一页 …), HTML entities undone."""
    return {
        text: href.replace("&amp;", "&")
        for href, text in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav)
    }


def group_names(html: str) -> list[str]:
    return re.findall(r"<tr>\s*<td>([^<]+)</td>", html.split('id="groups"')[1])


async def test_the_group_list_of_40_groups_pages_by_20_and_page_2_lists_the_other_20(company):
    for i in range(39):  # the corp has one group already (展会客户群)
        company.emulator.actions.group_created("s1", name=f"客户群{i:02}")
    await settled(company.emulator)

    status, first = await html_of(company, "/console/groups")
    nav = pager_of(first)
    assert status == 200 and "共 40 个群" in nav and "第 1/2 页" in nav
    links = links_of(nav)
    assert set(links) == {"2", "下一页"} and links["2"] == links["下一页"] == "/console/groups?offset=20"
    _, second = await html_of(company, links["2"])
    assert "第 2/2 页" in pager_of(second) and set(links_of(pager_of(second))) == {"1", "上一页"}
    assert len(group_names(first)) == len(group_names(second)) == 20
    assert len(set(group_names(first)) | set(group_names(second))) == 40


async def test_the_pager_keeps_the_filters_and_page_size_in_its_links(company):
    _, html = await html_of(company, "/console/customers?status=active&status=lost&limit=2&q=")
    nav = pager_of(html)
    assert "共 6 条" in nav and "第 1/3 页" in nav
    query = parse_qsl(urlsplit(links_of(nav)["3"]).query, keep_blank_values=True)
    assert query == [("status", "active"), ("status", "lost"), ("limit", "2"), ("q", ""), ("offset", "4")]
    _, last = await html_of(company, links_of(nav)["3"])
    assert "第 3/3 页" in pager_of(last) and last.count('<td class="status-') == 2


async def test_every_console_list_renders_the_one_pager(company):
    """Customers, groups, radars, and a radar's customer and staff analysis: the same component, with the
    list's own total."""
    ids = await people({k: company.ids[f"c{i}"] for i, k in enumerate("ABCDEF", 1)})
    radar = await make_radar()
    await build(radar, ids, (await _today_start()))
    base = f"/console/radar/radars/{radar.id}/analytics"
    expected = {
        "/console/customers": "共 7 条",
        "/console/groups": "共 1 个群",
        "/console/radar/radars": "共 1 个雷达",
        base + "/customers": "共 6 位客户",
        base + "/staff": "共 2 位员工",
    }
    for path, total in expected.items():
        status, html = await html_of(company, path)
        assert status == 200 and total in pager_of(html), path


async def _today_start():
    from bot.radar.analytics import figures as radar_stats

    return radar_stats.today_bounds(TZ)[0]


async def test_the_radar_list_pages_under_its_group_headings_and_a_change_keeps_the_page(company):
    groups = [await radar_groups.create_group(name) for name in ("公司介绍", "产品介绍")]
    made = []
    for i in range(25):  # 公司介绍 gets 15 radars, 产品介绍 10: page 2 starts inside 产品介绍
        form = radars.RadarForm(
            name=f"雷达{i:02}", group_id=groups[i // 15].id, type="link", title="t", link_url="http://x.cn"
        )
        made.append(await radars.create_radar(form))
    status, first = await html_of(company, "/console/radar/radars")
    assert "共 25 个雷达" in pager_of(first) and "第 1/2 页" in pager_of(first)
    assert re.findall(r"<td><b>(雷达\d+)</b></td>", first) == [f"雷达{i:02}" for i in range(20)]
    _, second = await html_of(company, "/console/radar/radars?offset=20")
    assert re.findall(r"<td><b>(雷达\d+)</b></td>", second) == [f"雷达{i:02}" for i in range(20, 25)]
    assert '产品介绍<span class="hint">（接上页）</span>' in second and "<td>6</td>" in second  # its 6th

    # Moving a radar on page 2 answers with page 2, not page 1.
    csrf = re.search(r'name="csrf" value="([^"]+)"', second).group(1)
    move = re.search(rf'action="(/console/radar/radars/{made[24].id}/move[^"]*)"', second).group(1)
    assert move.endswith("?offset=20")
    response = await company.client.post(
        move.replace("&amp;", "&"), data={"csrf": csrf, "direction": "up"}, headers={"HX-Request": "true"}
    )
    moved = await response.text()
    assert re.findall(r"<td><b>(雷达\d+)</b></td>", moved) == [
        "雷达20",
        "雷达21",
        "雷达22",
        "雷达24",
        "雷达23",
    ]

    # A saved radar, and a group's link from the group page, open the page they are on.
    _, saved = await html_of(company, f"/console/radar/radars?saved={made[22].id}")
    assert "已保存雷达“雷达22”" in saved and "第 2/2 页" in pager_of(saved)
    assert "saved=" not in pager_of(saved)  # the notice is not carried to other pages
    _, group_page = await html_of(company, f"/console/radar/radars?group={groups[1].id}")
    assert "第 1/2 页" in pager_of(group_page) and f'id="group-{groups[1].id}"' in group_page


async def test_a_radar_batch_tag_by_htmx_answers_with_the_section_alone(company):
    """The batch tag's answer replaces the customer section: it must be that section, never a whole page
    (which htmx would nest inside the page), whether it tags or refuses."""
    ids = await people({k: company.ids[f"c{i}"] for i, k in enumerate("ABCDEF", 1)})
    radar = await make_radar()
    await build(radar, ids, await _today_start())
    url = f"/console/radar/radars/{radar.id}/analytics/customers"
    _, page = await html_of(company, url + "?userid=s1&limit=2")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    tag_url = re.search(r'hx-post="([^"]+/customers/tag[^"]*)"', page).group(1).replace("&amp;", "&")
    hx = {"HX-Request": "true"}
    for data, status in (
        ({"csrf": csrf, "tag": ""}, 400),  # nothing chosen
        ({"csrf": csrf, "tag": company.tags["B"], "external_userid": [ids["A"]]}, 200),
    ):
        response = await company.client.post(tag_url, data=data, headers=hx)
        html = await response.text()
        assert response.status == status
        assert html.lstrip().startswith('<section id="radar-customers">') and "<header" not in html
        # Its pager still links to the list (a GET), with the filters the page had.
        assert all(h.startswith(url + "?userid=s1&limit=2") for h in links_of(pager_of(html)).values())
