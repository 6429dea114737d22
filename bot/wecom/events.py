"""Typed WeCom callback events parsed from decrypted XML (self-built app format, wecom-protocol.md §2)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar
from xml.parsers.expat import ExpatError, ParserCreate


class MalformedEvent(ValueError):
    """Decrypted text that is not an event we can read at all (not XML, or not an <xml> document)."""


@dataclass(frozen=True)
class Event:
    """Fields every event carries; `data` keeps every top-level field as WeCom sent it."""

    event: str
    change_type: str
    create_time: int
    to_user: str
    from_user: str
    msg_type: str
    data: dict[str, str] = field(repr=False, compare=False)

    family: ClassVar[str] = "unknown"

    @property
    def partition_key(self) -> str:
        """Events with one key are handled one at a time, in order; '' means no ordering is needed."""
        return ""


@dataclass(frozen=True)
class ExternalContactEvent(Event):
    """change_external_contact: a customer relation was added, edited, lost, deleted or not transferred."""

    user_id: str = ""
    external_user_id: str = ""
    state: str = ""
    welcome_code: str = ""
    source: str = ""
    fail_reason: str = ""

    family: ClassVar[str] = "contact"

    @property
    def partition_key(self) -> str:
        return f"customer:{self.external_user_id}"


@dataclass(frozen=True)
class ExternalChatEvent(Event):
    """change_external_chat: a customer group was created, updated (members, owner, name, notice) or
    dismissed."""

    chat_id: str = ""
    update_detail: str = ""
    join_scene: int | None = None
    quit_scene: int | None = None
    mem_change_cnt: int | None = None
    mem_change_list: tuple[str, ...] = ()
    last_mem_ver: str = ""
    cur_mem_ver: str = ""

    family: ClassVar[str] = "chat"

    @property
    def partition_key(self) -> str:
        return f"chat:{self.chat_id}"


@dataclass(frozen=True)
class ExternalTagEvent(Event):
    """change_external_tag: a corp tag or tag group was created, updated, deleted, or tags were reordered."""

    id: str = ""
    tag_type: str = ""
    strategy_id: str = ""

    family: ClassVar[str] = "tag"

    @property
    def partition_key(self) -> str:
        # Tag events carry only an id and must be re-read in order; one queue for the whole corp.
        return "tags"


@dataclass(frozen=True)
class ContactEvent(Event):
    """change_contact: a member or department of the corp directory changed."""

    user_id: str = ""
    new_user_id: str = ""
    name: str = ""
    departments: tuple[int, ...] = ()
    main_department: int | None = None
    is_leader_in_dept: tuple[int, ...] = ()
    direct_leader: tuple[str, ...] = ()
    position: str = ""
    mobile: str = ""
    gender: str = ""
    email: str = ""
    status: int | None = None
    avatar: str = ""
    alias: str = ""
    party_id: int | None = None
    parent_id: int | None = None
    order: int | None = None
    tag_id: int | None = None
    add_user_items: tuple[str, ...] = ()
    del_user_items: tuple[str, ...] = ()
    add_party_items: tuple[int, ...] = ()
    del_party_items: tuple[int, ...] = ()

    family: ClassVar[str] = "directory"

    @property
    def partition_key(self) -> str:
        if self.change_type.endswith("_user"):
            return f"member:{self.user_id}"
        return "directory"


@dataclass(frozen=True)
class UnknownEvent(Event):
    """Anything else WeCom may send (messages, app events, future event types): stored, then skipped."""


class _Refused(Exception):
    pass


def _refuse(*_args) -> None:
    raise _Refused


# Event XML as WeCom writes it: <xml> holding leaf fields (CDATA or plain text without entities) and
# lists of <Item>s. Text of exactly this shape is read with two patterns, no parser; anything else (entities,
# attributes, a DTD, nesting) goes through the refusing expat parser below.
_LEAF = r"(?:<!\[CDATA\[[^\]]*\]\]>|[^<>&]*)"
_FLAT_EVENT = re.compile(
    rf"\s*(?:<\?xml[^<>]*\?>\s*)?<xml>\s*(?:<(\w+)>(?:{_LEAF}|\s*(?:<Item>{_LEAF}</Item>\s*)*)</\1>\s*)*</xml>\s*"
)
_TOP_FIELD = re.compile(rf"<(\w+)>({_LEAF}|\s*(?:<Item>{_LEAF}</Item>\s*)*)</\1>")
_ITEM = re.compile(rf"<Item>({_LEAF})</Item>")


def _leaf(raw: str) -> str:
    return (raw[9:-3] if raw.startswith("<![CDATA[") else raw).strip()


def read_flat_xml(text: str | bytes) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The leaf fields under <xml> and the <Item> lists of WeCom's flat XML (events and envelopes alike);
    raises MalformedEvent for anything else, including any DTD or entity declaration."""
    if isinstance(text, str) and _FLAT_EVENT.fullmatch(text):
        fields: dict[str, str] = {}
        lists: dict[str, list[str]] = {}
        body = text[text.index("<xml>") + 5 :]
        for match in _TOP_FIELD.finditer(body):
            name, raw = match[1], match[2]
            if "<Item>" in raw:
                lists[name] = [_leaf(item) for item in _ITEM.findall(raw)]
            else:
                fields[name] = value = _leaf(raw)
                if value and name in _LIST_FIELDS:
                    lists.setdefault(name, []).extend(_csv(value))
        return fields, lists
    return _expat_parse(text)


