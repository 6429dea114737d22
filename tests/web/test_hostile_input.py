"""Input no one should send is answered with a 4xx, never a 500: every route of the app is called with
numbers beyond 64 bits, non-ASCII and control characters in each path segment, common query parameter and
form field, as a logged-in admin with a valid CSRF token.

The values are the ones that used to reach `int()`, `hmac.compare_digest` or the database unchecked:
`99999999999999999999999` (OverflowError in the driver), `é` (TypeError in compare_digest), `²` (isdigit()
yet not int()), NUL (PostgreSQL refuses it in text), a lone surrogate, and over-long text.
"""

from __future__ import annotations

import re

import pytest
from yarl import URL

from bot.appkeys import SETTINGS
from bot.radar.models import Radar
from tests.radar.pages import Visitor, make_radar, staff_link
from tests.readapi_corp import login

# Percent-encoded as they travel: each decodes to the hostile text in match_info, query and form.
HOSTILE = (
    "99999999999999999999999",
    "-99999999999999999999999",
    "-1",
    "%C3%A9",  # é
    "%C2%B2",  # ², which str.isdigit() accepts and int() refuses
    "1_000",
    "%D9%A1%D9%A2",  # Arabic-Indic 12: int() reads it, the database should never see it
    "%00",
    "%FF",  # not UTF-8
    "%ED%A0%80",  # an encoded lone surrogate
    "%0D%0A",
    "x" * 300,  # beyond every id column (external_userid holds 64)
)
IN_QUERY = ("99999999999999999999999", "%C3%A9", "%C2%B2", "%00", "%ED%A0%80", "x" * 300)
QUERY = (
    "offset", "limit", "saved", "group", "type", "include_dismissed", "include_inactive", "q", "userid",
    "last_from", "gender", "tags", "owner", "status", "url", "state", "code", "next",
)  # fmt: skip
FORM = (
    "name", "direction", "userid", "external_userid", "chat_id", "tag_id", "op", "remark", "description",
    "text", "stage_id", "remind_at", "departments", "group_id", "type", "tag", "k", "e", "v", "title",
    "link_url", "auto_tag_ids",
)  # fmt: skip
SKIPPED = ("/auth/",)  # logging in and out ends the admin's session; test_redirects covers them


@pytest.fixture
def make_settings(make_settings, emulator):
    """The WeChat share card's route exists only with an official account: configure one (the emulator)."""

    def make(api_base_url: str = "http://127.0.0.1:9", **sections):
        radar = {
            "wechat_app_id": emulator.corp.wechat_app_id,
            "wechat_app_secret": emulator.corp.wechat_app_secret,
            "wechat_api_base_url": api_base_url + "/",
            "wechat_oauth_url": api_base_url + "/_emulator/oauth/authorize",
            **sections.pop("radar", {}),
        }
        return make_settings(api_base_url, radar=radar, **sections)

    return make


def _paths(app) -> list[tuple[str, str]]:
    """(method, path template) of every route; a static resource as its prefix plus {filename}."""
    found = []
    for resource in app.router.resources():
        info = resource.get_info()
        template = info.get("formatter") or info.get("path") or (info.get("prefix", "") + "/{filename}")
        for route in resource:
            if route.method != "HEAD" and not template.startswith(SKIPPED):
                found.append((route.method, template))
    return found


async def _csrf(company) -> str:
    page = await (await company.client.get("/console/stages")).text()
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


async def _call(company, method: str, path: str, csrf: str, query: str = "", body: str = ""):
    url = URL(
        str(company.client.make_url("")).rstrip("/") + path + (f"?{query}" if query else ""), encoded=True
    )
    headers = {"X-CSRF-Token": csrf, "Content-Type": "application/x-www-form-urlencoded"}
    async with company.client.session.request(
        method, url, data=body.encode(), headers=headers, allow_redirects=False
    ) as response:
        await response.read()
        return response.status


