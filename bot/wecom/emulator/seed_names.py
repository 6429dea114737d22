"""Word pools for the demo corp (names by frequency, nicknames, companies, channels, tag groups) and the
people drawn from them."""

from __future__ import annotations

import base64
import itertools
import random
from typing import Any

# The most common surnames with rough shares (per mille of the population) and their pinyin for userids.
SURNAMES: tuple[tuple[str, str, int], ...] = (
    ("王", "wang", 72), ("李", "li", 72), ("张", "zhang", 68), ("刘", "liu", 54), ("陈", "chen", 45),
    ("杨", "yang", 31), ("黄", "huang", 23), ("赵", "zhao", 20), ("吴", "wu", 20), ("周", "zhou", 19),
    ("徐", "xu", 13), ("孙", "sun", 12), ("马", "ma", 12), ("朱", "zhu", 11), ("胡", "hu", 10),
    ("郭", "guo", 10), ("何", "he", 9), ("林", "lin", 9), ("高", "gao", 9), ("罗", "luo", 8),
    ("郑", "zheng", 8), ("梁", "liang", 7), ("谢", "xie", 6), ("宋", "song", 5), ("唐", "tang", 5),
    ("许", "xu", 5), ("韩", "han", 5), ("冯", "feng", 5), ("邓", "deng", 5), ("曹", "cao", 5),
    ("彭", "peng", 4), ("曾", "zeng", 4), ("肖", "xiao", 4), ("田", "tian", 4), ("董", "dong", 4),
    ("袁", "yuan", 4), ("潘", "pan", 3), ("于", "yu", 3), ("蒋", "jiang", 3), ("蔡", "cai", 3),
    ("余", "yu", 3), ("杜", "du", 3), ("叶", "ye", 3), ("程", "cheng", 3), ("苏", "su", 3),
    ("魏", "wei", 3), ("吕", "lv", 3), ("丁", "ding", 3), ("任", "ren", 3), ("沈", "shen", 3),
    ("姚", "yao", 2), ("卢", "lu", 2), ("姜", "jiang", 2), ("崔", "cui", 2), ("钟", "zhong", 2),
    ("谭", "tan", 2), ("陆", "lu", 2), ("汪", "wang", 2), ("范", "fan", 2), ("金", "jin", 2),
    ("石", "shi", 2), ("廖", "liao", 2), ("贾", "jia", 2), ("夏", "xia", 2), ("韦", "wei", 2),
    ("欧阳", "ouyang", 1), ("司马", "sima", 1), ("上官", "shangguan", 1),
)  # fmt: skip

