"""Made-up but realistic 12345 hotline work orders (工单) for one street, plus xlsx/csv writers.

Framework-free (no Django, no database): the demo writes a file with these rows and imports it through the real
importer; the benchmark writes a million rows. Deterministic for a seed (same numpy version).

Volume model, per compound and month: expected orders ∝ (households + a floor) × a seasonal factor shared by
the whole street × a branch factor that falls linearly over the 3 months after the compound's Party branch was
founded to ``1 - effect``; compounds without a branch keep their level and are the comparison group. The scale
is set so that the street's expected total in the first month is ``monthly_total``.

About ``REPEAT_SHARE`` of the orders repeat an earlier order of the same building 1–20 days later (chains are
possible: 再次, 第三次 …). A hidden lead-in month before ``start`` feeds repeats into the first month, so the first
month is not short of repeats; those few repeats have no original in the output (it lies before the export).

    rows = generate_orders(bench_compounds(), start=date(2021, 1, 1), months=24)
    write_xlsx("orders.xlsx", rows, title="明水街道12345工单")
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import accumulate
from os import PathLike
from typing import NamedTuple
from zoneinfo import ZoneInfo

import numpy as np

from weizhili.calendar.months import add_months as _add_months
from weizhili.calendar.months import days_in_month as _days_in_month

from . import names

__all__ = [
    "HEADERS",
    "REPEAT_SHARE",
    "CompoundSpec",
    "LabelledOrder",
    "bench_compounds",
    "generate_labelled",
    "generate_orders",
    "write_csv",
    "write_xlsx",
]

HEADERS: tuple[str, ...] = ("工单编号", "来电时间", "诉求内容", "问题分类", "事发地址", "承办单位", "办结时间",
                            "是否解决", "满意度", "紧急程度", "签收时间")

REPEAT_SHARE = 0.15  # share of orders that repeat an earlier one (geometric chains)
HOUSEHOLD_FLOOR = 40  # a 20-household dormitory still calls now and then
RAMP_MONTHS = 3  # months over which a new branch's effect builds up
OPEN_WINDOW_DAYS = 10  # orders this recent may still be open at `now`
EXCEL_MAX_ROWS = 1_048_576

CITY = "济南市"
BEIJING = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class CompoundSpec:
    name: str  # e.g. "君临天下小区"
    community: str  # e.g. "龙泉社区"
    aliases: tuple[str, ...]  # e.g. ("君临天下",)
    buildings: int  # 1..40
    households: int
    founded_on: date | None  # founding date of the compound's Party branch; None = no branch


class LabelledOrder(NamedTuple):
    """A row with the truth behind it, for measuring the importer (address matching, repeats, classifier)."""

    row: tuple
    compound: str | None  # None: an order that names no compound
    building: int | None
    unit: int | None
    room: str | None
    category: str  # the true category, also when the row's 问题分类 is blank
    is_repeat: bool
    repeat_of: str | None  # order number of the previous order in the chain; None if it lies before `start`
    address_style: str  # how 事发地址 was written ("full", "alias", "typo", "empty", "street", ...)


# --- topics ------------------------------------------------------------------------------------------


class _Topic(NamedTuple):
    category: str
    weight: float
    season: str  # key of _TOPIC_SEASON
    urgent: float  # probability of 紧急
    handler: str  # "property": the property company handles it mostly; "community": the community/street
    scope: str  # "home" | "unit" | "compound" | "road"
    fix: bool  # "希望尽快维修" is a fitting ending
    patterns: tuple[str, ...]
    a: tuple[str, ...]
    b: tuple[str, ...]


def _t(category, weight, season, urgent, handler, scope, fix, patterns, a, b) -> _Topic:
    return _Topic(category, weight, season, urgent, handler, scope, fix,
                  tuple(patterns.split("|")), tuple(a.split("|")), tuple(b.split("|")))


# {p} is the place as the caller says it, {a} the problem, {b} a detail.
COMPOUND_TOPICS: tuple[_Topic, ...] = (
    _t("城乡建设-物业管理-电梯故障", 6, "", 0.15, "property", "unit", True,
       "{p}电梯{a}，{b}|{p}的电梯{a}，物业一直没有维修，{b}|{p}电梯经常出故障，{a}，{b}",
       "停运已一周|坏了三天了|时好时坏|运行时有异响|经常停在两层之间|按键失灵|前天困人半小时",
       "家中有老人上下楼很不方便|存在安全隐患|居民出行困难|物业推说没有维修资金"),
    _t("城乡建设-物业管理-楼道照明", 6, "", 0.01, "property", "unit", True,
       "{p}楼道灯不亮{a}，{b}|{p}楼道声控灯坏了{a}，{b}|{p}楼道照明灯{a}不亮，{b}",
       "已一周|已经半个多月|好几天了|有一个月了|三四天了",
       "晚上上下楼看不清|老人容易摔倒|找物业多次无果|存在安全隐患"),
    _t("城乡建设-物业管理-单元门禁", 3, "", 0.02, "property", "unit", True,
       "{p}门禁{a}，{b}|{p}的防盗门{a}，{b}",
       "坏了很久|无法关闭|刷卡打不开|闭门器损坏",
       "外来人员随意进出|存在安全隐患|老人进出不方便"),
    _t("城乡建设-物业管理-房屋漏水", 4, "rain", 0.05, "property", "home", True,
       "{p}家中{a}，{b}|{p}{a}，{b}",
       "楼顶漏水|卫生间往楼下渗水|外墙渗水|下雨天屋顶漏水|墙体返潮发霉",
       "墙皮大面积脱落|家具被泡坏|找物业维修一直拖着|楼上住户不配合维修"),
    _t("城乡建设-物业管理-物业服务", 5, "", 0.01, "property", "compound", False,
       "{p}物业{a}，{b}|{p}的物业公司{a}，{b}",
       "服务态度差|不作为|保洁不到位|收费不公示|不按时清理垃圾|保安不在岗",
       "业主意见很大|多次沟通没有结果|居民要求更换物业|物业费照收服务不到位"),
    _t("城乡建设-市政设施-路灯", 3, "", 0.02, "community", "compound", True,
       "{p}路灯{a}，{b}|{p}门口的路灯{a}，{b}",
       "不亮已半个月|坏了好几盏|晚上不亮|时亮时灭",
       "居民夜间出行不便|晚上一片漆黑|存在安全隐患"),
    _t("城乡建设-供热-暖气不热", 14, "heat", 0.06, "property", "home", False,
       "{p}家中暖气{a}，{b}|{p}暖气{a}，{b}|{p}供暖{a}，{b}",
       "不热|温度只有十四五度|上热下不热|一直不热|刚开始供暖就不热",
       "家中有老人孩子冻得受不了|已经交了暖气费|找热力公司没有解决|屋里要穿棉袄"),
    _t("城乡建设-供热-管道漏水", 2, "heat", 0.2, "property", "home", True,
       "{p}暖气管道{a}，{b}|{p}家中暖气{a}，{b}",
       "漏水|阀门滴水|跑水|接口渗水",
       "楼下已经被淹|地板泡坏了|需要马上派人处理"),
    _t("城乡建设-供水-停水", 4, "summer", 0.15, "community", "compound", False,
       "{p}{a}停水，{b}|{p}{a}没有自来水，{b}",
       "从昨天开始|今天一早|没有提前通知就|已经两天",
       "生活用水困难|没有接到任何通知|家里老人做饭都成问题|问了物业也说不清原因"),
    _t("城乡建设-供水-水压低", 2, "summer", 0.02, "property", "unit", False,
       "{p}自来水水压{a}，{b}",
       "太低|不足|时高时低|一到用水高峰就很低",
       "楼上住户用不上水|热水器打不着火|已经持续一段时间"),
    _t("城乡建设-排水-下水道堵塞", 3, "rain", 0.06, "property", "compound", True,
       "{p}下水道{a}，{b}|{p}污水井{a}，{b}",
       "堵塞|反水|冒污水|返味严重",
       "污水流到路面上|臭味很大|影响居民出行"),
    _t("城乡建设-燃气-燃气安全", 1, "", 0.4, "community", "unit", False,
       "{p}{a}，{b}",
       "楼道内有燃气异味|燃气表漏气|燃气管道锈蚀严重",
       "担心发生危险|需要马上派人查看|已经打过燃气公司电话"),
    _t("生态环境-噪声污染-装修噪声", 4, "", 0.01, "community", "unit", False,
       "{p}有住户装修{a}，{b}|{p}装修噪音{a}，{b}",
       "中午也在施工|周末一大早就开始|晚上八点以后还在施工|持续一个多月",
       "严重影响休息|家中有高考学生|老人无法午休|多次沟通无果"),
    _t("生态环境-噪声污染-生活噪声", 3, "summer", 0.01, "community", "compound", False,
       "{p}{a}，{b}",
       "广场舞音响声音太大|夜间有人大声喧哗|有住户深夜弹琴|底商音响外放",
       "严重影响休息|晚上十点以后还不停|多次劝说无效"),
    _t("生态环境-大气污染-油烟扰民", 2, "", 0.01, "community", "compound", False,
       "{p}底商饭店{a}，{b}",
       "油烟直排|排烟管道正对住户窗户|油烟净化器不开",
       "居民无法开窗|油烟味很重|影响居民生活"),
    _t("城市管理-市容环卫-垃圾清运", 4, "summer", 0.02, "property", "compound", False,
       "{p}垃圾{a}，{b}|{p}垃圾桶{a}，{b}",
       "好几天没有清运|堆积如山|满溢没人管|清运不及时",
       "天热臭味很大|招来很多蚊蝇|影响环境卫生"),
    _t("城市管理-违法建设-私搭乱建", 2, "", 0.01, "community", "compound", False,
       "{p}有住户{a}，{b}",
       "私自搭建阳光房|在楼顶加盖|占用绿地建棚子|违规扩建院墙",
       "影响邻居采光|存在安全隐患|物业制止无效"),
    _t("城市管理-园林绿化-树木修剪", 2, "summer", 0.02, "property", "unit", False,
       "{p}{a}，{b}|{p}附近{a}，{b}",
       "树木太高遮挡窗户|树枝伸到窗户边|绿化带无人管理杂草丛生|枯树随时可能倒下",
       "影响采光|夏天蚊虫多|存在安全隐患"),
    _t("交通运输-停车管理-占用消防通道", 4, "", 0.08, "property", "compound", False,
       "{p}消防通道{a}，{b}",
       "长期被车辆占用|停满私家车|被杂物堵塞",
       "一旦发生火灾救援车辆进不来|物业管理不到位|多次反映没有改善"),
    _t("交通运输-停车管理-乱停乱放", 4, "", 0.01, "property", "compound", False,
       "{p}{a}，{b}",
       "车辆乱停乱放|外来车辆随意停放|门口车辆堵路|车位被长期占用",
       "居民出行困难|经常堵得出不去|物业不管"),
    _t("公共安全-消防安全-电动车充电", 3, "", 0.08, "community", "unit", False,
       "{p}{a}，{b}",
       "有居民在楼道内给电动车充电|有人从楼上拉电线给电动车充电|楼道内停放电动车",
       "存在火灾隐患|多次劝说不听|担心发生危险"),
    _t("卫生健康-公共卫生-病媒生物", 2, "summer", 0.01, "community", "compound", False,
       "{p}{a}，{b}",
       "老鼠很多|蟑螂泛滥|蚊虫滋生|流浪猫狗多",
       "需要消杀|影响居民健康|晚上经常被吵醒"),
    _t("卫生健康-疫情防控-核酸检测", 3, "covid", 0.05, "community", "compound", False,
       "{p}{a}，{b}",
       "核酸检测点排队时间太长|居家隔离人员生活物资配送不及时|核酸检测结果迟迟出不来|封控期间买药困难",
       "老人站不住|家中老人着急|没有人回复"),
    _t("市场监管-食品安全-过期食品", 1, "", 0.02, "community", "compound", False,
       "{p}附近超市{a}，{b}",
       "销售过期食品|卖的牛奶已经过期|熟食无防尘设施",
       "要求查处|担心影响健康"),
    _t("市场监管-价格监管-乱收费", 2, "", 0.01, "property", "compound", False,
       "{p}物业{a}，{b}|{p}{a}，{b}",
       "停车费随意涨价|收取电梯使用费不合理|强制收取装修押金",
       "业主不认可|没有收费依据|物业拒绝解释"),
    _t("社会保障-养老服务-养老金", 2, "", 0.01, "community", "home", False,
       "{p}居民{a}，{b}",
       "养老金本月未到账|高龄补贴没有发放|养老保险认证不会操作",
       "家中生活困难|不知道找哪个部门|已经等了一个多月"),
    _t("社会保障-劳动保障-欠薪", 1, "winter", 0.03, "community", "home", False,
       "{p}住户{a}，{b}",
       "被施工单位拖欠工资|在外打工工资被拖欠|装修工人工资被拖欠",
       "家里急用钱|多次讨要无果"),
    _t("社会管理-邻里纠纷-宠物扰民", 2, "", 0.01, "community", "unit", False,
       "{p}{a}，{b}",
       "邻居家狗整夜叫|有人遛狗不拴绳|楼道内狗粪无人清理",
       "严重影响休息|小孩害怕|沟通无果"),
)

# Orders that name a road, not a compound (the importer cannot place them).
ROAD_TOPICS: tuple[_Topic, ...] = (
    _t("城乡建设-市政设施-路灯", 3, "", 0.02, "street", "road", True,
       "{p}路灯{a}，{b}", "不亮|坏了好几盏|白天亮晚上不亮", "行人夜间出行不便|存在安全隐患"),
    _t("城乡建设-市政设施-道路破损", 3, "rain", 0.03, "street", "road", True,
       "{p}路面{a}，{b}", "坑洼不平|塌陷|破损严重", "电动车经过容易摔倒|雨天积水严重"),
    _t("城乡建设-市政设施-井盖缺失", 2, "", 0.25, "street", "road", True,
       "{p}{a}，{b}", "井盖缺失|井盖破损|井盖松动", "存在安全隐患|夜间行人容易掉进去"),
    _t("城市管理-占道经营-流动摊贩", 3, "summer", 0.01, "street", "road", False,
       "{p}{a}，{b}", "流动摊贩占道经营|早市摊贩占满路面|商户占道经营", "造成交通拥堵|垃圾遍地"),
    _t("生态环境-噪声污染-施工噪声", 2, "summer", 0.01, "street", "road", False,
       "{p}工地{a}，{b}", "夜间施工|凌晨还在施工|渣土车噪音大", "严重影响周边居民休息|多次反映无果"),
    _t("交通运输-公共交通-公交站点", 1, "", 0.01, "street", "road", True,
       "{p}{a}，{b}", "公交站牌损坏|公交车间隔时间太长|公交站台没有遮阳棚", "市民出行不便|老人等车很辛苦"),
    _t("城市管理-市容环卫-道路保洁", 2, "", 0.01, "street", "road", False,
       "{p}{a}，{b}", "垃圾无人清扫|有人倾倒建筑垃圾|绿化带内垃圾很多", "影响市容|气味难闻"),
    _t("交通运输-停车管理-乱停乱放", 2, "", 0.01, "street", "road", False,
       "{p}{a}，{b}", "车辆乱停占用人行道|共享单车乱放", "行人只能走机动车道|存在安全隐患"),
)

# Roads in the old town (plausible; none contains a compound alias of bench_compounds).
ROADS = ("汇泉路", "唐王山路", "山泉路", "明水大街", "双山大街", "龙盘街", "福泰路", "赭山路", "潘王路", "铁道北路",
         "明堂街", "世纪大道", "经十东路", "眼明泉路")

# --- seasons and calendar ----------------------------------------------------------------------------

# Street-wide volume by calendar month: heating season and summer are busy (index 0 unused).
MONTH_FACTOR = (0, 1.12, 1.06, 1.0, 0.88, 0.9, 0.95, 1.1, 1.1, 0.92, 0.9, 1.08, 1.15)
FESTIVAL_MONTH_FACTOR = 0.88  # fewer calls in the month of the Spring Festival
SPRING_FESTIVAL = {
    2015: date(2015, 2, 19), 2016: date(2016, 2, 8), 2017: date(2017, 1, 28), 2018: date(2018, 2, 16),
    2019: date(2019, 2, 5), 2020: date(2020, 1, 25), 2021: date(2021, 2, 12), 2022: date(2022, 2, 1),
    2023: date(2023, 1, 22), 2024: date(2024, 2, 10), 2025: date(2025, 1, 29), 2026: date(2026, 2, 17),
    2027: date(2027, 2, 6), 2028: date(2028, 1, 26), 2029: date(2029, 2, 13), 2030: date(2030, 2, 3),
}
# Calls by hour of day: office hours, a lunch dip, some evening calls, few at night.
HOUR_WEIGHTS = np.array([0.1, 0.05, 0.03, 0.03, 0.05, 0.1, 0.3, 0.8, 1.6, 2.0, 2.0, 1.6, 0.9, 1.0, 1.6, 1.8,
                         1.7, 1.3, 0.9, 0.9, 0.9, 0.7, 0.4, 0.2])
HOUR_P = HOUR_WEIGHTS / HOUR_WEIGHTS.sum()


def _topic_season(key: str, year: int, month: int) -> float:
    if key == "heat":  # Jinan heats from 15 Nov to 15 Mar; some calls before (fees, trial runs)
        return {11: 0.8, 12: 1.0, 1: 1.0, 2: 1.0, 3: 0.6, 10: 0.12, 4: 0.04}.get(month, 0.01)
    if key == "summer":
        return {6: 1.3, 7: 1.6, 8: 1.6, 5: 1.1, 9: 1.1}.get(month, 0.8)
    if key == "rain":
        return {7: 2.0, 8: 2.0, 6: 1.2, 9: 1.2}.get(month, 0.7)
    if key == "winter":  # unpaid wages before the Spring Festival
        return {12: 2.0, 1: 2.0, 2: 1.2}.get(month, 0.7)
    if key == "covid":
        if year == 2022 or (year == 2023 and month == 1):
            return 1.0
        if (year == 2020 and month >= 2) or year == 2021:
            return 0.4
        return 0.0
    return 1.0


def _month_factor(year: int, month: int) -> float:
    festival = SPRING_FESTIVAL.get(year)
    dip = FESTIVAL_MONTH_FACTOR if festival is not None and festival.month == month else 1.0
    return MONTH_FACTOR[month] * dip


def _day_weights(year: int, month: int) -> np.ndarray:
    first = date(year, month, 1)
    n = _days_in_month(year, month)
    weights = np.empty(n)
    festival = SPRING_FESTIVAL.get(year)
    for i in range(n):
        d = first + timedelta(days=i)
        w = (1.0, 1.0, 1.0, 1.0, 1.0, 0.8, 0.7)[d.weekday()]
        if festival is not None and -1 <= (d - festival).days <= 6:
            w *= 0.45
        if month == 10 and d.day <= 7:  # National Day holiday
            w *= 0.7
        weights[i] = w
    return weights / weights.sum()


_EPOCH = datetime(1970, 1, 1)
_DAY = 86_400


def _secs(dt: datetime) -> int:
    return (dt - _EPOCH) // timedelta(seconds=1)


def _month_secs(d: date) -> int:
    return (d - _EPOCH.date()).days * _DAY


# --- how people write numbers and names --------------------------------------------------------------

_CN_DIGITS = "零一二三四五六七八九"
_FULL_WIDTH = str.maketrans("0123456789-#", "０１２３４５６７８９－＃")


def _cn_number(n: int) -> str:
    """1..99 as people write them: 三, 十二, 二十, 三十五."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _CN_DIGITS[ones]
    head = "" if tens == 1 else _CN_DIGITS[tens]
    return head + "十" + (_CN_DIGITS[ones] if ones else "")


