"""JS-SDK signatures the sidebar page registers with (WeCom doc 96909)."""

from bot.wecom.jssdk import config_for, sign

TICKET = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"


def test_official_vector():
    signature = sign(TICKET, "Wm3WZYTPz0wzccnW", 1414587457, "http://mp.weixin.qq.com?params=value")

    assert signature == "0f9de62fce790f9a083d5c99e95740ceb90c27ed"


def test_fragment_is_ignored():
    plain = sign(TICKET, "Wm3WZYTPz0wzccnW", "1414587457", "http://mp.weixin.qq.com?params=value")

    assert (
        sign(TICKET, "Wm3WZYTPz0wzccnW", "1414587457", "http://mp.weixin.qq.com?params=value#frag") == plain
    )


def test_config_signs_with_both_tickets():
    url = "https://scrm.example.com/sidebar?entry=single_chat_tools#/customer"
    config = config_for(
        url, "corp-ticket", "agent-ticket", "ww0123456789abcdef", 1000002, "nonce", 1700000000
    )

    assert config == {
        "corpId": "ww0123456789abcdef",
        "agentId": 1000002,
        "timestamp": 1700000000,
        "nonceStr": "nonce",
        "signature": sign("corp-ticket", "nonce", 1700000000, url),
        "agentSignature": sign("agent-ticket", "nonce", 1700000000, url),
    }
    assert config["signature"] != config["agentSignature"]


def test_config_makes_a_fresh_nonce_and_timestamp():
    first = config_for("https://a.example/", "t1", "t2", "ww1", 1)
    second = config_for("https://a.example/", "t1", "t2", "ww1", 1)

    assert len(first["nonceStr"]) == 16 and first["nonceStr"] != second["nonceStr"]
    assert isinstance(first["timestamp"], int)
