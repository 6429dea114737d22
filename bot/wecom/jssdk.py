"""JS-SDK signatures for wx.config / wx.agentConfig (ww.register) as in WeCom doc 96909."""

from __future__ import annotations

import hashlib
import secrets
import string
import time

_NONCE_ALPHABET = string.ascii_letters + string.digits


def sign(ticket: str, noncestr: str, timestamp: int | str, url: str) -> str:
    """sha1 over the four raw values in WeCom's fixed order; the URL is cut at '#' and not re-encoded."""
    page_url = url.split("#", 1)[0]
    plain = f"jsapi_ticket={ticket}&noncestr={noncestr}&timestamp={timestamp}&url={page_url}"
    return hashlib.sha1(plain.encode("utf-8")).hexdigest()


def config_for(
    url: str,
    corp_ticket: str,
    agent_ticket: str,
    corp_id: str,
    agent_id: int,
    noncestr: str | None = None,
    timestamp: int | None = None,
) -> dict[str, object]:
    """What the sidebar page needs for both registrations: corp signature and app (agent) signature."""
    noncestr = noncestr or "".join(secrets.choice(_NONCE_ALPHABET) for _ in range(16))
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    return {
        "corpId": corp_id,
        "agentId": agent_id,
        "timestamp": timestamp,
        "nonceStr": noncestr,
        "signature": sign(corp_ticket, noncestr, timestamp, url),
        "agentSignature": sign(agent_ticket, noncestr, timestamp, url),
    }


async def jssdk_config(wecom, corp_id: str, agent_id: int, url: str) -> dict[str, object]:
    """Both signatures ww.register asks for: the corp's (config) and the app's (agentConfig)."""
    corp_ticket = await wecom.get_jsapi_ticket()
    agent_ticket = await wecom.get_agent_ticket()
    return config_for(url, corp_ticket, agent_ticket, corp_id, agent_id)