_CN_NUMBERS = [""] + [_cn_number(i) for i in range(1, 100)]

# One-character slips a hotline operator makes when typing by sound (拼音 input).
_HOMOPHONES = {"临": "林", "林": "临", "园": "圆", "苑": "院", "家": "佳", "佳": "家", "花": "华", "华": "花",
               "城": "成", "泉": "全", "景": "锦", "锦": "景", "福": "富", "阳": "杨", "光": "广", "新": "心",
               "翠": "萃", "和": "合", "谐": "协", "嘉": "佳", "丽": "立", "居": "局", "湖": "胡",
               "明": "名", "水": "税", "山": "善", "幸": "杏", "金": "今", "色": "瑟", "御": "玉", "润": "闰",
               "泽": "择", "恒": "横", "泰": "太", "鑫": "新", "府": "付", "东": "冬", "方": "芳",
               "清": "青", "银": "音", "座": "坐", "凤": "风", "凰": "黄", "岸": "案", "龙": "隆", "汇": "会",
               "书": "舒", "香": "乡", "荷": "和", "雅": "亚", "宿": "速", "舍": "社", "职": "直", "专": "砖",
               "局": "居", "公": "工", "路": "鹿", "武": "五", "装": "庄", "部": "步", "天": "添", "下": "夏",
               "君": "军", "合": "和"}


