"""The console: login, the customer list with its filters and totals, a customer's page, groups, roles."""

import re
from functools import partial

from bot.contacts.models import RoleGrant
from tests.readapi_corp import login


async def page(company, path: str, as_: str, **kw) -> tuple[int, str]:
    await login(company.client, company.emulator, as_)
    response = await company.client.get(path, **kw)
    return response.status, await response.text()


async def test_a_visitor_is_sent_to_log_in_and_brought_back(company):
    company.client.session.cookie_jar.clear()
    response = await company.client.get("/console/customers?status=lost", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == "/auth/login?next=/console/customers?status%3Dlost"


async def test_the_customer_list_shows_the_viewers_scope_with_both_totals(company):
    status, html = await page(company, "/console/customers", "lead")
    assert status == 200 and "<title>客户列表" in html
    assert "共 <b>3</b> 条客户关系，去重后 <b>3</b> 位客户" in html
    for name in ("王小明", "孙悟空", "周芷若"):
        assert name in html
    assert "赵丽" not in html  # followed by s2, in a sub-department lead does not manage


async def test_filters_narrow_the_list_and_htmx_gets_only_the_rows(company):
    _, html = await page(company, "/console/customers?status=lost", "ops")
    assert "周芷若" in html and "王小明" not in html and "共 <b>1</b> 条" in html
    tags = f"tags={company.tags['A']}&tags={company.tags['B']}&tag_mode=all"
    _, rows = await page(company, "/console/customers?" + tags, "ops", headers={"HX-Request": "true"})
    assert "<html" not in rows and "钱多多" in rows and "王小明" not in rows


async def test_a_customers_page_shows_relations_groups_and_timeline(company):
    _, html = await page(company, f"/console/customers/{company.ids['c4']}", "ops")
    assert "<h1>孙悟空" in html
    assert "老客户" in html and "客服钱" in html  # s1's remark, and the second follower
    assert html.count("添加好友") >= 2 and "修改备注" in html


async def test_a_customer_outside_the_scope_is_a_404_page(company):
    status, html = await page(company, f"/console/customers/{company.ids['c2']}", "lead")
    assert status == 404 and "不在你的可见范围内" in html


async def test_groups_list_todays_joins(company):
    _, html = await page(company, "/console/groups", "ops")
    assert "展会客户群" in html and "张三" in html


async def test_roles_page_is_for_admins_and_names_each_roles_source(company):
    status, _ = await page(company, "/console/roles", "s1")
    assert status == 403
    status, html = await page(company, "/console/roles", "ops")
    assert status == 200
    assert "运营王" in html and "配置文件（access.admins）" in html
    assert re.search(r"销售李.*?销售部（部门负责人）", html, re.S)
    assert re.search(r"客服孙.*?客服部（配置文件）", html, re.S)


async def test_an_admin_names_another_admin_with_the_form_and_a_forged_post_changes_nothing(company):
    _, html = await page(company, "/console/roles", "ops")
    csrf = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
    post = partial(company.client.post, "/console/roles/admins", allow_redirects=False)
    assert (await post(data={"userid": "s2"})).status == 403  # no token: another site's form
    assert (await post(data={"userid": "s2", "csrf": "x" * 32})).status == 403
    assert not await RoleGrant.exists(userid="s2")
    bad = await post(data={"userid": "nobody", "csrf": csrf})
    assert bad.status == 400 and "在职员工" in await bad.text()
    assert (await post(data={"userid": "s2", "csrf": csrf})).status == 303
    assert (await company.get("/api/v1/me", "s2"))[1]["role"] == "admin"
