"""Decrypted callback XML becomes typed events; samples follow WeCom's self-built format (protocol §2)."""

import pytest

from bot.wecom.events import (
    ContactEvent,
    ExternalChatEvent,
    ExternalContactEvent,
    ExternalTagEvent,
    MalformedEvent,
    UnknownEvent,
    parse_event,
)

HEAD = (
    "<xml><ToUserName><![CDATA[ww55ca070cb9b7eb22]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>"
    "<CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType>"
)


def xml(body: str) -> str:
    return HEAD + body + "</xml>"


def contact(change: str, extra: str = "") -> str:
    return xml(
        f"<Event><![CDATA[change_external_contact]]></Event><ChangeType><![CDATA[{change}]]></ChangeType>"
        "<UserID><![CDATA[zhangsan]]></UserID><ExternalUserID><![CDATA[woAJ2GCAAAXtWyujaWJHDDGi0mAAAA]]>"
        f"</ExternalUserID>{extra}"
    )


def test_add_external_contact_carries_channel_state_and_welcome_code():
    e = parse_event(
        contact(
            "add_external_contact",
            "<State><![CDATA[teststate]]></State><WelcomeCode>WELCOMECODE</WelcomeCode>",
        )
    )
    assert isinstance(e, ExternalContactEvent)
    assert (e.change_type, e.user_id, e.external_user_id) == (
        "add_external_contact",
        "zhangsan",
        "woAJ2GCAAAXtWyujaWJHDDGi0mAAAA",
    )
    assert (e.state, e.welcome_code, e.create_time) == ("teststate", "WELCOMECODE", 1403610513)
    assert e.partition_key == "customer:woAJ2GCAAAXtWyujaWJHDDGi0mAAAA"


@pytest.mark.parametrize(
    ("change", "extra", "field", "value"),
    [
        ("add_half_external_contact", "<State>s1</State><WelcomeCode>W2</WelcomeCode>", "welcome_code", "W2"),
        ("edit_external_contact", "", "user_id", "zhangsan"),
        (
            "del_external_contact",
            "<Source><![CDATA[DELETE_BY_TRANSFER]]></Source>",
            "source",
            "DELETE_BY_TRANSFER",
        ),
        ("del_follow_user", "", "external_user_id", "woAJ2GCAAAXtWyujaWJHDDGi0mAAAA"),
        (
            "transfer_fail",
            "<FailReason><![CDATA[customer_refused]]></FailReason>",
            "fail_reason",
            "customer_refused",
        ),
    ],
)
def test_every_contact_change_type_is_typed(change, extra, field, value):
    e = parse_event(contact(change, extra))
    assert isinstance(e, ExternalContactEvent)
    assert e.change_type == change
    assert getattr(e, field) == value


def chat(detail: str, members: str) -> str:
    return xml(
        "<Event><![CDATA[change_external_chat]]></Event><ChatId><![CDATA[wrx7HUARsKwGRaQBVKPBTcEyzdHA4HrQ]]>"
        f"</ChatId><ChangeType><![CDATA[update]]></ChangeType><UpdateDetail><![CDATA[{detail}]]></UpdateDetail>"
        f"<JoinScene>1</JoinScene><QuitScene>0</QuitScene><MemChangeCnt>2</MemChangeCnt>{members}"
        "<LastMemVer>9c3f97c2ada667dfb5f6d03308d963e1</LastMemVer><CurMemVer>71217227bbd112ecfe3a49c482195cb4</CurMemVer>"
    )


def test_group_member_changes_list_every_member_whether_one_or_many():
    many = parse_event(
        chat("add_member", "<MemChangeList><Item>Jack</Item><Item>Rose</Item></MemChangeList>")
    )
    one = parse_event(chat("del_member", "<MemChangeList><Item>Jack</Item></MemChangeList>"))
    legacy = parse_event(chat("add_member", "<MemChangeList><![CDATA[Jack,Rose]]></MemChangeList>"))
    assert isinstance(many, ExternalChatEvent)
    assert many.mem_change_list == ("Jack", "Rose")
    assert one.mem_change_list == ("Jack",)
    assert legacy.mem_change_list == ("Jack", "Rose")
    assert (many.update_detail, many.join_scene, many.quit_scene, many.mem_change_cnt) == (
        "add_member",
        1,
        0,
        2,
    )
    assert (many.last_mem_ver, many.cur_mem_ver) == (
        "9c3f97c2ada667dfb5f6d03308d963e1",
        "71217227bbd112ecfe3a49c482195cb4",
    )
    assert many.partition_key == "chat:wrx7HUARsKwGRaQBVKPBTcEyzdHA4HrQ"


@pytest.mark.parametrize("change", ["create", "dismiss"])
def test_group_create_and_dismiss(change):
    e = parse_event(
        xml(f"<Event>change_external_chat</Event><ChatId>wrA</ChatId><ChangeType>{change}</ChangeType>")
    )
    assert isinstance(e, ExternalChatEvent)
    assert (e.change_type, e.chat_id, e.mem_change_list) == (change, "wrA", ())