def _typos(name: str, rng: random.Random) -> tuple[str, ...]:
    """Up to three spellings of `name` with one character replaced by a homophone (the suffix kept)."""
    core = name.removesuffix("小区")
    suffix = name[len(core):]
    spots = [i for i, ch in enumerate(core) if _HOMOPHONES.get(ch, ch) != ch]
    rng.shuffle(spots)
    out = [core[:i] + _HOMOPHONES[core[i]] + core[i + 1:] + suffix for i in spots[:3]]
    if not out:  # no homophone known: drop a character instead
        i = rng.randrange(len(core)) if len(core) > 2 else 0
        out = [core[:i] + core[i + 1:] + suffix]
    return tuple(out)


# --- the generator -----------------------------------------------------------------------------------

_OPENINGS = ("市民来电反映：", "市民来电反映：", "来电人称：", "业主反映：", "", "", "市民反映，", "居民来电反映：",
             "来电人反映：", "*")  # "*": 来电人王女士反映：
_ROAD_OPENINGS = ("市民来电反映：", "市民来电反映：", "来电人称：", "市民反映：", "", "", "路过市民反映，", "*")
_REPEAT_OPENINGS = ("市民再次来电反映：", "来电人再次反映：", "业主再次反映：", "来电人称此前反映的问题仍未解决：",
                    "再次反映：", "市民又一次来电：")