# Given-name characters (with pinyin) that lean male, female, or either.
GIVEN_MALE: tuple[tuple[str, str], ...] = (
    ("伟", "wei"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("勇", "yong"), ("杰", "jie"),
    ("涛", "tao"), ("斌", "bin"), ("超", "chao"), ("明", "ming"), ("刚", "gang"), ("平", "ping"),
    ("辉", "hui"), ("鹏", "peng"), ("华", "hua"), ("飞", "fei"), ("浩", "hao"), ("宇", "yu"),
    ("俊", "jun"), ("峰", "feng"), ("建", "jian"), ("志", "zhi"), ("国", "guo"), ("文", "wen"),
    ("博", "bo"), ("海", "hai"), ("东", "dong"), ("凯", "kai"), ("晨", "chen"), ("睿", "rui"),
)  # fmt: skip
GIVEN_FEMALE: tuple[tuple[str, str], ...] = (
    ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"), ("艳", "yan"),
    ("娟", "juan"), ("霞", "xia"), ("婷", "ting"), ("雪", "xue"), ("琳", "lin"), ("颖", "ying"),
    ("慧", "hui"), ("倩", "qian"), ("玲", "ling"), ("欣", "xin"), ("佳", "jia"), ("悦", "yue"),
    ("晓", "xiao"), ("梦", "meng"), ("雅", "ya"), ("萍", "ping"), ("红", "hong"), ("洁", "jie"),
    ("璐", "lu"), ("露", "lu"), ("薇", "wei"), ("月", "yue"), ("思", "si"), ("诗", "shi"),
)  # fmt: skip

# WeChat nicknames: many customers never show their real name.
NICKNAMES: tuple[str, ...] = (
    "阳光总在风雨后", "A-小鱼儿", "Sunny", "静待花开", "平凡之路", "老张", "Lucky", "一叶知秋", "追风少年",
    "快乐每一天", "木子", "Grace", "浅笑安然", "晴天", "Kevin", "知足常乐", "小太阳", "若水", "Amy",
    "海阔天空", "简单就好", "A.装修-陈师傅", "宝妈一枚", "Tony", "岁月静好", "鹏程万里", "安之若素",
)  # fmt: skip

# (short name, full name) of companies whose staff use WeCom: type-2 customers.
COMPANIES: tuple[tuple[str, str], ...] = (
    ("万科物业", "万科物业发展股份有限公司"), ("锦江酒店", "锦江国际酒店管理有限公司"),
    ("东易日盛", "东易日盛家居装饰集团股份有限公司"), ("碧桂园", "碧桂园控股有限公司"),
    ("红星美凯龙", "红星美凯龙家居集团股份有限公司"), ("华住集团", "华住酒店管理有限公司"),
    ("金螳螂", "苏州金螳螂建筑装饰股份有限公司"), ("龙湖", "龙湖集团控股有限公司"),
    ("亚朵", "上海亚朵商业管理（集团）股份有限公司"), ("业之峰", "北京业之峰装饰有限公司"),
)  # fmt: skip
CUSTOMER_POSITIONS: tuple[str, ...] = ("采购经理", "工程部主管", "设计总监", "店长", "行政主管", "项目经理")

DESCRIPTIONS: tuple[str, ...] = (
    "新房装修，预算2万内", "关注门锁安全性能", "对比过竞品，价格敏感", "想要全屋智能方案", "老房改造",
    "已到店体验，等报价", "公司批量采购意向", "售后咨询，已解决", "孩子在家，需要摄像头", "展会现场留资",
)  # fmt: skip

# Departments: (key, id, name, parent id); id 1 is the root, named after the corp as WeCom does.
DEPARTMENTS: tuple[tuple[str, int, str, int], ...] = (
    ("root", 1, "星河智能", 0),
    ("gm", 2, "总经办", 1),
    ("sales", 3, "销售部", 1),
    ("east", 4, "华东销售组", 3),
    ("south", 5, "华南销售组", 3),
    ("north", 6, "华北销售组", 3),
    ("service", 7, "客服部", 1),
    ("market", 8, "市场部", 1),
    ("ops", 9, "运营部", 1),
)
# Staff roster, 30 people: (department key, position, how many).
ROSTER: tuple[tuple[str, str, int], ...] = (
    ("gm", "总经理", 1),
    ("gm", "总经理助理", 1),
    ("ops", "运营经理", 1),  # the SCRM admin
    ("ops", "私域运营专员", 2),
    ("sales", "销售总监", 1),  # department admin of 销售部 (which has sub-departments)
    ("east", "华东销售组长", 1),
    ("east", "销售顾问", 5),
    ("south", "华南销售组长", 1),
    ("south", "销售顾问", 4),
    ("north", "华北销售组长", 1),
    ("north", "销售顾问", 4),
    ("service", "客服主管", 1),  # department admin of 客服部
    ("service", "客服专员", 4),
    ("market", "市场经理", 1),
    ("market", "市场专员", 2),
)
ADMIN_POSITION = "运营经理"
LEADER_POSITIONS = {"销售总监": "sales", "客服主管": "service"}
# Who keeps customers, with relative weight: sales most, service next, ops and market a few.
CUSTOMER_WEIGHT = {
    "gm": 0,
    "ops": 2,
    "sales": 4,
    "east": 10,
    "south": 10,
    "north": 9,
    "service": 6,
    "market": 2,
}

# Channel codes (渠道活码): (state, remark, department keys whose staff it adds, share of channel adds,
# the 客户来源 tag staff usually give such customers).
CHANNELS: tuple[tuple[str, str, tuple[str, ...], int, str], ...] = (
    ("展会-2026上海", "上海国际智能家居展", ("east",), 14, "展会"),
    ("展会-2025深圳", "深圳高交会", ("south",), 8, "展会"),
    ("官网咨询", "官网右下角咨询", ("service",), 18, "官网"),
    ("公众号菜单", "公众号菜单-联系顾问", ("service", "east", "south", "north"), 16, "公众号"),
    ("老客户转介绍", "老带新有礼", ("east", "south", "north"), 12, "转介绍"),
    ("抖音直播间", "直播间福袋", ("ops",), 10, "直播"),
    ("小红书笔记", "小红书种草", ("market",), 6, ""),
    ("线下门店-南京西路", "南京西路体验店", ("east",), 8, "线下门店"),
    ("朋友圈广告", "朋友圈投放", ("north", "south"), 8, ""),
)

# add_way shares (per cent) besides scanning a channel code; 1 without a state is a personal QR code.
ADD_WAYS: tuple[tuple[int, int], ...] = (
    (1, 52), (2, 12), (3, 9), (4, 7), (5, 4), (6, 6), (7, 3), (201, 3), (202, 4),
)  # fmt: skip
CUSTOMER_INITIATED = {1, 3, 4}  # oper_userid is the customer; otherwise the member started the add

# Tag groups in WeCom's shape: (group, tags); the first group has the highest order.
TAG_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("客户等级", ("A类-重点客户", "B类-意向客户", "C类-普通客户", "D类-低意向")),
    ("客户阶段", ("初步接触", "需求确认", "方案报价", "已成交", "复购")),
    ("意向产品", ("智能门锁", "扫地机器人", "全屋智能套餐", "智能照明", "安防摄像头")),
    ("客户来源", ("展会", "官网", "公众号", "转介绍", "直播", "线下门店")),
    ("所属行业", ("个人家装", "地产物业", "酒店", "装修公司", "办公")),
)