@pytest.mark.parametrize("detail", ["change_owner", "change_name", "change_notice"])
def test_group_updates_without_members(detail):
    e = parse_event(
        xml(
            "<Event>change_external_chat</Event><ChatId>wrA</ChatId><ChangeType>update</ChangeType>"
            f"<UpdateDetail>{detail}</UpdateDetail>"
        )
    )
    assert e.update_detail == detail
    assert e.join_scene is None


@pytest.mark.parametrize(
    ("change", "tag_type"), [("create", "tag"), ("update", "tag_group"), ("delete", "tag")]
)
def test_tag_changes(change, tag_type):
    e = parse_event(
        xml(
            f"<Event>change_external_tag</Event><Id>TAG_ID</Id><TagType>{tag_type}</TagType>"
            f"<ChangeType>{change}</ChangeType>"
        )
    )
    assert isinstance(e, ExternalTagEvent)
    assert (e.change_type, e.id, e.tag_type) == (change, "TAG_ID", tag_type)
    assert e.partition_key == "tags"


def test_tag_shuffle_carries_the_rule_group():
    e = parse_event(
        xml(
            "<Event><![CDATA[change_external_tag]]></Event><Id><![CDATA[GROUP_ID]]></Id>"
            "<StrategyId><![CDATA[STRATEGY_ID]]></StrategyId><ChangeType><![CDATA[shuffle]]></ChangeType>"
        )
    )
    assert (e.change_type, e.id, e.strategy_id) == ("shuffle", "GROUP_ID", "STRATEGY_ID")


def test_member_created_in_the_directory():
    e = parse_event(
        xml(
            "<Event>change_contact</Event><ChangeType>create_user</ChangeType><UserID>zhangsan</UserID>"
            "<Name>张三</Name><Department>1,2,3</Department><MainDepartment>1</MainDepartment>"
            "<IsLeaderInDept>1,0,0</IsLeaderInDept><DirectLeader>lisi,wangwu</DirectLeader><Position>产品经理</Position>"
            "<Status>1</Status><ExtAttr><Item><Name>爱好</Name></Item></ExtAttr>"
        )
    )
    assert isinstance(e, ContactEvent)
    assert (e.user_id, e.name, e.departments, e.main_department) == ("zhangsan", "张三", (1, 2, 3), 1)
    assert (e.is_leader_in_dept, e.direct_leader, e.status) == ((1, 0, 0), ("lisi", "wangwu"), 1)
    assert e.partition_key == "member:zhangsan"


def test_member_renamed_and_departments_changed():
    user = parse_event(
        xml(
            "<Event>change_contact</Event><ChangeType>update_user</ChangeType>"
            "<UserID>zhangsan</UserID><NewUserID>zhangsan2</NewUserID>"
        )
    )
    party = parse_event(
        xml(
            "<Event>change_contact</Event><ChangeType>create_party</ChangeType>"
            "<Id>2</Id><Name>销售部</Name><ParentId>1</ParentId><Order>100</Order>"
        )
    )
    gone = parse_event(xml("<Event>change_contact</Event><ChangeType>delete_party</ChangeType><Id>2</Id>"))
    assert user.new_user_id == "zhangsan2"
    assert (party.party_id, party.name, party.parent_id, party.order) == (2, "销售部", 1, 100)
    assert gone.party_id == 2 and gone.partition_key == "directory"


def test_unknown_events_and_plain_messages_are_kept_as_unknown():
    future = parse_event(xml("<Event>change_something_new</Event><Foo>bar</Foo>"))
    message = parse_event(HEAD.replace("event", "text") + "<Content>你好</Content></xml>")
    assert isinstance(future, UnknownEvent) and future.data["Foo"] == "bar"
    assert isinstance(message, UnknownEvent) and future.partition_key == ""


@pytest.mark.parametrize(
    "text",
    [
        "not xml at all",
        "<xml><unclosed></xml>",
        "<root><a>1</a></root>",
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><xml><a>&b;</a></xml>',
    ],
)
def test_malformed_and_entity_xml_is_refused(text):
    with pytest.raises(MalformedEvent):
        parse_event(text)


SAMPLES = [
    contact("add_external_contact", "<State><![CDATA[s]]></State><WelcomeCode>WELCOMECODE</WelcomeCode>"),
    chat("add_member", "<MemChangeList><Item>Jack</Item><Item>Rose</Item></MemChangeList>"),
    chat("del_member", "<MemChangeList><![CDATA[Jack,Rose]]></MemChangeList>"),
    xml("<Event>change_contact</Event><ChangeType>create_user</ChangeType><UserID>zhangsan</UserID>"
        "<Name>张三</Name><ExtAttr><Item><Name>爱好</Name></Item></ExtAttr>"),
    xml("<Event>change_contact</Event><ChangeType>update_user</ChangeType><Name>A &amp; B</Name>"),
]  # fmt: skip


@pytest.mark.parametrize("text", SAMPLES)
def test_the_fast_reader_and_the_full_parser_agree(text):
    from bot.wecom.events import _expat_parse, read_flat_xml

    assert read_flat_xml(text) == _expat_parse(text)
