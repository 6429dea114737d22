"""The admin console under /console/: server-rendered pages with htmx."""

from __future__ import annotations

from aiohttp import web

from sidebar_web.admin import radar_analytics, radar_groups, radars, stages, views


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
    r.add_get("/console/stages", stages.stage_list, name="console_stages")
    r.add_post("/console/stages", stages.create, name="console_stage_create")
    r.add_post("/console/stages/{stage_id}/rename", stages.rename, name="console_stage_rename")
    r.add_post("/console/stages/{stage_id}/delete", stages.delete, name="console_stage_delete")
    r.add_post("/console/stages/{stage_id}/move", stages.move, name="console_stage_move")
    r.add_get("/console/radar/groups", radar_groups.group_list, name="console_radar_groups")
    r.add_post("/console/radar/groups", radar_groups.create, name="console_radar_group_create")
    for action in ("rename", "departments", "move", "delete"):
        r.add_post(
            f"/console/radar/groups/{{group_id}}/{action}",
            getattr(radar_groups, action),
            name=f"console_radar_group_{action}",
        )
    r.add_get("/console/radar/radars", radars.radar_list, name="console_radars")
    r.add_post("/console/radar/radars", radars.create, name="console_radar_create")
    r.add_get("/console/radar/radars/new", radars.new_form, name="console_radar_new")
    r.add_get("/console/radar/radars/{radar_id}/edit", radars.edit_form, name="console_radar_edit")
    r.add_post("/console/radar/radars/{radar_id}/edit", radars.update, name="console_radar_update")
    r.add_post("/console/radar/radars/{radar_id}/move", radars.move, name="console_radar_move")
    r.add_post("/console/radar/radars/{radar_id}/delete", radars.delete, name="console_radar_delete")
    radar_analytics.setup_routes(app)