_ENDINGS = ("希望尽快处理", "请相关部门尽快处理", "要求尽快解决", "希望有关部门协调解决", "请尽快派人查看",
            "希望相关部门管一管", "", "")
_REPEAT_ENDINGS = ("至今仍未解决，要求尽快处理", "问题仍未解决，希望尽快处理", "已经反映过，至今没人处理",
                   "仍未解决，请督促相关单位处理", "仍未解决")
_SURNAMES = names.SURNAMES

# 事发地址 styles for orders in a compound, with weights. See _compound_address.
_ADDRESS_STYLES = (("full", 14), ("district", 8), ("street_building", 6), ("hash", 8), ("cn_numeral", 7),
                   ("community_alias", 6), ("full_width", 5), ("dong", 6), ("alias", 5), ("dashes", 7),
                   ("plain", 14), ("street_compound", 5), ("landmark", 3))
_ADDRESS_CUM = list(accumulate(w / sum(w for _s, w in _ADDRESS_STYLES) for _s, w in _ADDRESS_STYLES))
TYPO_SHARE = 0.02
EMPTY_ADDRESS_SHARE = 0.03


class _Compound(NamedTuple):
    name: str
    community: str
    aliases: tuple[str, ...]  # never empty: the name when it has none
    typos: tuple[str, ...]
    property_company: str
    units: int
    floors: int


def _compound_info(spec: CompoundSpec, rng: random.Random, companies: Sequence[str]) -> _Compound:
    buildings = max(1, spec.buildings)
    per_building = max(1, spec.households) / buildings
    units = 1 if per_building <= 24 else 2 if per_building <= 72 else 3
    floors = min(33, max(1, math.ceil(per_building / units / 2)))  # two homes a floor, rooms 101, 102, 201 …
    aliases = tuple(a for a in spec.aliases if a) or (spec.name,)
    return _Compound(spec.name, spec.community, aliases, _typos(spec.name, rng), rng.choice(companies), units,
                     floors)


def _concat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    parts = [p for p in parts if len(p["t"])]
    if not parts:
        return {}
    if len(parts) == 1:
        return parts[0]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _take(cols: dict[str, np.ndarray], idx) -> dict[str, np.ndarray]:
    return {k: v[idx] for k, v in cols.items()}


def generate_orders(compounds: Sequence[CompoundSpec], *, start: date, months: int, street: str = "明水街道",
                    district: str = "章丘区", monthly_total: int = 1500, seed: int = 7,
                    missing_category_share: float = 0.1, unlocatable_share: float = 0.04,
                    effect: float = 0.5, now: datetime | None = None) -> Iterator[tuple]:
    """Rows in HEADERS order, sorted by 来电时间 (naive Beijing time), deterministic for a seed.

    Empty text cells are "", empty datetime cells (签收时间, 办结时间 of open orders) are None.
    """
    return _generate(compounds, start=start, months=months, street=street, district=district,
                     monthly_total=monthly_total, seed=seed, missing_category_share=missing_category_share,
                     unlocatable_share=unlocatable_share, effect=effect, now=now, labelled=False)


