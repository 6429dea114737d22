"""The console (管理后台): overview, customers with filters, a customer's page, groups, roles."""

from __future__ import annotations

from aiohttp import web

from bot.appkeys import SETTINGS
from bot.contacts import reads, scope, timeline
from bot.contacts.reads import Page
from sidebar_web.admin.paging import pager, read_filters, searched
from sidebar_web.api.customer_search import CUSTOMER_PARAMS, search_customers
from sidebar_web.api.params import PAGING, Param, parse, wecom_id
from sidebar_web.auth import check_csrf, csrf_token, page_viewer
from sidebar_web.render import STATIC_URLS, TIMELINE_LABELS, render


async def console_page(request: web.Request, template: str, *, status: int = 200, **context) -> web.Response:
    """A console page with what every page needs: the viewer, the time zone, the CSRF token, links."""
    viewer = await page_viewer(request)
    settings = request.app[SETTINGS]
    return render(
        template,
        {
            "viewer": viewer,
            "tz": settings.server.timezone,
            "csrf": csrf_token(request),
            "url": request.app.router,
            "static": request.app[STATIC_URLS],
            "path": request.path,
            "TIMELINE_LABELS": TIMELINE_LABELS,
            **context,
        },
        status=status,
    )


async def home(request: web.Request) -> web.Response:
    raise web.HTTPFound(request.app.router["console"].url_for())


async def overview(request: web.Request) -> web.Response:
    viewer = await page_viewer(request)
    figures = await reads.overview(viewer, request.app[SETTINGS].server.timezone)
    return await console_page(request, "admin/overview.html", figures=figures)


async def customers(request: web.Request) -> web.Response:
    viewer = await page_viewer(request)
    tz = request.app[SETTINGS].server.timezone
    p, errors = read_filters(request.query, CUSTOMER_PARAMS)
    page = await searched(errors, lambda: search_customers(viewer, p, tz), Page(0, 0, []))
    context = {
        "p": p,
        "page": page,
        "errors": errors,
        "pages": pager(
            request.app.router["console_customers"].url_for(),
            request.query,
            CUSTOMER_PARAMS,
            total=page.total,
            limit=p["limit"],
            offset=p["offset"],
        ),
        "tag_groups": await reads.tag_groups(),
        "members": await reads.members(),
    }
    # htmx asks for the list (filters and rows) only when the filter form is sent.
    template = "admin/_customer_list.html" if request.headers.get("HX-Request") else "admin/customers.html"
    return await console_page(request, template, status=400 if errors else 200, **context)


TIMELINE_PARAMS = (Param("type", "choices", "event types", timeline.TYPES, label="动态类型"), *PAGING)


async def customer(request: web.Request) -> web.Response:
    viewer = await page_viewer(request)
    p = parse(request.query, TIMELINE_PARAMS)
    external_userid = request.match_info["external_userid"]
    detail = await reads.customer_detail(viewer, external_userid)
    if detail is None:
        raise web.HTTPNotFound(text="这个客户不存在，或不在你的可见范围内。")
    total, events = await reads.customer_timeline(
        viewer, external_userid, types=p["type"] or (), limit=p["limit"], offset=p["offset"]
    )
    context = {
        "c": detail,
        "events": events,
        "events_total": total,
        "p": p,
        # The timeline loads more in place (加载更多) rather than paging: it reads as one story.
        "more": str(request.rel_url.update_query(offset=p["offset"] + p["limit"]))
        if p["offset"] + p["limit"] < total
        else "",
    }
    template = "admin/_timeline.html" if request.headers.get("HX-Request") else "admin/customer.html"
    return await console_page(request, template, **context)


GROUP_PARAMS = (Param("include_dismissed", "bool", "", default=False, label="显示已解散的群"), *PAGING)


async def groups(request: web.Request) -> web.Response:
    viewer = await page_viewer(request)
    p, errors = read_filters(request.query, GROUP_PARAMS)
    total, items = await searched(
        errors,
        lambda: reads.group_chats(
            viewer,
            tz=request.app[SETTINGS].server.timezone,
            include_dismissed=p["include_dismissed"],
            limit=p["limit"],
            offset=p["offset"],
        ),
        (0, []),
    )
    pages = pager(
        request.app.router["console_groups"].url_for(), request.query, GROUP_PARAMS,
        total=total, limit=p["limit"], offset=p["offset"],
    )  # fmt: skip
    status = 400 if errors else 200
    return await console_page(
        request, "admin/groups.html", status=status, groups=items, p=p, errors=errors, pages=pages
    )


async def admin_only(request: web.Request, refusal: str = "只有管理员可以管理角色。"):
    viewer = await page_viewer(request)
    if not viewer.is_admin:
        raise web.HTTPForbidden(text=refusal)
    return viewer


async def roles(request: web.Request) -> web.Response:
    await admin_only(request)
    table = await scope.role_table(request.app[SETTINGS].access)
    members = await reads.members()
    return await console_page(request, "admin/roles.html", roles=table, members=members)


async def grant_admin(request: web.Request) -> web.Response:
    viewer = await admin_only(request)
    await check_csrf(request)
    userid = wecom_id(str((await request.post()).get("userid", "")))
    if not await scope.grant_admin(userid, granted_by=viewer.userid):
        raise web.HTTPBadRequest(text="请选择一位在职员工。")
    raise web.HTTPSeeOther(request.app.router["console_roles"].url_for())


async def revoke_admin(request: web.Request) -> web.Response:
    await admin_only(request)
    await check_csrf(request)
    userid = wecom_id(str((await request.post()).get("userid", "")))
    if not await scope.revoke_admin(userid):
        raise web.HTTPBadRequest(text="这位员工不是在后台任命的管理员（配置文件中的管理员需在配置中移除）。")
    raise web.HTTPSeeOther(request.app.router["console_roles"].url_for())
