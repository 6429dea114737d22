"""The admin console under /console/: server-rendered pages with htmx."""

from __future__ import annotations

from aiohttp import web

from sidebar_web.admin import views


def setup_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/", views.home, name="home")
    r.add_get("/console/", views.overview, name="console")
    r.add_get("/console/customers", views.customers, name="console_customers")
    r.add_get("/console/customers/{external_userid}", views.customer, name="console_customer")
    r.add_get("/console/groups", views.groups, name="console_groups")
    r.add_get("/console/roles", views.roles, name="console_roles")
    r.add_post("/console/roles/admins", views.grant_admin, name="console_grant_admin")
    r.add_post("/console/roles/admins/revoke", views.revoke_admin, name="console_revoke_admin")