def _expat_parse(text: str | bytes) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Event XML is flat: <xml> holds leaf fields, and a few lists hold <Item>s. An expat pass that
    refuses DTDs, entity declarations and external references, and builds no tree (it runs on the
    callback's request path)."""
    parser = ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    fields: dict[str, str] = {}
    lists: dict[str, list[str]] = {}
    path: list[str] = []
    text_parts: list[str] = []
    has_children: list[bool] = []

    def start(name: str, _attrs) -> None:
        if not path and name != "xml":
            raise _Refused
        if has_children:
            has_children[-1] = True
        path.append(name)
        has_children.append(False)
        text_parts.clear()

    def end(name: str) -> None:
        path.pop()
        nested = has_children.pop()
        value = "".join(text_parts).strip()
        text_parts.clear()
        if len(path) == 1 and not nested:
            fields[name] = value
            if value and name in _LIST_FIELDS:  # the older comma-separated form of a list
                lists.setdefault(name, []).extend(_csv(value))
        elif len(path) == 2 and name == "Item":
            lists.setdefault(path[1], []).append(value)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text_parts.append
    try:
        parser.Parse(text, True)
    except (_Refused, ExpatError, ValueError):
        raise MalformedEvent("not acceptable event XML") from None
    return fields, lists


_LIST_FIELDS = frozenset({"MemChangeList"})


def parse_event(text: str | bytes) -> Event:
    data, lists = read_flat_xml(text)
    base = {
        "event": data.get("Event", ""),
        "change_type": data.get("ChangeType", ""),
        "create_time": _int(data.get("CreateTime")) or 0,
        "to_user": data.get("ToUserName", ""),
        "from_user": data.get("FromUserName", ""),
        "msg_type": data.get("MsgType", ""),
        "data": data,
    }
    if base["msg_type"] != "event":
        return UnknownEvent(**base)
    builder = _BUILDERS.get(base["event"])
    return builder(lists, data, base) if builder else UnknownEvent(**base)


def _external_contact(lists: dict, d: dict[str, str], base: dict) -> Event:
    return ExternalContactEvent(
        **base,
        user_id=d.get("UserID", ""),
        external_user_id=d.get("ExternalUserID", ""),
        state=d.get("State", ""),
        welcome_code=d.get("WelcomeCode", ""),
        source=d.get("Source", ""),
        fail_reason=d.get("FailReason", ""),
    )


def _external_chat(lists: dict, d: dict[str, str], base: dict) -> Event:
    return ExternalChatEvent(
        **base,
        chat_id=d.get("ChatId", ""),
        update_detail=d.get("UpdateDetail", ""),
        join_scene=_int(d.get("JoinScene")),
        quit_scene=_int(d.get("QuitScene")),
        mem_change_cnt=_int(d.get("MemChangeCnt")),
        mem_change_list=tuple(i for i in lists.get("MemChangeList", ()) if i),
        last_mem_ver=d.get("LastMemVer", ""),
        cur_mem_ver=d.get("CurMemVer", ""),
    )


def _external_tag(lists: dict, d: dict[str, str], base: dict) -> Event:
    return ExternalTagEvent(
        **base, id=d.get("Id", ""), tag_type=d.get("TagType", ""), strategy_id=d.get("StrategyId", "")
    )


def _contact(lists: dict, d: dict[str, str], base: dict) -> Event:
    is_party = base["change_type"].endswith("_party")
    return ContactEvent(
        **base,
        user_id=d.get("UserID", ""),
        new_user_id=d.get("NewUserID", ""),
        name=d.get("Name", ""),
        departments=_ints(d.get("Department", "")),
        main_department=_int(d.get("MainDepartment")),
        is_leader_in_dept=_ints(d.get("IsLeaderInDept", "")),
        direct_leader=_csv(d.get("DirectLeader", "")),
        position=d.get("Position", ""),
        mobile=d.get("Mobile", ""),
        gender=d.get("Gender", ""),
        email=d.get("Email", ""),
        status=_int(d.get("Status")),
        avatar=d.get("Avatar", ""),
        alias=d.get("Alias", ""),
        party_id=_int(d.get("Id")) if is_party else None,
        parent_id=_int(d.get("ParentId")),
        order=_int(d.get("Order")),
        tag_id=_int(d.get("TagId")),
        add_user_items=_csv(d.get("AddUserItems", "")),
        del_user_items=_csv(d.get("DelUserItems", "")),
        add_party_items=_ints(d.get("AddPartyItems", "")),
        del_party_items=_ints(d.get("DelPartyItems", "")),
    )


_BUILDERS = {
    "change_external_contact": _external_contact,
    "change_external_chat": _external_chat,
    "change_external_tag": _external_tag,
    "change_contact": _contact,
}


def _csv(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _ints(text: str) -> tuple[int, ...]:
    return tuple(n for n in (_int(part) for part in _csv(text)) if n is not None)


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text not in (None, "") else None
    except ValueError:
        return None