def generate_labelled(compounds: Sequence[CompoundSpec], *, start: date, months: int, street: str = "明水街道",
                      district: str = "章丘区", monthly_total: int = 1500, seed: int = 7,
                      missing_category_share: float = 0.1, unlocatable_share: float = 0.04,
                      effect: float = 0.5, now: datetime | None = None) -> Iterator[LabelledOrder]:
    """The same rows as :func:`generate_orders` (same arguments, same seed), each with its truth."""
    return _generate(compounds, start=start, months=months, street=street, district=district,
                     monthly_total=monthly_total, seed=seed, missing_category_share=missing_category_share,
                     unlocatable_share=unlocatable_share, effect=effect, now=now, labelled=True)


def _generate(compounds, *, start, months, street, district, monthly_total, seed, missing_category_share,
              unlocatable_share, effect, now, labelled):
    if months < 1:
        raise ValueError(f"months must be at least 1, got {months}")
    for label, share in (("missing_category_share", missing_category_share),
                         ("unlocatable_share", unlocatable_share), ("effect", effect)):
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"{label} must be within 0..1, got {share}")
    if unlocatable_share >= 1.0 and not compounds:
        raise ValueError("no compounds and every order unlocatable: nothing to scale")
    if not compounds and unlocatable_share <= 0:
        raise ValueError("no compounds given")
    for spec in compounds:
        if spec.buildings < 1 or spec.households < 0:
            raise ValueError(f"{spec.name}: buildings must be >= 1 and households >= 0")
    # All checks above run now, not at the first next(): the generator body is below.
    return _rows(list(compounds), start=date(start.year, start.month, 1), months=months, street=street,
                 district=district, monthly_total=monthly_total, seed=seed,
                 missing_category_share=missing_category_share, unlocatable_share=unlocatable_share,
                 effect=effect, now=now, labelled=labelled)


def _rows(compounds, *, start, months, street, district, monthly_total, seed, missing_category_share,
          unlocatable_share, effect, now, labelled):
    rng = np.random.default_rng(seed)
    prng = random.Random(seed)  # setup choices (typos, property companies)
    companies = [c for c in names.PROPERTY_COMPANIES if c.endswith(("物业", "公司"))]
    info = [_compound_info(c, prng, companies) for c in compounds]
    n_comp = len(compounds)
    road = n_comp  # index of the pseudo-compound "no compound named"

    # Month index i in -1..months-1 (-1: the hidden lead-in month); arrays are indexed by i + 1.
    month_dates = [_add_months(start, i) for i in range(-1, months + 1)]
    end_secs = _month_secs(month_dates[-1])
    if now is not None and now.tzinfo is not None:
        now = now.astimezone(BEIJING).replace(tzinfo=None)
    now_secs = end_secs if now is None else min(end_secs, _secs(now))
    start_secs = _month_secs(start)

    # Branch factor and "progress" (0 before founding .. 1 after the ramp) per month and compound.
    month_no = np.array([d.year * 12 + d.month - 1 for d in month_dates[:-1]])
    founded = np.array([(c.founded_on.year * 12 + c.founded_on.month - 1) if c.founded_on else 10**9
                        for c in compounds], dtype=np.int64)
    after = month_no[:, None] - founded[None, :]
    progress = np.clip(after / RAMP_MONTHS, 0.0, 1.0)  # months after the founding month
    branch = 1.0 - effect * progress
    season = np.array([_month_factor(d.year, d.month) for d in month_dates[:-1]])
    weights = np.array([c.households + HOUSEHOLD_FLOOR for c in compounds], dtype=float)
    per_compound = weights[None, :] * season[:, None] * branch  # relative expected orders
    first = per_compound[1].sum()
    if first > 0:
        scale = monthly_total * (1.0 - unlocatable_share) / first
        lam = per_compound * scale
        lam_road = lam.sum(axis=1) * unlocatable_share / max(1e-9, 1.0 - unlocatable_share)
    else:  # only road orders: they follow the season
        lam = per_compound
        lam_road = monthly_total * season / season[1]
    lam = np.concatenate([lam, lam_road[:, None]], axis=1) * (1.0 - REPEAT_SHARE)  # originals
    progress = np.concatenate([progress, np.zeros((len(month_no), 1))], axis=1)

    c_buildings = np.array([c.buildings for c in compounds] + [1])
    c_units = np.array([c.units for c in info] + [1])
    c_floors = np.array([c.floors for c in info] + [1])
    c_topic_w = np.array([t.weight for t in COMPOUND_TOPICS])
    r_topic_w = np.array([t.weight for t in ROAD_TOPICS])

    state = {"uid": 0}
    numbers: dict[int, str] = {}  # uid -> order number, for the repeat_of of labelled output

    def time_of_day(n: int) -> np.ndarray:
        return rng.choice(24, size=n, p=HOUR_P) * 3600 + rng.integers(0, 3600, size=n)

    def month_events(i: int) -> dict[str, np.ndarray]:
        """Originals of month i (all compounds) and their repeat chains, unsorted."""
        d = month_dates[i + 1]
        counts = rng.poisson(lam[i + 1])
        comp = np.repeat(np.arange(n_comp + 1), counts)
        n = len(comp)
        day = rng.choice(_days_in_month(d.year, d.month), size=n, p=_day_weights(d.year, d.month))
        t = _month_secs(d) + day * _DAY + time_of_day(n)
        is_road = comp == road
        ct = _topic_probs(c_topic_w, COMPOUND_TOPICS, d)
        rt = _topic_probs(r_topic_w, ROAD_TOPICS, d)
        topic = np.where(is_road, rng.choice(len(rt), size=n, p=rt), rng.choice(len(ct), size=n, p=ct))
        floor_draw = rng.random((n, 3))
        bld = (floor_draw[:, 0] * c_buildings[comp]).astype(np.int64) + 1
        unit = (floor_draw[:, 1] * c_units[comp]).astype(np.int64) + 1
        flr = (floor_draw[:, 2] * c_floors[comp]).astype(np.int64) + 1
        # Road orders keep their two roads and place form in unit/floor/door, so repeats name the same spot.
        unit = np.where(is_road, rng.integers(0, len(ROADS), size=n), unit)
        flr = np.where(is_road, rng.integers(0, len(ROADS), size=n), flr)
        door = rng.integers(1, 3, size=n)
        ev = {
            "t": t, "comp": comp, "bld": bld, "unit": unit, "floor": flr, "door": door, "topic": topic,
            "key": rng.integers(0, 2**31, size=n), "form": rng.random(n),
            "uid": np.arange(state["uid"], state["uid"] + n), "parent": np.full(n, -1), "level": np.zeros(n, int),
            "kids": np.zeros(n, bool), "month": np.full(n, i),
        }
        state["uid"] += n
        # Repeat chains: k repeats with P(k) = (1 - r) r^k, so repeats are r of all orders.
        k = rng.geometric(1.0 - REPEAT_SHARE, size=n) - 1
        ev["kids"] = k >= 1
        parts = [ev]
        idx = np.nonzero(k >= 1)[0]
        prev_t, prev_uid, level = t[idx], ev["uid"][idx], 1
        while len(idx):
            m = len(idx)
            gap = rng.integers(1, 21, size=m)
            new_t = prev_t - prev_t % _DAY + gap * _DAY + time_of_day(m)
            delta = new_t - prev_t
            new_t = np.where(delta < _DAY, new_t + _DAY, np.where(delta > 20 * _DAY, new_t - _DAY, new_t))
            rep = _take(ev, idx)
            rep.update(t=new_t, uid=np.arange(state["uid"], state["uid"] + m), parent=prev_uid,
                       level=np.full(m, level), kids=k[idx] > level)
            state["uid"] += m
            parts.append(rep)
            keep = k[idx] > level
            idx, prev_t, prev_uid, level = idx[keep], new_t[keep], rep["uid"][keep], level + 1
        return _concat(parts)

    lead = month_events(-1)  # the hidden lead-in month: only its repeats on or after `start` are kept
    pending = _take(lead, lead["t"] >= start_secs) if lead else {}

    for i in range(months):
        lo, hi = _month_secs(month_dates[i + 1]), _month_secs(month_dates[i + 2])
        if lo >= now_secs:
            break
        events = _concat([p for p in (pending, month_events(i)) if p])
        if not events:
            continue
        inside = events["t"] < hi
        pending = _take(events, ~inside)
        ev = _take(events, np.nonzero(inside & (events["t"] < now_secs))[0])
        order = np.argsort(ev["t"], kind="stable")
        ev = _take(ev, order)
        yield from _format_month(ev, i, lo, rng=rng, info=info, road=road, street=street, district=district,
                                 progress=progress, now_secs=now_secs,
                                 missing_category_share=missing_category_share, labelled=labelled,
                                 numbers=numbers)


