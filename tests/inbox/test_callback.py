"""The callback endpoint: WeCom's handshake, durable storage before the 200, and refusal of bad input."""

import base64
import time

import pytest

from bot.wecom.crypto import CallbackCrypto
from tests.callbacks import contact_event_xml, inbox_counts, post_event


def add_event(corp, n: int = 1) -> str:
    return contact_event_xml(
        corp.corp_id, "add_external_contact", "zhangsan", f"wmCustomer{n:04d}", 1700000000 + n
    )


async def test_url_verification_answers_the_bare_echo(server, crypto):
    response = await server.get("/wecom/callback", params=crypto.build_verification("1288432023552776189"))
    assert response.status == 200
    assert await response.read() == b"1288432023552776189"


async def test_url_verification_with_a_wrong_signature_is_refused(server, crypto):
    query = crypto.build_verification("1288432023552776189") | {"msg_signature": "0" * 40}
    response = await server.get("/wecom/callback", params=query)
    assert response.status == 403
    assert "1288432023552776189" not in await response.text()


async def test_an_event_is_stored_before_the_empty_200(server, crypto, corp):
    response = await post_event(server, crypto, add_event(corp))
    assert response.status == 200
    assert await response.read() == b""
    assert (await inbox_counts(server))["total"] == 1


async def test_a_retried_delivery_lands_once(server, crypto, corp):
    # WeCom re-encrypts the same plaintext on each retry: four different bodies, one event.
    for _ in range(4):
        assert (await post_event(server, crypto, add_event(corp))).status == 200
    assert (await inbox_counts(server))["total"] == 1
    await post_event(server, crypto, add_event(corp, 2))
    assert (await inbox_counts(server))["total"] == 2


def _signed(crypto: CallbackCrypto, encrypt: str, corp_id: str) -> tuple[dict, bytes]:
    ts, nonce = str(int(time.time())), "4711"
    body = (
        f"<xml><ToUserName><![CDATA[{corp_id}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    )
    return {"msg_signature": crypto.sign(ts, nonce, encrypt), "timestamp": ts, "nonce": nonce}, body.encode()


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    + "]><xml><Encrypt>&lol9;</Encrypt></xml>"
)


def bad_request(kind: str, crypto: CallbackCrypto, corp) -> tuple[dict, bytes]:
    good = crypto.build_delivery(add_event(corp))
    if kind == "wrong signature":
        return good.query | {"msg_signature": "f" * 40}, good.body
    if kind == "missing signature":
        return {}, good.body
    if kind == "envelope for another corp":
        return good.query, good.body.replace(corp.corp_id.encode(), b"ww0000000000000000")
    if kind == "encrypted for another corp":
        other = CallbackCrypto(corp.token, corp.encoding_aes_key, "ww0000000000000000")
        return _signed(crypto, other.encrypt(add_event(corp)), corp.corp_id)
    if kind == "broken base64":
        return _signed(crypto, "not*base64*at*all", corp.corp_id)
    if kind == "broken padding":
        raw = bytearray(base64.b64decode(crypto.encrypt(add_event(corp))))
        raw[-17] ^= 0xE0  # CBC: flips the same bits of the last plaintext byte, the pad length
        return _signed(crypto, base64.b64encode(bytes(raw)).decode(), corp.corp_id)
    if kind == "truncated ciphertext":
        raw = base64.b64decode(crypto.encrypt(add_event(corp)))
        return _signed(crypto, base64.b64encode(raw[:-5]).decode(), corp.corp_id)
    if kind == "malformed envelope":
        return good.query, b"<xml><Encrypt>unterminated"
    if kind == "malformed event inside":
        return _signed(crypto, crypto.encrypt("<xml><Event>oops</xml"), corp.corp_id)
    if kind == "entity expansion envelope":
        return good.query, BILLION_LAUGHS.encode()
    if kind == "entity expansion inside":
        return _signed(crypto, crypto.encrypt(BILLION_LAUGHS.replace("Encrypt", "Event")), corp.corp_id)
    if kind == "body over 256 KB":
        return good.query, good.body + b" " * (256 * 1024)
    raise AssertionError(kind)


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("wrong signature", 403),
        ("missing signature", 400),
        ("envelope for another corp", 403),
        ("encrypted for another corp", 403),
        ("broken base64", 400),
        ("broken padding", 400),
        ("truncated ciphertext", 400),
        ("malformed envelope", 400),
        ("malformed event inside", 400),
        ("entity expansion envelope", 400),
        ("entity expansion inside", 400),
        ("body over 256 KB", 413),
    ],
)
async def test_bad_input_is_refused_stores_nothing_and_leaves_the_server_healthy(
    server, crypto, corp, kind, status
):
    query, body = bad_request(kind, crypto, corp)
    started = time.monotonic()
    response = await server.post("/wecom/callback", params=query, data=body)
    elapsed = time.monotonic() - started
    assert response.status == status, await response.text()
    assert (await response.text()).strip(), "a refusal says why"
    assert elapsed < 2.0, f"refusing {kind} took {elapsed:.2f}s"
    assert await inbox_counts(server) == {"total": 0, "pending": 0, "handled": 0, "dead": 0}
    assert (await post_event(server, crypto, add_event(corp))).status == 200


async def test_health_reports_database_and_inbox(server, crypto, corp):
    await post_event(server, crypto, add_event(corp, 1))
    await post_event(server, crypto, add_event(corp, 2))
    response = await server.get("/healthz")
    body = await response.json()
    assert response.status == 200
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["inbox"]["total"] == 2


async def test_an_unknown_page_is_a_chinese_404_page_and_the_api_answers_json(server):
    page = await server.get("/no/such/page")
    assert page.status == 404
    assert page.content_type == "text/html" and "页面不存在" in await page.text()
    api = await server.get("/api/v1/nothing-here")
    assert api.status == 404
    assert (await api.json())["status"] == 404


async def test_a_wrong_method_on_the_callback_is_refused_with_a_page(server):
    response = await server.put("/wecom/callback", data=b"x")
    assert response.status == 405
    assert "请求方式不支持" in await response.text()