GROUP_NAMES: tuple[str, ...] = (
    "星河智能VIP客户群", "华东老客户福利群", "华南客户交流群", "华北客户服务群", "扫地机器人售后群",
    "智能门锁用户群", "全屋智能方案咨询群", "2026上海展会客户群", "直播间粉丝福利群", "新品体验官招募群",
)  # fmt: skip
GROUP_NOTICES: tuple[str, ...] = (
    "欢迎加入！本群提供产品咨询与售后服务，工作时间 9:00-18:00。",
    "文明沟通，禁止发广告。每周五晚8点群内抽奖。",
    "售后问题请直接@客服，48小时内必回复。",
)


# -- people drawn from the pools --------------------------------------------------------------------

_NO_SYMBOLS = str.maketrans("+/", "xY")
_SURNAME_WEIGHTS = list(itertools.accumulate(w for _, _, w in SURNAMES))


def person_name(rng: random.Random, gender: int) -> tuple[str, str]:
    """A Chinese name and its pinyin: surname by frequency, one or two given characters."""
    surname, surname_py, _ = rng.choices(SURNAMES, cum_weights=_SURNAME_WEIGHTS)[0]
    pool = GIVEN_MALE if gender == 1 else GIVEN_FEMALE
    given = rng.sample(pool, 2 if rng.random() < 0.7 else 1)
    return surname + "".join(c for c, _ in given), surname_py + "".join(p for _, p in given)


def customer_profile(rng: random.Random) -> dict[str, Any]:
    """A new customer as WeCom shows them: WeChat users (often nicknames), some WeCom users of companies."""
    gender = 0 if rng.random() < 0.06 else rng.choice((1, 1, 2, 2, 2))
    real_name, _ = person_name(rng, gender or rng.choice((1, 2)))
    profile: dict[str, Any] = {"gender": gender}
    if rng.random() < 0.08:
        corp_name, corp_full_name = rng.choice(COMPANIES)
        profile.update(
            external_userid="wo" + random_id(rng, 30),
            name=real_name,
            type=2,
            corp_name=corp_name,
            corp_full_name=corp_full_name,
            position=rng.choice(CUSTOMER_POSITIONS),
        )
    else:
        nickname = rng.random() < 0.15
        profile.update(
            external_userid="wm" + random_id(rng, 30),
            name=rng.choice(NICKNAMES) if nickname else real_name,
            unionid="o" + random_id(rng, 27),
        )
    return profile


def random_id(rng: random.Random, length: int) -> str:
    # base64 of random bytes is ~10x faster than choosing characters one by one; + and / become letters.
    return base64.b64encode(rng.randbytes(length)).decode()[:length].translate(_NO_SYMBOLS)


def mobile(rng: random.Random) -> str:
    return f"1{rng.choice('35789')}{rng.randrange(10**9):09d}"


def remark_for(rng: random.Random, name: str, gender: int, corp_name: str = "") -> str:
    """How staff note a customer: 王总, 李姐-万科物业, or the real name behind a nickname."""
    if name in NICKNAMES:
        name, _ = person_name(rng, gender or 1)
    surname = name[:2] if name[:2] in _COMPOUND else name[0]
    title = rng.choice(
        ("总", "先生", "哥") if gender == 1 else ("女士", "姐", "老师") if gender == 2 else ("",)
    )
    remark = surname + title if title and rng.random() < 0.6 else name
    return (f"{remark}-{corp_name}" if corp_name else remark)[:20]


_COMPOUND = {s for s, _, _ in SURNAMES if len(s) == 2}
