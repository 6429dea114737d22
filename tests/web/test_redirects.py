"""Logging in and out sends people back where they were, and only ever to a page of this server: a `next=`
that a browser would read as another host ends on the home page instead.

Each Location is read the way a browser reads it (tab, CR and LF dropped, a backslash taken for a slash)
and must resolve to this server's origin.
"""

from __future__ import annotations

from urllib.parse import unquote, urljoin, urlsplit

from aiohttp import web
from yarl import URL

from sidebar_web.auth import local_path
from tests.readapi_corp import login

ORIGIN = "http://scrm.example"
HOSTILE = (
    "/%09/evil.example",
    "/%0d%0a/evil.example",
    "/%0A/evil.example",
    "%09//evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/%5Cevil.example",
    "https://evil.example/",
    "https:/evil.example",
    "javascript:alert(1)",
    "%20//evil.example",
    "/%2F/evil.example",
    "/.//evil.example",
)


def as_browser_reads(location: str) -> str:
    """Where a browser goes: WHATWG URL parsing drops tab, CR and LF and reads a backslash as a slash."""
    cleaned = location.translate({9: None, 10: None, 13: None}).replace("\\", "/")
    return urljoin(ORIGIN + "/console/", cleaned)


def stays_here(location: str) -> bool:
    parts = urlsplit(as_browser_reads(location))
    return f"{parts.scheme}://{parts.netloc}" == ORIGIN


def test_the_location_sent_for_any_next_value_is_a_page_of_this_server():
    # As the query decodes them: the guard refuses control characters in a query with a 400 already,
    # and the Location must be safe without it (a value kept in the session, a later caller).
    for target in (unquote(t) for t in HOSTILE):
        location = web.HTTPFound(local_path(target)).headers["Location"]
        assert stays_here(location), (target, location)


async def test_logout_and_login_never_send_the_browser_to_another_host(company):
    client = company.client
    for target in HOSTILE:
        response = await client.get(f"/auth/logout?next={target}", allow_redirects=False)
        assert response.status in (302, 400), target
        assert response.status == 400 or stays_here(response.headers["Location"]), target

        to_wecom = await client.get(f"/auth/login?next={target}", allow_redirects=False)
        if to_wecom.status == 400:
            continue
        authorize = URL(to_wecom.headers["Location"]).update_query(userid="ops")
        back = await client.session.get(authorize, allow_redirects=False)
        done = await client.get(URL(back.headers["Location"]).path_qs, allow_redirects=False)
        assert done.status == 302
        assert stays_here(done.headers["Location"]), (target, done.headers["Location"])


async def test_a_page_of_this_server_is_where_login_and_logout_go_back_to(company):
    await login(company.client, company.emulator, "ops")
    page = "/console/customers?q=%E7%8E%8B&tags=a,b"
    response = await company.client.get("/auth/logout", params={"next": page}, allow_redirects=False)
    assert response.headers["Location"] == page
    # Not logged in: the console sends the person to log in and, once WeCom knows them, back to the page.
    asked = await company.client.get("/console/customers", params={"q": "王"}, allow_redirects=False)
    to_login = URL(asked.headers["Location"])
    to_wecom = await company.client.get(to_login.path_qs, allow_redirects=False)
    back = await company.client.session.get(
        URL(to_wecom.headers["Location"]).update_query(userid="ops"), allow_redirects=False
    )
    done = await company.client.get(URL(back.headers["Location"]).path_qs, allow_redirects=False)
    assert done.headers["Location"] == "/console/customers?q=%E7%8E%8B"
