"""One jinja2 environment for every server-rendered page (console, errors, later the sidebar)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import jinja2
from aiohttp import web

from bot.contacts import timeline
from bot.values import local_time

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"

env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, auto_reload=False, enable_async=False
)

GENDERS = {0: "未知", 1: "男", 2: "女"}
RELATION_STATUS = {"active": "未流失", "lost": "已流失", "deleted": "已删除"}
ADD_WAYS = {
    0: "未知来源", 1: "扫描二维码", 2: "搜索手机号", 3: "名片分享", 4: "群聊", 5: "手机通讯录",
    6: "微信联系人", 7: "微信好友申请", 8: "第三方应用", 9: "搜索邮箱", 10: "视频号", 201: "内部成员共享",
    202: "管理员/负责人分配",
}  # fmt: skip


TIMELINE_LABELS = {
    timeline.ADDED: "添加好友",
    timeline.LOST: "客户删除了员工（流失）",
    timeline.DELETED_BY_STAFF: "员工删除了客户",
    timeline.REMARK_CHANGED: "修改备注",
    timeline.TAGS_ADDED: "打上标签",
    timeline.TAGS_REMOVED: "移除标签",
    timeline.TRANSFER_FAILED: "客户接替失败",
    timeline.JOINED_GROUP: "加入客户群",
    timeline.LEFT_GROUP: "退出客户群",
    timeline.FOLLOW_UP: "跟进记录",
    timeline.STAGE_CHANGED: "客户阶段变更",
    timeline.REMINDER_SENT: "跟进提醒已发送",
    timeline.RADAR_OPENED: "打开了雷达",
    timeline.RADAR_READ: "读完了雷达 80 %",
    timeline.RADAR_SHARED: "分享了雷达",
}


env.filters["local"] = local_time
# Timeline payloads keep times as ISO text (JSON has no datetime).
env.filters["local_iso"] = lambda text, tz: local_time(datetime.fromisoformat(text), tz) if text else ""
env.globals.update(GENDERS=GENDERS, RELATION_STATUS=RELATION_STATUS, ADD_WAYS=ADD_WAYS)


def render(name: str, context: dict, status: int = 200) -> web.Response:
    html = env.get_template(name).render(**context)
    return web.Response(text=html, status=status, content_type="text/html")


class StaticUrls:
    """Versioned static URLs, worked out once per file: aiohttp hashes the whole file on every url_for
    (pdf.js's worker is over a megabyte), and the files ship with the package, unchanged while it runs."""

    def __init__(self, router: web.UrlDispatcher):
        self._router = router
        self._urls: dict[str, str] = {}

    def __call__(self, filename: str) -> str:
        url = self._urls.get(filename)
        if url is None:
            url = self._urls[filename] = str(self._router["static"].url_for(filename=filename))
        return url


STATIC_URLS = web.AppKey("static_urls", StaticUrls)


def setup_static(app: web.Application) -> None:
    """The static files, and the per-file URL cache templates reach as static('path')."""
    app.router.add_static("/static/", STATIC, name="static", append_version=True)
    app[STATIC_URLS] = StaticUrls(app.router)
