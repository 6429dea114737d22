"""Every answer of the server carries the security headers: a Content-Security-Policy that runs script from
our own origin only, nosniff, a referrer policy and framing rules (the console and the radar pages are
never framed, the sidebar only by WeCom), and HSTS once the server is reached over https."""

from __future__ import annotations

import pytest

from bot.appkeys import SETTINGS
from bot.radar import files as radar_files
from bot.radar.models import Radar
from sidebar_web.app import create_app
from tests.radar.pages import Visitor, make_radar, staff_link
from tests.readapi_corp import TOKEN, login


def directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in policy.split(";"))}


def assert_common(response) -> dict[str, list[str]]:
    csp = directives(response)
    assert csp["script-src"] == ["'self'"]  # no inline script, no inline handler, no eval
    assert csp["default-src"] == ["'self'"] and csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"] and csp["form-action"] == ["'self'"]
    assert "'unsafe-inline'" not in csp["style-src"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    return csp


def assert_never_framed(response) -> None:
    assert directives(response)["frame-ancestors"] == ["'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"


async def test_console_pages_api_files_redirects_and_errors_are_never_framed(company):
    client = company.client
    answers = {"redirect to log in": await client.get("/console/customers", allow_redirects=False)}
    await login(client, company.emulator, "ops")
    answers |= {
        "console page": await client.get("/console/customers"),
        "htmx partial": await client.get("/console/customers", headers={"HX-Request": "true"}),
        "404 page": await client.get("/console/nowhere"),
        "API": await client.get("/api/v1/me", headers={"Authorization": f"Bearer {TOKEN}"}),
        "static file": await client.get("/static/console.css"),
        "health": await client.get("/healthz"),
    }
    radar = await make_radar(client.app, Radar.PDF)
    answers["streamed export"] = await client.get(
        f"/console/radar/radars/{radar.id}/analytics/customers.xlsx"
    )
    for what, response in answers.items():
        assert response.status < 500, what
        assert_common(response)
        assert_never_framed(response)
        assert response.headers["Referrer-Policy"] == "same-origin", what
        assert "Strict-Transport-Security" not in response.headers  # served over http here


async def test_the_sidebar_may_be_framed_by_wecom_only(company):
    await login(company.client, company.emulator, "s1")
    for path in ("/sidebar/", f"/sidebar/customers/{company.ids['c1']}", "/sidebar/try"):
        response = await company.client.get(path)
        assert response.status == 200, path
        csp = assert_common(response)
        assert csp["frame-ancestors"] == ["https://work.weixin.qq.com", "https://*.work.weixin.qq.com"]
        assert "X-Frame-Options" not in response.headers  # it cannot name WeCom; CSP says it instead
        # the JS-SDK's own frames; in tests the stand-in SDK reports to the emulator
        assert csp["frame-src"] == ["https://login.work.weixin.qq.com", "https://open.work.weixin.qq.com"]
        assert company.emulator_url in csp["connect-src"]


async def test_radar_pages_and_their_files_are_never_framed_and_send_no_referrer(company):
    app = company.client.app
    radar = await make_radar(app, Radar.PDF)
    visitor = Visitor(company.client, external_userid=company.ids["c1"])
    try:
        url = company.client.make_url(f"/r/{staff_link(app, radar)}")
        first = await visitor.session.get(url, allow_redirects=False)  # to OAuth first
        status, _ = await visitor.open(staff_link(app, radar))
        assert status == 200
        page = await visitor.session.get(url)
        media = await visitor.session.get(company.client.make_url(radar_files.media_path(radar.file)))
        bad_link = await visitor.session.get(company.client.make_url("/r/forged.link"))
    finally:
        await visitor.close()
    for response in (first, page, media, bad_link):
        assert_common(response)
        assert_never_framed(response)
        assert response.headers["Referrer-Policy"] == "no-referrer"
    assert directives(page)["worker-src"] == ["'self'"]  # pdf.js's worker is one of our static files
    assert page.status == 200 and media.status == 200 and bad_link.status == 400


@pytest.mark.parametrize(
    ("public_url", "hsts"), [("https://scrm.example", True), ("http://scrm.example", False)]
)
async def test_hsts_is_sent_when_the_public_url_is_https(aiohttp_client, make_settings, public_url, hsts):
    settings = make_settings(server={"public_url": public_url})
    client = await aiohttp_client(create_app(settings, run_worker=False))
    response = await client.get("/healthz")
    assert client.app[SETTINGS].public_url == public_url
    assert ("Strict-Transport-Security" in response.headers) is hsts
    if hsts:
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
