"""Helpers for tests that play WeCom by hand: event XML and signed, encrypted POSTs."""

from __future__ import annotations

from bot.wecom.crypto import CallbackCrypto


def contact_event_xml(
    corp_id: str, change: str, userid: str, external_userid: str, create_time: int, state: str = ""
) -> str:
    state_xml = f"<State><![CDATA[{state}]]></State>" if state else ""
    return (
        f"<xml><ToUserName><![CDATA[{corp_id}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>"
        f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        "<Event><![CDATA[change_external_contact]]></Event>"
        f"<ChangeType><![CDATA[{change}]]></ChangeType><UserID><![CDATA[{userid}]]></UserID>"
        f"<ExternalUserID><![CDATA[{external_userid}]]></ExternalUserID>{state_xml}</xml>"
    )


async def post_event(client, crypto: CallbackCrypto, plain_xml: str):
    """POST one event the way WeCom does (fresh encryption each call); returns the response."""
    delivery = crypto.build_delivery(plain_xml, 1000002)
    return await client.post(
        f"/wecom/callback?{delivery.query_string}", data=delivery.body, headers={"Content-Type": "text/xml"}
    )


async def inbox_counts(client) -> dict:
    response = await client.get("/healthz")
    assert response.status == 200
    return (await response.json())["inbox"]
