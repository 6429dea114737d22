"""WeChat's official-account web OAuth (网页授权): exchange a visitor's code for their openid and unionid."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import ClientError, ClientSession

from bot.wecom.errors import InvalidCode, WeComError

log = logging.getLogger(__name__)

# 40029 invalid code, 40163 code been used: the visitor must go through OAuth again
_BAD_CODE = frozenset({40029, 40163})
PATH = "sns/oauth2/access_token"


class WeChatOAuth:
    def __init__(self, session: ClientSession, *, base_url: str, app_id: str, app_secret: str):
        self._session = session
        self._base = base_url if base_url.endswith("/") else base_url + "/"
        self.app_id = app_id
        self._secret = app_secret

    async def exchange_code(self, code: str) -> dict[str, Any]:
        """{openid, unionid?, ...} for the code WeChat's authorize page handed the visitor's browser."""
        params = {
            "appid": self.app_id,
            "secret": self._secret,
            "code": code,
            "grant_type": "authorization_code",
        }
        try:
            async with self._session.get(self._base + PATH, params=params) as response:
                data = await response.json(content_type=None)
        except (ClientError, TimeoutError, ValueError) as exc:
            raise WeComError(None, f"unreachable: {type(exc).__name__}", PATH) from None
        errcode = data.get("errcode") or 0
        if errcode in _BAD_CODE:
            raise InvalidCode(errcode, str(data.get("errmsg", "")), PATH)
        if errcode or not data.get("openid"):
            raise WeComError(errcode or None, str(data.get("errmsg", "no openid")), PATH)
        return data
