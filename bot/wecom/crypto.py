"""WeCom callback crypto: verify and decrypt what WeCom sends, and build what WeCom would send."""

from __future__ import annotations

import binascii
import hmac
import re
import secrets
import struct
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from wechatpy.crypto import _get_signature
from wechatpy.enterprise.crypto import PrpCrypto, WeChatCrypto
from wechatpy.utils import to_text

from bot.wecom.events import MalformedEvent, read_flat_xml


class CallbackRejected(Exception):
    """A callback request that must be refused; `reason` is safe to log (no secrets, no payload).

    `forged` marks requests that are well-formed but not from WeCom for this corp (bad signature,
    another corp's id), as opposed to requests that are simply broken.
    """

    def __init__(self, reason: str, *, forged: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.forged = forged


@dataclass(frozen=True)
class Delivery:
    """One signed, encrypted callback request as WeCom sends it."""

    query: dict[str, str]
    body: bytes

    @property
    def query_string(self) -> str:
        return urlencode(self.query)


# WeCom's envelope is fixed: <xml> with ToUserName, Encrypt and AgentID, CDATA or plain text. Bodies of that
# exact shape are read with this pattern (no DTD can hide in it); anything else goes to the hardened parser.
_ENVELOPE = re.compile(
    rb"\s*(?:<\?xml[^<>]*\?>\s*)?<xml>\s*(?:<(ToUserName|Encrypt|AgentID)>(?:<!\[CDATA\[([^\]<>]*)\]\]>|([^<>&]*))"
    rb"</\1>\s*)+</xml>\s*"
)
_FIELD = re.compile(rb"<(ToUserName|Encrypt|AgentID)>(?:<!\[CDATA\[([^\]<>]*)\]\]>|([^<>&]*))</\1>")


def _envelope(body: bytes) -> tuple[str, str]:
    """(ToUserName, Encrypt) of a callback body; raises CallbackRejected for anything not an envelope."""
    if _ENVELOPE.fullmatch(body):
        fields = {m[1]: (m[2] if m[2] is not None else m[3]) for m in _FIELD.finditer(body)}
        return (fields.get(b"ToUserName", b"").decode().strip(), fields.get(b"Encrypt", b"").decode().strip())
    try:
        fields, _ = read_flat_xml(body)
    except MalformedEvent as exc:
        raise CallbackRejected(f"envelope is {exc}") from None
    return fields.get("ToUserName", ""), fields.get("Encrypt", "")


class CallbackCrypto:
    """The callback contract of one corp: token + EncodingAESKey + CorpID (receiveid)."""

    def __init__(self, token: str, encoding_aes_key: str, corp_id: str):
        self.token = token
        self.corp_id = corp_id
        self._crypto = WeChatCrypto(token, encoding_aes_key, corp_id)
        self._cipher = PrpCrypto(self._crypto.key).cipher
        self._receive_id = corp_id.encode("utf-8")

    # -- receiving side -------------------------------------------------------------------------

    def verify_url(self, msg_signature: str, timestamp: str, nonce: str, echostr: str) -> str:
        """The GET handshake: check the signature over echostr and return its plaintext."""
        self._check_signature(msg_signature, timestamp, nonce, echostr)
        return self._decrypt(echostr)

    def decrypt_body(self, body: bytes, msg_signature: str, timestamp: str, nonce: str) -> str:
        """The POST delivery: parse the envelope safely, check the signature, return the plaintext XML."""
        to_user, encrypt = _envelope(body)
        if to_user and to_user != self.corp_id:
            raise CallbackRejected("envelope ToUserName is another corp", forged=True)
        if not encrypt:
            raise CallbackRejected("envelope has no Encrypt")
        self._check_signature(msg_signature, timestamp, nonce, encrypt)
        return self._decrypt(encrypt)

    def _check_signature(self, msg_signature: str, timestamp: str, nonce: str, encrypt: str) -> None:
        if not (msg_signature and timestamp and nonce):
            raise CallbackRejected("missing msg_signature, timestamp or nonce")
        expected = _get_signature(self.token, timestamp, nonce, encrypt)
        if not hmac.compare_digest(expected.encode(), msg_signature.encode()):
            raise CallbackRejected("signature mismatch", forged=True)

    def _decrypt(self, encrypt: str) -> str:
        # wechatpy's PrpCrypto trusts the pad byte and the length prefix, so a forged or truncated
        # ciphertext could make it raise nearly anything or return garbage. The cipher is wechatpy's;
        # the layout (random16 | len32 | msg | receiveid | pad) is checked strictly here, in one pass.
        try:
            raw = binascii.a2b_base64(encrypt.encode("ascii"), strict_mode=True)
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raise CallbackRejected("Encrypt is not valid base64") from None
        if not raw or len(raw) % 32:
            raise CallbackRejected("ciphertext is not a whole number of blocks")
        plain = self._cipher.decrypt(raw)
        pad = plain[-1]
        if not 1 <= pad <= 32 or len(plain) < 20 + pad:
            raise CallbackRejected("ciphertext has broken padding")
        content = plain[16:-pad]
        (length,) = struct.unpack(">I", content[:4])
        if length > len(content) - 4:
            raise CallbackRejected("ciphertext has a broken length prefix")
        if content[4 + length :] != self._receive_id:
            raise CallbackRejected("message is addressed to another corp", forged=True)
        try:
            return content[4 : 4 + length].decode("utf-8")
        except UnicodeDecodeError:
            raise CallbackRejected("message is not UTF-8") from None

    # -- sending side (the emulator plays WeCom) -----------------------------------------------

    def encrypt(self, plaintext: str) -> str:
        return to_text(PrpCrypto(self._crypto.key).encrypt(plaintext, self.corp_id))

    def sign(self, timestamp: str, nonce: str, encrypt: str) -> str:
        return _get_signature(self.token, timestamp, nonce, encrypt)

    def build_delivery(self, plain_xml: str, agent_id: str | int | None = None) -> Delivery:
        """Encrypt an event the way WeCom POSTs it: fresh random prefix, timestamp and nonce each time."""
        encrypt = self.encrypt(plain_xml)
        timestamp, nonce = str(int(time.time())), str(secrets.randbelow(10**10))
        agent = f"<AgentID><![CDATA[{agent_id}]]></AgentID>" if agent_id is not None else ""
        body = (
            f"<xml><ToUserName><![CDATA[{self.corp_id}]]></ToUserName>{agent}"
            f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        ).encode()
        query = {
            "msg_signature": self.sign(timestamp, nonce, encrypt),
            "timestamp": timestamp,
            "nonce": nonce,
        }
        return Delivery(query=query, body=body)

    def build_verification(self, echo_plain: str) -> dict[str, str]:
        """The GET query WeCom sends when an admin saves the callback URL."""
        encrypt = self.encrypt(echo_plain)
        timestamp, nonce = str(int(time.time())), str(secrets.randbelow(10**10))
        return {
            "msg_signature": self.sign(timestamp, nonce, encrypt),
            "timestamp": timestamp,
            "nonce": nonce,
            "echostr": encrypt,
        }