def _topic_probs(base: np.ndarray, topics: Sequence[_Topic], d: date) -> np.ndarray:
    w = base * np.array([_topic_season(t.season, d.year, d.month) for t in topics])
    return w / w.sum()


def _format_month(ev, i, month_start, *, rng, info, road, street, district, progress, now_secs,
                  missing_category_share, labelled, numbers):
    n = len(ev["t"])
    t = ev["t"]
    # Order numbers: a per-day sequence with small gaps (the city's hotline numbers all streets' orders).
    day = (t - month_start) // _DAY
    per_day = np.bincount(day)
    max_gap = int(max(1, min(9, 999_999 // max(1, 2 * int(per_day.max())))))
    steps = rng.integers(1, max_gap + 1, size=n)
    cum = np.cumsum(steps)
    day_first = np.r_[0, np.nonzero(np.diff(day))[0] + 1]
    base = np.repeat(cum[day_first] - steps[day_first], np.diff(np.r_[day_first, n]))
    seq = (cum - base).tolist()
    # Sign within 5 min .. 30 h (mostly the same morning); close 1–7 days after the call, after signing.
    sign = t + np.minimum(300 + rng.exponential(4 * 3600, size=n).astype(np.int64), 30 * 3600)
    close = t + (_DAY * (1 + 6 * rng.random(n) ** 1.5)).astype(np.int64)
    close = np.maximum(close, sign + 3600 + rng.integers(0, 20 * 3600, size=n))
    u = rng.random((n, 7))
    is_open = (close > now_secs) | ((t > now_secs - OPEN_WINDOW_DAYS * _DAY) & (u[:, 0] < 0.2))
    prog = progress[i + 1][ev["comp"]]
    p_resolved = 0.83 + 0.07 * prog
    resolved = u[:, 1] < p_resolved
    # Satisfaction thresholds (cumulative 满意, 基本满意, 不满意; the rest 未评价), better after a branch.
    s1 = np.where(resolved, 0.765 + 0.06 * prog, 0.28)
    s2 = s1 + np.where(resolved, 0.17 - 0.03 * prog, 0.22)
    s3 = s2 + np.where(resolved, 0.025 - 0.01 * prog, 0.38)
    sat_draw = u[:, 2]
    sat_idx = (sat_draw >= s1).astype(np.int8) + (sat_draw >= s2) + (sat_draw >= s3)

    to_dt = np.datetime64(0, "s")
    t_dt = (to_dt + t.astype("timedelta64[s]")).tolist()
    sign_dt = (to_dt + sign.astype("timedelta64[s]")).tolist()
    close_dt = (to_dt + close.astype("timedelta64[s]")).tolist()
    sign_late = (sign > now_secs).tolist()
    day_str = [d.strftime("%Y%m%d") for d in (to_dt + (month_start + np.arange(len(per_day)) * _DAY)
                                               .astype("timedelta64[s]")).tolist()]

    comp_l, bld_l, unit_l, floor_l, door_l = (ev[k].tolist() for k in ("comp", "bld", "unit", "floor", "door"))
    topic_l, key_l, form_l, level_l = (ev[k].tolist() for k in ("topic", "key", "form", "level"))
    day_l, open_l, resolved_l, sat_l = day.tolist(), is_open.tolist(), resolved.tolist(), sat_idx.tolist()
    u_end, u_addr, u_hand, u_urg = (u[:, k].tolist() for k in (3, 4, 5, 6))
    small = rng.integers(0, 1 << 30, size=n).tolist()  # opening, ending, names: bits of one draw
    miss = (rng.random(n) < missing_category_share).tolist()
    if labelled:
        uid_l, parent_l, kids_l = ev["uid"].tolist(), ev["parent"].tolist(), ev["kids"].tolist()

    sats = ("满意", "基本满意", "不满意", "未评价")
    office = f"{street}办事处"
    prefix_full = f"{CITY}{district}{street}"
    for j in range(n):
        c = comp_l[j]
        level = level_l[j]
        key = key_l[j]
        bits = small[j]
        number = f"SD12345{day_str[day_l[j]]}{seq[j]:06d}"
        if c == road:
            topic = ROAD_TOPICS[topic_l[j]]
            r1, r2 = ROADS[unit_l[j]], ROADS[floor_l[j]]
            if r1 == r2:
                r2 = ROADS[(floor_l[j] + 1) % len(ROADS)]
            spot = (f"{r1}与{r2}交叉口", f"{r1}中段", f"{r1}{(key >> 20) % 300 + 1}号附近",
                    f"{r1}与{r2}交叉口东北角", f"{r1}公交站附近")[key % 5]
            place = spot
            a = u_addr[j]
            address = (f"{street}{spot}" if a < 0.4 else f"{district}{street}{spot}" if a < 0.55
                       else spot if a < 0.85 else f"{CITY}{district}{spot}" if a < 0.95 else "")
            style = "street"
            handler = office
            openings = _ROAD_OPENINGS
            compound = building = unit = room = None
            caller = ""
        else:
            topic = COMPOUND_TOPICS[topic_l[j]]
            cs = info[c]
            b, un = bld_l[j], unit_l[j]
            rm = f"{floor_l[j]}{door_l[j]:02d}"
            a = u_addr[j]
            if a < EMPTY_ADDRESS_SHARE:
                style, address = "empty", ""
            elif a < EMPTY_ADDRESS_SHARE + TYPO_SHARE:
                style = "typo"
                typo = cs.typos[(bits >> 20) % len(cs.typos)]
                address = (f"{typo}{b}号楼{un}单元{rm}", f"{street}{typo}", f"{typo}{b}号楼")[(bits >> 23) % 3]
            else:
                rest = EMPTY_ADDRESS_SHARE + TYPO_SHARE
                pick = bisect_right(_ADDRESS_CUM, (a - rest) / (1.0 - rest))
                style = _STYLE_NAMES[min(pick, len(_STYLE_NAMES) - 1)]
                address = _compound_address(style, cs, b, un, rm, bits, street, prefix_full, district)
            # The place in the text: part of the problem, so a repeat says it the same way.
            form = form_l[j]
            named = cs.name if (key >> 16) % 4 else cs.aliases[(key >> 18) % len(cs.aliases)]
            caller = ""
            if style == "empty":  # nothing in 事发地址: the text names the compound and building
                if topic.scope == "compound":
                    caller = f"{named}{b}号楼居民"
                else:
                    form = 0.0
            place = _place_in_text(topic.scope, form, named, b, un, rm)
            h = u_hand[j]
            if topic.handler == "property":
                handler = (cs.property_company if h < 0.55 else f"{cs.community}居委会" if h < 0.9 else office)
            else:
                handler = f"{cs.community}居委会" if h < 0.65 else office
            openings = _OPENINGS
            compound, building, unit, room = cs.name, b, un, rm
        core = topic.patterns[key % len(topic.patterns)].format(
            p=place, a=topic.a[(key >> 4) % len(topic.a)], b=topic.b[(key >> 8) % len(topic.b)])
        if level:
            opening = _REPEAT_OPENINGS[bits % len(_REPEAT_OPENINGS)]
            if level >= 2 and (bits >> 3) % 3 == 0:
                opening = f"第{_CN_NUMBERS[min(level + 1, 99)]}次反映："
            if caller:
                opening = f"{caller}再次来电反映："
            text = f"{opening}{core}，{_REPEAT_ENDINGS[(bits >> 13) % len(_REPEAT_ENDINGS)]}。"
        else:
            opening = openings[bits % len(openings)]
            if opening == "*":
                opening = f"来电人{_SURNAMES[(bits >> 7) % len(_SURNAMES)]}{'女士' if (bits >> 6) & 1 else '先生'}反映："
            if caller:
                opening = f"{caller}来电反映："
            ending = ("希望尽快维修" if topic.fix and u_end[j] < 0.3
                      else _ENDINGS[(bits >> 13) % len(_ENDINGS)])
            text = f"{opening}{core}，{ending}。" if ending else f"{opening}{core}。"
        urgent = "紧急" if u_urg[j] < topic.urgent else "一般"
        if open_l[j]:
            closed_at, solved, rating = None, "", ""
        else:
            closed_at = close_dt[j]
            solved = "是" if resolved_l[j] else "否"
            rating = sats[sat_l[j]]
        row = (number, t_dt[j], text, "" if miss[j] else topic.category, address, handler, closed_at, solved,
               rating, urgent, None if sign_late[j] else sign_dt[j])
        if labelled:
            if kids_l[j]:
                numbers[uid_l[j]] = number
            yield LabelledOrder(row, compound, building, unit, room, topic.category, level > 0,
                                numbers.pop(parent_l[j], None) if level else None, style)
        else:
            yield row


_STYLE_NAMES = tuple(s for s, _w in _ADDRESS_STYLES)


def _compound_address(style: str, cs: _Compound, b: int, u: int, rm: str, bits: int, street: str,
                      prefix_full: str, district: str) -> str:
    name = cs.name
    alias = cs.aliases[(bits >> 17) % len(cs.aliases)]
    if style == "full":
        return f"{prefix_full}{cs.community}{name}{b}号楼{u}单元{rm}"
    if style == "district":
        return f"{district}{street}{name}{b}号楼{u}单元{rm}室"
    if style == "street_building":
        return f"{street}{cs.community}{name}{b}号楼"
    if style == "hash":
        return f"{alias}{b}#{u}-{rm}"
    if style == "cn_numeral":
        return f"{name}{_CN_NUMBERS[b]}号楼"
    if style == "community_alias":
        return f"{cs.community}{alias}"
    if style == "full_width":
        return f"{name}{b}号楼{u}单元".translate(_FULL_WIDTH)
    if style == "dong":
        return f"{name}{b}栋{u}单元"
    if style == "alias":
        return alias
    if style == "dashes":
        return f"{name}{b}-{u}-{rm}"
    if style == "plain":
        return f"{name}{b}号楼{u}单元{rm}"
    if style == "street_compound":
        return f"{street}{name}"
    return f"{name}{b}号楼{'东侧' if (bits >> 26) & 1 else '西侧'}"  # landmark


def _place_in_text(scope: str, form: float, named: str, b: int, u: int, rm: str) -> str:
    if scope == "home":
        return (f"{named}{b}号楼{u}单元{rm}", f"{b}号楼{u}单元{rm}", named, "所住小区")[_form_index(form)]
    if scope == "unit":
        return (f"{named}{b}号楼{u}单元", f"{b}号楼{u}单元", f"{named}{b}号楼", "所住单元")[_form_index(form)]
    # compound-wide problems: the compound, not the building
    return (named, named, "所住小区", "小区")[_form_index(form)]


def _form_index(form: float) -> int:
    return 0 if form < 0.35 else 1 if form < 0.65 else 2 if form < 0.85 else 3


# --- a synthetic street ------------------------------------------------------------------------------

_FIXED = {  # the article's compounds, with the demo's aliases and founding dates
    "君临天下小区": ("龙泉社区", ("君临天下", "君临天下花园"), 12, 432, date(2022, 1, 12)),
    "一职专宿舍": ("桃花山社区", ("一职专", "职专宿舍", "第一职业中专宿舍"), 6, 144, date(2021, 9, 16)),
    "公路局宿舍": ("桃花山社区", ("公路局家属院",), 4, 64, None),
    "武装部宿舍": ("桃花山社区", ("武装部家属院",), 3, 36, None),
}


def bench_compounds(n_communities: int = 15, n_compounds: int = 120, seed: int = 7) -> list[CompoundSpec]:
    """A synthetic street like the demo's: Chinese compound names, ~60% with a branch founded 2021-03..2022-11."""
    rng = random.Random(seed)
    communities = list(names.NAMED) + list(names.OTHER_COMMUNITIES)
    k = 0
    while len(communities) < n_communities:  # more than the demo's 15: invent more
        extra = f"{names.ESTATE_PREFIXES[k % len(names.ESTATE_PREFIXES)]}{'东西南北'[k // 30 % 4]}社区"
        if extra not in communities:
            communities.append(extra)
        k += 1
    communities = communities[:max(1, n_communities)]
    out: list[CompoundSpec] = []
    used: set[str] = set()
    for name, (community, aliases, buildings, households, founded) in _FIXED.items():
        if community in communities and len(out) < n_compounds:
            out.append(CompoundSpec(name, community, aliases, buildings, households, founded))
            used.add(name)
    span = (date(2022, 11, 30) - date(2021, 3, 1)).days
    dorms = list(names.DORM_OWNERS)
    rng.shuffle(dorms)
    phase = 0
    tries = 0
    while len(out) < n_compounds:
        community = communities[len(out) % len(communities)]
        tries += 1
        if tries > 2000:  # names run out: second phases of the estates
            phase, tries = phase + 1, 0
        if dorms and rng.random() < 0.15:
            name = f"{dorms.pop()}宿舍"
            aliases = (name.replace("宿舍", "家属院"),)
            buildings = rng.randint(2, 8)
            households = buildings * rng.randint(1, 3) * rng.choice([8, 10, 12])
        else:
            name = rng.choice(names.ESTATE_PREFIXES) + rng.choice(names.ESTATE_SUFFIXES)
            if phase:
                name += f"{_CN_NUMBERS[phase + 1]}期"
            base = name.removesuffix("小区")
            aliases = (base,) if base != name else ()
            buildings = rng.randint(3, 30)
            households = buildings * rng.randint(2, 3) * rng.choice([12, 14, 18, 22, 24])
        if name in used:
            continue
        used.add(name)
        founded = date(2021, 3, 1) + timedelta(days=rng.randint(0, span)) if rng.random() < 0.6 else None
        out.append(CompoundSpec(name, community, aliases, min(buildings, 40), households, founded))
    return out


# --- writers -----------------------------------------------------------------------------------------

_EXCEL_EPOCH = datetime(1899, 12, 30)
_ONE_DAY = timedelta(days=1)


def write_xlsx(path: str | PathLike, rows: Iterable[tuple], *, headers: Sequence[str] = HEADERS,
               title: str | None = None) -> int:
    """Write rows to one sheet; datetimes become Excel dates in ``yyyy-mm-dd hh:mm:ss``. Returns rows written.

    Streams with xlsxwriter's constant_memory mode (one row in memory). Raises ValueError when the rows do not
    fit one sheet (1,048,576 rows including the header and title); the file then holds the rows before that.
    """
    from weizhili import exports  # here, so that generating needs no writer

    workbook = exports.xlsx_workbook(path, constant_memory=True)
    try:
        sheet = workbook.add_worksheet("工单")
        head_fmt = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        date_fmt = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        widths = {"工单编号": 22, "来电时间": 19, "诉求内容": 60, "问题分类": 28, "事发地址": 40, "承办单位": 22,
                  "办结时间": 19, "签收时间": 19}
        for col, header in enumerate(headers):
            sheet.set_column(col, col, widths.get(header, 10))
        row_no = 0
        if title:
            sheet.merge_range(0, 0, 0, max(0, len(headers) - 1), title,
                              workbook.add_format({"bold": True, "font_size": 14}))
            row_no = 1
        sheet.write_row(row_no, 0, headers, head_fmt)
        sheet.freeze_panes(row_no + 1, 0)
        first = row_no + 1
        write_string, write_number = sheet.write_string, sheet.write_number
        limit = EXCEL_MAX_ROWS
        r = first
        for row in rows:
            if r >= limit:
                raise ValueError(f"more than {limit - first:,} rows do not fit one Excel sheet")
            for col, value in enumerate(row):
                cls = value.__class__
                if cls is str:
                    if value:
                        write_string(r, col, value)
                elif cls is datetime:
                    # the serial number write_datetime would compute, without its per-cell checks
                    write_number(r, col, (value - _EXCEL_EPOCH) / _ONE_DAY, date_fmt)
                elif value is None:
                    continue
                elif cls is int or cls is float:
                    write_number(r, col, value)
                elif cls is date:
                    write_number(r, col, (value - _EXCEL_EPOCH.date()) / _ONE_DAY, date_fmt)
                else:
                    write_string(r, col, str(value))
            r += 1
        return r - first
    finally:
        workbook.close()


def write_csv(path: str | PathLike, rows: Iterable[tuple], *, headers: Sequence[str] = HEADERS,
              encoding: str = "utf-8-sig") -> int:
    """Write rows as CSV; datetimes as ``YYYY-MM-DD HH:MM:SS``, None as empty. Returns rows written.

    ``utf-8-sig`` (with BOM, so Excel opens it right) or ``gb18030`` (what older Excel on Chinese Windows saves).
    """
    from weizhili import exports

    with open(path, "w", encoding=encoding, newline="") as fh:
        return exports.csv_write(fh, ([v.isoformat(" ", "seconds") if v.__class__ is datetime else "" if v is None
                                       else v for v in row] for row in rows), header=headers)