async def test_no_route_answers_500_to_hostile_path_segments_query_parameters_or_form_fields(company):
    await login(company.client, company.emulator, "ops")
    csrf = await _csrf(company)
    failures = []
    routes = _paths(company.client.app)
    assert len(routes) > 40  # the sweep sees the whole app, not a corner of it
    for method, template in routes:
        for value in HOSTILE:
            path = re.sub(r"\{[^}]+\}", value, template)
            body = "&".join(f"{name}={value}" for name in FORM) if method == "POST" else ""
            status = await _call(company, method, path, csrf, body=body)
            if status >= 500:
                failures.append(f"{method} {path[:120]} -> {status}")
        if method == "GET":
            path = re.sub(r"\{[^}]+\}", "1", template)
            for name in QUERY:
                for value in IN_QUERY:
                    status = await _call(company, method, path, csrf, query=f"{name}={value}")
                    if status >= 500:
                        failures.append(f"GET {path}?{name}={value[:40]} -> {status}")
    assert not failures, "\n".join(failures)


async def test_a_radar_link_or_beacon_key_with_a_non_ascii_signature_is_refused(company):
    app = company.client.app
    radar = await make_radar(app, Radar.PDF)
    token = staff_link(app, radar)
    visitor = Visitor(company.client, external_userid=company.ids["c1"])
    try:
        status, _ = await visitor.open(token + "é")
        assert status == 400
        status, page = await visitor.open(token)
        assert status == 200  # the genuine link still opens
        # The cookie that names the visitor, forged with non-ASCII, is as good as none: OAuth again.
        visitor.session.cookie_jar.update_cookies(
            {"scrm_radar": "1.é"}, URL(str(company.client.make_url("/r/")))
        )
        status, _ = await visitor.open(token)
        assert status == 200
    finally:
        await visitor.close()
    beacon = await company.client.post("/r/beacon", data={"k": "1-1.é", "e": "open", "v": "0"})
    assert beacon.status == 204  # a key we did not sign is ignored, as a forged ASCII one is
    too_big = await company.client.post("/r/beacon", data={"k": "1-1.x", "e": "progress", "v": "9" * 30})
    assert too_big.status == 400
    assert "整数" in await too_big.text()


async def test_ids_beyond_64_bits_are_not_found_and_parameters_beyond_them_are_refused(company):
    await login(company.client, company.emulator, "ops")
    csrf = await _csrf(company)
    huge = "99999999999999999999999"
    for path in (
        f"/console/radar/radars/{huge}/edit",
        f"/console/radar/radars/{huge}/analytics",
        f"/api/v1/radars/{huge}/analytics",
    ):
        response = await company.client.get(path)
        assert response.status == 404, path
    response = await company.client.post(
        f"/sidebar/radars/{huge}/send",
        data={"external_userid": company.ids["c1"]},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status == 404 and "雷达不存在" in (await response.json())["error"]
    response = await company.client.post(
        f"/console/stages/{huge}/rename", data={"name": "新名", "csrf": csrf}
    )
    assert response.status == 404 and "客户阶段不存在" in await response.text()
    response = await company.client.get("/api/v1/customers", params={"offset": huge})
    assert response.status == 400 and (await response.json())["param"] == "offset"
    response = await company.client.get("/console/radar/radars", params={"saved": huge})
    # like every list parameter: refused beside its field, the list still shown
    assert response.status == 400 and "已保存的雷达" in await response.text()
    settings = company.client.app[SETTINGS]
    assert settings.public_url  # the server kept serving: nothing above was a 500


async def test_an_oauth_state_with_non_ascii_characters_is_refused_as_an_expired_login(company):
    to_wecom = await company.client.get("/auth/login", allow_redirects=False)
    assert to_wecom.status == 302  # the session now expects its own state back
    response = await company.client.get("/auth/callback", params={"state": "é", "code": "x"})
    assert response.status == 400 and "登录链接已失效" in await response.text()
