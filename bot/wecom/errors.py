"""WeCom error codes and the typed exceptions the client raises for them."""

from __future__ import annotations

# errcode -> errmsg, in WeCom's own (English) wording. The emulator answers with these texts plus WeCom's
# ", hint: [...]" suffix; the client only ever branches on the code (WeCom says not to match errmsg).
ERRMSG: dict[int, str] = {
    -1: "system busy",  # 系统繁忙, retry
    0: "ok",
    40001: "invalid credential",  # 不合法的secret参数 (gettoken), or a token WeCom no longer accepts
    40003: "invalid userid",  # 无效的UserID
    40008: "invalid message type",  # 不合法的消息类型
    40013: "invalid corpid",  # 不合法的CorpID
    40014: "invalid access_token",  # 不合法的access_token
    40029: "invalid code",  # 不合法的oauth_code: reused or older than 5 minutes
    40050: "chatid not found",  # 不合法的群聊 chat_id
    40056: "invalid agentid",
    40058: "invalid Request Parameter",  # 不合法的参数: lengths, counts, cursors
    40068: "invalid tagid",  # 不合法的标签ID
    40071: "tag name already exists",  # 标签名字已经存在
    40096: "invalid external userid",  # 不合法的外部联系人userid
    41001: "access_token missing",  # 缺少access_token参数
    41002: "corpid missing",  # 缺少corpid参数
    41004: "corpsecret missing",  # 缺少secret参数
    41008: "missing oauth code",  # 缺少oauth code
    41009: "missing userid",  # 缺少userid参数
    41011: "missing agentid",  # 缺少agentid参数
    41033: "missing description",  # 缺少description参数 (textcard)
    41051: "externaluser has started chatting",  # welcome code used, expired, or another app was first
    42001: "access_token expired",  # access_token已过期
    43001: "require GET method",
    43002: "require POST method",
    44004: "empty content",  # 文本消息content参数为空
    45002: "content size out of limit",
    45009: "api freq out of limit",  # 接口调用超过限制
    45033: "api concurrent out of limit",  # 接口并发调用超过限制
    47001: "data format error",  # body is not JSON
    48002: "api forbidden",  # API接口无权限调用: secret's app may not call it
    60011: "no privilege to access/modify contact/party/agent",  # outside the app's visible range
    60020: "not allow to access from your ip",
    60111: "userid not found",  # UserID不存在
    60123: "invalid party id",
    81013: "user & party & tag all invalid",  # message/send: no valid recipient
    81017: "too many owners, owner_filter required",  # groupchat/list over a visible range > 1000
    84061: "not external contact",  # 不存在外部联系人的关系
    84074: "no external contact permission",  # 没有外部联系人权限
}

TOKEN_ERRCODES = frozenset({40001, 40014, 42001})
RETRYABLE_ERRCODES = frozenset({-1, 45009, 45033})


class WeComError(Exception):
    """A WeCom call that failed; `str()` names the path and code, never a token or secret."""

    def __init__(self, errcode: int | None, errmsg: str, path: str):
        self.errcode = errcode
        self.errmsg = errmsg
        # Only the path: the query string is where the access_token lives.
        self.path = path.split("?", 1)[0]
        super().__init__(self.errcode, self.errmsg, self.path)

    def __str__(self) -> str:
        return f"WeCom {self.path} failed with {self.errcode}: {self.errmsg}"


class TokenError(WeComError):
    """WeCom refuses our credentials: bad secret/corp id, or a token rejected again right after a refresh."""

    def __str__(self) -> str:
        if self.path.endswith("gettoken") or self.errcode == 40013:
            return (
                f"WeCom refused the credentials on {self.path} ({self.errcode} {self.errmsg}); "
                "check the corp id and the secret"
            )
        return (
            f"WeCom keeps rejecting the access token ({self.errcode}) on {self.path} after a refresh; "
            "check the secret"
        )


class RateLimited(WeComError):
    """45009/45033 still answered after the client's retries."""


class SystemBusy(WeComError):
    """-1 still answered after the client's retries."""


class NoRelation(WeComError):
    """84061: the member does not (or no longer) follow that customer."""


class NoPermission(WeComError):
    """60011/48002/84074/60020: outside the app's visible range, wrong secret, or IP not whitelisted."""


class InvalidParameter(WeComError):
    """40058/40096/40003/40068/40050...: WeCom rejected a parameter; errmsg says which one."""


class UserNotFound(WeComError):
    """60111: no member with that userid."""


class InvalidCode(WeComError):
    """40029/41008: an OAuth code that is unknown, used, older than 5 minutes, or missing."""


class WelcomeCodeUsed(WeComError):
    """41051: the welcome code was used, expired (20 s), or another app sent the welcome first."""


class WeComUnavailable(WeComError):
    """WeCom could not be reached or answered garbage (connection refused, timeout, non-JSON); no errcode."""

    def __init__(self, path: str, reason: str):
        super().__init__(None, reason, path)

    def __str__(self) -> str:
        return f"WeCom {self.path} unavailable: {self.errmsg}"


_CLASSES: dict[int, type[WeComError]] = {
    -1: SystemBusy,
    40001: TokenError,
    40013: TokenError,
    41002: TokenError,
    41004: TokenError,
    40014: TokenError,
    42001: TokenError,
    45009: RateLimited,
    45033: RateLimited,
    84061: NoRelation,
    60011: NoPermission,
    48002: NoPermission,
    84074: NoPermission,
    60020: NoPermission,
    40003: InvalidParameter,
    40008: InvalidParameter,
    40050: InvalidParameter,
    40056: InvalidParameter,
    40058: InvalidParameter,
    40068: InvalidParameter,
    40071: InvalidParameter,
    40096: InvalidParameter,
    41009: InvalidParameter,
    41011: InvalidParameter,
    41033: InvalidParameter,
    44004: InvalidParameter,
    45002: InvalidParameter,
    47001: InvalidParameter,
    60123: InvalidParameter,
    81013: InvalidParameter,
    60111: UserNotFound,
    40029: InvalidCode,
    41008: InvalidCode,
    41051: WelcomeCodeUsed,
}


def error_for(errcode: int, errmsg: str, path: str) -> WeComError:
    """The typed exception for an errcode (plain WeComError for codes without a class)."""
    return _CLASSES.get(errcode, WeComError)(errcode, errmsg, path)
