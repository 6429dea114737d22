"""Event XML in the self-built app format (§2): the plaintext the callback sender encrypts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

# A value is a string (CDATA), an int (bare), a list (<Item> children) or None (element omitted).
Value = str | int | Sequence[str] | None


def cdata(text: str) -> str:
    # "]]>" cannot appear inside a CDATA section: close it after "]]" and reopen for the ">".
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def element(name: str, value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int):
        return f"<{name}>{value}</{name}>"
    if isinstance(value, str):
        return f"<{name}>{cdata(value)}</{name}>"
    items = "".join(f"<Item>{cdata(str(v))}</Item>" for v in value)
    return f"<{name}>{items}</{name}>"


def event_xml(corp_id: str, create_time: int, event: str, fields: Iterable[tuple[str, Value]]) -> str:
    """<xml> with the envelope WeCom uses for customer-contact events: FromUserName is always sys."""
    head = [
        ("ToUserName", corp_id),
        ("FromUserName", "sys"),
        ("CreateTime", int(create_time)),
        ("MsgType", "event"),
        ("Event", event),
    ]
    return "<xml>" + "".join(element(k, v) for k, v in [*head, *fields]) + "</xml>"


def external_contact(
    corp_id: str,
    create_time: int,
    change_type: str,
    userid: str,
    external_userid: str,
    *,
    state: str | None = None,
    welcome_code: str | None = None,
    source: str | None = None,
    fail_reason: str | None = None,
) -> str:
    return event_xml(
        corp_id,
        create_time,
        "change_external_contact",
        [
            ("ChangeType", change_type),
            ("UserID", userid),
            ("ExternalUserID", external_userid),
            ("State", state or None),
            ("WelcomeCode", welcome_code),
            ("Source", source),
            ("FailReason", fail_reason),
        ],
    )


def external_chat(
    corp_id: str,
    create_time: int,
    change_type: str,
    chat_id: str,
    *,
    update_detail: str | None = None,
    join_scene: int | None = None,
    quit_scene: int | None = None,
    changed: Sequence[str] | None = None,
    last_mem_ver: str | None = None,
    cur_mem_ver: str | None = None,
) -> str:
    return event_xml(
        corp_id,
        create_time,
        "change_external_chat",
        [
            ("ChatId", chat_id),
            ("ChangeType", change_type),
            ("UpdateDetail", update_detail),
            ("JoinScene", join_scene),
            ("QuitScene", quit_scene),
            ("MemChangeCnt", len(changed) if changed is not None else None),
            ("MemChangeList", changed),
            ("LastMemVer", last_mem_ver),
            ("CurMemVer", cur_mem_ver),
        ],
    )


def external_tag(
    corp_id: str,
    create_time: int,
    change_type: str,
    id: str,
    *,
    tag_type: str | None = None,
    strategy_id: str | None = None,
) -> str:
    return event_xml(
        corp_id,
        create_time,
        "change_external_tag",
        [("Id", id), ("TagType", tag_type), ("StrategyId", strategy_id), ("ChangeType", change_type)],
    )


def contact(corp_id: str, create_time: int, change_type: str, fields: Iterable[tuple[str, Value]]) -> str:
    return event_xml(corp_id, create_time, "change_contact", [("ChangeType", change_type), *fields])
