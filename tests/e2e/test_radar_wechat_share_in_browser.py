"""The share card in Chromium posing as WeChat's webview: the vendored jweixin loads as a plain script and
the page hands it a config signed for its own address and a card with the visitor's own link. Chromium is
not WeChat (no WeixinJSBridge, so wx.ready never fires): a spy around the real `wx` records the calls."""

from __future__ import annotations

from datetime import UTC, datetime

from yarl import URL

from bot.radar import visitors as radar_visitors
from bot.radar.models import RadarVisitor
from tests.radar.pages import make_radar, signer, staff_link
from tests.radar.test_wechat_share import COVER, client, verifies  # noqa: F401  (the fixture)

ANDROID_WECHAT = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 "
    "Mobile Safari/537.36 MMWEBID/1234 MicroMessenger/8.0.47.2560(0x28002F35) WeChat/arm64 NetType/WIFI"
)

# Wraps whatever the page assigns to window.wx: config is recorded, ready runs at once, shares are recorded.
SPY = """
window.wxCalls = [];
Object.defineProperty(window, "wx", {
  configurable: true,
  get: function () { return window._wx; },
  set: function (real) {
    window.wxLoaded = ["config", "ready", "updateAppMessageShareData"].every(function (name) {
      return typeof real[name] === "function";
    });
    window._wx = {
      config: function (c) { window.wxCalls.push(["config", c]); },
      ready: function (fn) { fn(); },
      updateAppMessageShareData: function (d) { window.wxCalls.push(["appMessage", d]); },
      updateTimelineShareData: function (d) { window.wxCalls.push(["timeline", d]); },
    };
  },
});
"""


async def test_in_wechat_the_page_sets_a_share_card_with_the_visitors_own_link(client, browser, emulator):  # noqa: F811
    app = client.app
    server = str(client.make_url("")).rstrip("/")
    radar = await make_radar(app, cover=COVER)
    now = datetime.now(UTC)
    visitor = await RadarVisitor.create(openid="o-xiaolin", first_seen=now, last_seen=now)
    context = await browser.new_context(user_agent=ANDROID_WECHAT, viewport={"width": 375, "height": 640})
    await context.add_cookies(
        [
            {
                "name": "scrm_radar",
                "value": radar_visitors.cookie_for(signer(app), visitor),
                "url": server + "/r/",
            }
        ]
    )
    await context.add_init_script(SPY)
    page = await context.new_page()
    async with page.expect_response(lambda r: "/r/wx/config" in r.url) as answered:
        await page.goto(f"{server}/r/{staff_link(app, radar)}")
    assert (await answered.value).status == 200
    await page.wait_for_function("window.wxCalls.length === 3")
    assert await page.evaluate("window.wxLoaded")  # the vendored jweixin ran and defined the real wx

    calls = dict(await page.evaluate("window.wxCalls"))
    own_link = await page.evaluate("document.body.dataset.share")
    assert page.url == own_link  # the address-bar fallback: the visitor's own link
    config = calls["config"]
    assert config["appId"] == emulator.corp.wechat_app_id and verifies(
        config, emulator.wechat.ticket(), own_link
    )
    cover = str(URL(own_link).with_path(f"/media/radar/{COVER}"))
    assert calls["appMessage"] == {
        "title": "星河产品手册",
        "desc": "三分钟了解我们的产品",
        "link": own_link,
        "imgUrl": cover,
    }
    assert calls["timeline"] == {"title": "星河产品手册", "link": own_link, "imgUrl": cover}
    await context.close()
