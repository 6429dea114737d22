"""Callback crypto against Tencent's published sample vectors, and the emulator's envelopes."""

import pytest

from bot.wecom.crypto import CallbackCrypto, CallbackRejected

TOKEN = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
KEY = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
CORP = "ww1436e0e65a779aee"
GET_ECHOSTR = "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA=="
POST_BODY = (
    b"<xml><ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName>\n<Encrypt><![CDATA["
    b"Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGzBhzTtRLNshw2AEew+"
    b"kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24Yhm"
    b"ZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwo"
    b"cugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+]]></Encrypt>\n"
    b"<AgentID><![CDATA[1000002]]></AgentID>\n</xml>"
)
POST_PLAIN = (
    "<xml><ToUserName>ww1436e0e65a779aee</ToUserName><FromUserName>ChenJiaShun</FromUserName>"
    "<CreateTime>1476422779</CreateTime><MsgType>text</MsgType><Content>你好</Content>"
    "<MsgId>1456453720</MsgId><AgentID>1000002</AgentID></xml>"
)

official = CallbackCrypto(TOKEN, KEY, CORP)


def test_official_get_vector_returns_the_echo():
    echo = official.verify_url(
        "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb", "1476416373", "47744683", GET_ECHOSTR
    )
    assert echo == "1288432023552776189"


def test_official_post_vector_decrypts_to_the_message():
    plain = official.decrypt_body(
        POST_BODY, "0c3914025cb4b4d68103f6bfc8db550f79dcf48e", "1476422779", "1597212914"
    )
    assert plain == POST_PLAIN


def test_a_tampered_signature_is_refused():
    with pytest.raises(CallbackRejected, match="signature"):
        official.decrypt_body(
            POST_BODY, "0c3914025cb4b4d68103f6bfc8db550f79dcf48f", "1476422779", "1597212914"
        )


def test_a_message_for_another_corp_is_refused():
    other = CallbackCrypto(TOKEN, KEY, "ww0000000000000000")
    delivery = other.build_delivery("<xml><a>1</a></xml>")
    body = delivery.body.replace(b"ww0000000000000000", CORP.encode())
    with pytest.raises(CallbackRejected, match="another corp"):
        official.decrypt_body(body, **delivery.query)


def test_each_delivery_of_one_event_is_encrypted_afresh_and_decrypts_the_same():
    first, second = official.build_delivery(POST_PLAIN, 1000002), official.build_delivery(POST_PLAIN, 1000002)
    assert first.body != second.body
    assert official.decrypt_body(first.body, **first.query) == official.decrypt_body(
        second.body, **second.query
    )


def test_the_verification_query_round_trips():
    assert official.verify_url(**official.build_verification("5927214331")) == "5927214331"
