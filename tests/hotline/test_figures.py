"""12345 volume figures (weizhili.hotline.figures) against numbers worked out by hand.

The street: 东社区 (东一院 2,000 residents, 东二院 3,000) and 西社区 (西一院 3,000, 西二院 unknown), orders of
2024 with known monthly counts: 东一院 drops after its branch is founded in May, the others are flat, and every
compound has two more orders in July and August (the season). One unlocated order a month, and one order located
only to 东社区 in March."""
import itertools
import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db.models import F
from django.utils import timezone

from tests.factories import compound_spec, make_branch
from weizhili.cases.models import StreetPolicy
from weizhili.hotline.figures import (
    CAVEAT,
    UNCLASSIFIED,
    branch_effect,
    compound_change,
    hotline_figures,
    monthly_by_compound,
)
from weizhili.hotline.models import HotlineOrder
from weizhili.party.models import OrgLevel, PartyOrg
from weizhili.places.models import Place, PlaceKind
from weizhili.places.treeops import NodeSpec, subtree_ensure

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
_seq = itertools.count(1)

# orders per month, January … December 2024
COUNTS = {
    "A1": [12, 11, 10, 9, 8, 5, 7, 7, 5, 5, 5, 5],  # branch founded 2024-05-15; a slight decline before it
    "A2": [4, 4, 4, 4, 4, 4, 6, 6, 4, 4, 4, 4],
    "B1": [6, 6, 6, 6, 6, 6, 8, 8, 6, 6, 6, 6],  # branch founded 2024-11-03: too late to measure
    "B2": [2, 2, 2, 2, 2, 2, 4, 4, 2, 2, 2, 2],
}
MONTHS = [date(2024, m, 1) for m in range(1, 13)]
Y2024, Y2025 = date(2024, 1, 1), date(2025, 1, 1)


def at(month: date, i: int) -> datetime:
    """The i-th order of a month: the first at 00:30 on the 1st, Beijing time (still the previous day in UTC)."""
    if i == 0:
        return datetime(month.year, month.month, 1, 0, 30, tzinfo=TZ)
    return datetime(month.year, month.month, 1 + i % 27, 10, tzinfo=TZ)


def order(data, place: str, received_at: datetime, **fields) -> HotlineOrder:
    place_obj = data[place]
    community = compound = None
    if place_obj.kind == PlaceKind.COMPOUND:
        compound, community = place_obj, data["east" if place.startswith("A") else "west"]
    elif place_obj.kind == PlaceKind.COMMUNITY:
        community = place_obj
    return HotlineOrder(street=data["street"], order_no=f"N{next(_seq):07d}", received_at=received_at,
                        place=place_obj, community=community, compound=compound, updated_at=received_at, **fields)


def compound_orders(data, name: str, month: date, i: int) -> HotlineOrder:
    received_at = at(month, i)
    fields = {}
    if name == "A1":
        fields = {"category": "城乡建设-供热-停暖", "resolved": True}
    elif name == "A2":
        fields = {"predicted_category": "城市管理-环境卫生-垃圾", "satisfaction": "satisfied",
                  "responded_at": received_at + timedelta(hours=2)}
    elif name == "B1":  # a full-width separator; the given class wins over the predicted one
        fields = {"category": "城乡建设－供热", "predicted_category": "城市管理-其他", "resolved": False}
        if month.month == 1:
            fields["satisfaction"] = "unsatisfied"
            if i == 0:
                fields["responded_at"] = received_at + timedelta(hours=24)  # exactly 24 h: in time
    elif name == "B2":
        fields = {"satisfaction": "basic", "responded_at": received_at + timedelta(hours=30)}
    return order(data, name, received_at, **fields)


def build_orders(data, counts=COUNTS, months=MONTHS) -> None:
    rows = [compound_orders(data, name, month, i)
            for name, series in counts.items() for month, n in zip(months, series, strict=True) for i in range(n)]
    rows += [order(data, "street", at(month, 3), category="生态环境/噪声污染") for month in months]
    HotlineOrder.objects.bulk_create(rows)


@pytest.fixture
def data(db):
    spec = NodeSpec(PlaceKind.STREET, "示范街道", children=[
        NodeSpec(PlaceKind.COMMUNITY, "东社区", children=[
            compound_spec("东一院", buildings=1, units=1, households=1, resident_count=2000),
            compound_spec("东二院", buildings=0, resident_count=3000)]),
        NodeSpec(PlaceKind.COMMUNITY, "西社区", children=[
            compound_spec("西一院", buildings=0, resident_count=3000),
            compound_spec("西二院", buildings=0)]),
    ])
    subtree_ensure(None, [spec])
    get = Place.objects.get
    data = {"street": get(name="示范街道"), "east": get(name="东社区"), "west": get(name="西社区"),
            "A1": get(name="东一院"), "A2": get(name="东二院"), "B1": get(name="西一院"), "B2": get(name="西二院")}
    build_orders(data)
    HotlineOrder.objects.bulk_create([order(data, "east", datetime(2024, 3, 5, 9, tzinfo=TZ), category="交通运输")])
    # repeats: every order its own group, then 西二院's January–March orders repeat an earlier one, and one
    # order without a group (not a repeat)
    HotlineOrder.objects.update(repeat_group=F("id"))
    first = HotlineOrder.objects.order_by("id").first().pk
    HotlineOrder.objects.filter(compound=data["B2"], received_at__lt=datetime(2024, 4, 1, tzinfo=TZ)).update(
        repeat_group=first)
    HotlineOrder.objects.filter(community=data["east"], compound__isnull=True).update(repeat_group=None)

    east_branch = make_branch(data["A1"], founded_on=date(2024, 5, 15))
    make_branch(data["A1"], name="东一院第二党支部", founded_on=date(2024, 8, 1))  # later: the earliest counts
    make_branch(data["B1"], founded_on=date(2024, 11, 3))
    # a community-level org covering 东二院 does not make it a treated compound
    community_org = PartyOrg.objects.get_parent(east_branch)
    assert community_org.level == OrgLevel.COMMUNITY_BRANCH
    community_org.founded_on = date(2024, 3, 1)
    community_org.save()
    community_org.covers.add(data["A2"])
    return data


def column(name: str, months: list[int]) -> list[int]:
    return [COUNTS[name][m] for m in months]


def mean(values) -> float:
    values = list(values)
    return sum(values) / len(values)


# --- hotline_figures ------------------------------------------------------------------------------------
def test_street_totals_per_month_and_per_10k(data):
    f = hotline_figures(node=data["street"], start=Y2024, end=Y2025)
    assert f.months == MONTHS
    # compounds + 1 unlocated a month + 1 at 东社区 in March, counted in Beijing time
    assert f.totals == [25, 24, 24, 22, 21, 18, 26, 26, 18, 18, 18, 18]
    assert f.total == 258
    assert f.monthly_mean == pytest.approx(258 / 12)
    assert f.residents == 8000 and f.residents_missing == 1  # 西二院 has no count
    assert f.per_10k == pytest.approx([t * 10_000 / 8000 for t in f.totals])
    assert f.per_10k[0] == pytest.approx(31.25)
    assert f.unlocated == 13  # 12 unlocated + the one located only to 东社区


def test_repeat_share_and_the_three_rates_with_the_street_weight(data):
    StreetPolicy.objects.create(street=data["street"], basic_satisfaction_weight=Decimal("0.8"))
    f = hotline_figures(node=data["street"], start=Y2024, end=Y2025)
    assert f.repeats == 6  # the order without a group is not a repeat
    assert f.repeat_share == Decimal("0.0233")  # 6 / 258
    assert f.resolution_rate == Decimal("0.5394")  # 89 resolved / (89 + 76 answered)
    assert f.satisfaction_counts == {"satisfied": 52, "basic": 28, "unsatisfied": 6, "": 172}
    assert f.basic_weight == Decimal("0.8")
    assert f.satisfaction_rate == Decimal("0.8651")  # (52 + 0.8 × 28) / 86
    assert f.response_rate == Decimal("0.2054")  # (52 + the one at exactly 24 h) / 258; 30 h is late


def test_satisfaction_weight_defaults_to_one(data):
    f = hotline_figures(node=data["street"], start=Y2024, end=Y2025)
    assert f.basic_weight == Decimal(1)
    assert f.satisfaction_rate == Decimal("0.9302")  # (52 + 28) / 86


def test_response_rate_is_none_without_the_column_and_zero_when_all_late(data):
    assert hotline_figures(node=data["A1"], start=Y2024, end=Y2025).response_rate is None
    late = hotline_figures(node=data["B2"], start=Y2024, end=Y2025)
    assert late.response_rate == Decimal(0) and late.response_rate is not None
    one = hotline_figures(node=data["B1"], start=Y2024, end=Y2025)
    assert one.response_rate == Decimal("0.0132")  # 1 / 76


def test_top_categories_merge_levels_separators_and_predictions(data):
    f = hotline_figures(node=data["street"], start=Y2024, end=Y2025)
    assert f.top_categories == [("城乡建设-供热", 165), ("城市管理-环境卫生", 52), (UNCLASSIFIED, 28),
                                ("生态环境-噪声污染", 12), ("交通运输", 1)]
    assert UNCLASSIFIED == "未分类"


def test_top_categories_keeps_ten_ties_by_name(data):
    month = date(2026, 1, 1)
    rows = [order(data, "A1", at(month, i), category=f"类{k:02d}-子类-细类")
            for k in range(1, 12) for i in range(k)]
    rows += [order(data, "A1", at(month, i), category="类00") for i in range(3)]  # ties with 类03
    rows += [order(data, "A1", at(month, i), predicted_category="类99") for i in range(3)]  # a tie, last by name
    HotlineOrder.objects.bulk_create(rows)
    f = hotline_figures(node=data["A1"], start=month, end=date(2026, 2, 1))
    assert f.top_categories == [(f"类{k:02d}-子类", k) for k in range(11, 3, -1)] + [("类00", 3), ("类03-子类", 3)]


def test_street_children_are_communities(data):
    f = hotline_figures(node=data["street"], start=Y2024, end=Y2025)
    east, west = f.children
    assert (east.place_id, east.name, west.name) == (data["east"].pk, "东社区", "西社区")
    assert east.monthly == [16, 15, 15, 13, 12, 9, 13, 13, 9, 9, 9, 9]
    assert (east.total, west.total) == (142, 104)
    assert (east.residents, west.residents) == (5000, 3000)
    assert east.per_10k == pytest.approx(142 / 12 * 10_000 / 5000)
    assert west.per_10k == pytest.approx(104 / 12 * 10_000 / 3000)
    assert east.change == pytest.approx((9 - 46 / 3) / (46 / 3))  # last 3 months against the first 3
    assert west.change == 0.0 and west.change is not None
    assert sum(c.total for c in f.children) + 12 == f.total  # + the orders located to no community


def test_community_figures_and_its_compounds(data):
    f = hotline_figures(node=data["east"], start=Y2024, end=Y2025)
    assert f.totals == [16, 15, 15, 13, 12, 9, 13, 13, 9, 9, 9, 9]
    assert f.residents == 5000 and f.residents_missing == 0
    assert f.unlocated is None
    a1, a2 = f.children
    assert (a1.place_id, a2.place_id) == (data["A1"].pk, data["A2"].pk)
    assert (a1.total, a2.total) == (89, 52)
    assert a1.per_10k == pytest.approx(89 / 12 * 10_000 / 2000)
    assert a1.change == pytest.approx((5 - 11) / 11)
    assert a2.change == 0.0
    assert f.satisfaction_counts["satisfied"] == 52 and f.satisfaction_rate == Decimal(1)


def test_compound_figures_without_residents_or_children(data):
    f = hotline_figures(node=data["B2"], start=Y2024, end=Y2025)
    assert f.totals == COUNTS["B2"]
    assert f.residents is None and f.residents_missing == 1
    assert f.per_10k == [None] * 12
    assert f.children == [] and f.unlocated is None
    assert f.repeat_share == Decimal("0.2143")  # 6 / 28
    a1 = hotline_figures(node=data["A1"], start=date(2024, 6, 1), end=date(2024, 9, 1))
    assert a1.totals == [5, 7, 7] and a1.per_10k == pytest.approx([25.0, 35.0, 35.0])


def test_period_bounds_and_short_periods(data):
    f = hotline_figures(node=data["east"], start=date(2024, 2, 1), end=date(2024, 6, 1))
    assert f.totals == [15, 15, 13, 12]
    assert [c.change for c in f.children] == [None, None]  # fewer than 6 months
    empty = hotline_figures(node=data["street"], start=date(2030, 1, 1), end=date(2030, 2, 1))
    assert empty.totals == [0] and empty.repeat_share is None and empty.satisfaction_rate is None


def test_months_are_beijing_months_whatever_the_active_time_zone(data):
    # the period is half-open: midnight of 1 January is in it, midnight of 1 March is not
    HotlineOrder.objects.bulk_create([order(data, "A1", datetime(2024, 1, 1, tzinfo=TZ), resolved=False),
                                      order(data, "A1", datetime(2024, 3, 1, tzinfo=TZ), resolved=False)])
    with timezone.override(ZoneInfo("UTC")):
        f = hotline_figures(node=data["A1"], start=Y2024, end=date(2024, 3, 1))
        by_compound = monthly_by_compound(node=data["A1"], start=Y2024, end=date(2024, 3, 1))
    assert f.totals == [13, 11]  # the first order of each month falls on the previous day in UTC
    assert (f.resolved_yes, f.resolved_known) == (23, 24)
    assert by_compound == {data["A1"].pk: {Y2024: 13, date(2024, 2, 1): 11}}


def test_figures_reject_bad_periods_and_nodes(data):
    with pytest.raises(ValueError):
        hotline_figures(node=data["street"], start=date(2024, 1, 2), end=Y2025)
    with pytest.raises(ValueError):
        hotline_figures(node=data["street"], start=Y2025, end=Y2024)
    with pytest.raises(ValueError):
        hotline_figures(node=data["street"], start=datetime(2024, 1, 1, tzinfo=TZ), end=Y2025)
    building = Place.objects.get(path__startswith=data["A1"].path, kind=PlaceKind.BUILDING)
    with pytest.raises(ValueError):
        hotline_figures(node=building, start=Y2024, end=Y2025)


def test_to_dict_is_json(data):
    f = hotline_figures(node=data["street"], start=Y2024, end=Y2025)
    out = json.loads(json.dumps(f.to_dict()))
    assert out["months"][0] == "2024-01" and out["repeat_share"] == 0.0233
    assert out["children"][0]["total"] == 142
    effect = json.loads(json.dumps(branch_effect(node=data["street"], window=3).to_dict()))
    assert effect["rows"][0]["founded_on"] == "2024-05-15" and "不是因果证明" in effect["caveat"]
    assert effect["not_measurable"][0]["reason"] == "after"


# --- per compound ---------------------------------------------------------------------------------------
def test_monthly_by_compound_is_dense_and_scoped(data):
    out = monthly_by_compound(node=data["east"], start=date(2024, 6, 1), end=date(2024, 9, 1))
    assert out == {data["A1"].pk: {date(2024, 6, 1): 5, date(2024, 7, 1): 7, date(2024, 8, 1): 7},
                   data["A2"].pk: {date(2024, 6, 1): 4, date(2024, 7, 1): 6, date(2024, 8, 1): 6}}
    later = monthly_by_compound(node=data["B2"], start=Y2025, end=date(2025, 3, 1))
    assert later == {data["B2"].pk: {Y2025: 0, date(2025, 2, 1): 0}}


def test_compound_change_between_halves(data):
    out = compound_change(node=data["street"], start=Y2024, end=Y2025)
    assert out[data["A1"].pk] == pytest.approx((34 / 6 - 55 / 6) / (55 / 6) * 100)
    assert out[data["A2"].pk] == pytest.approx((28 / 6 - 4) / 4 * 100)
    assert out[data["B1"].pk] == pytest.approx((40 / 6 - 6) / 6 * 100)
    assert out[data["B2"].pk] == pytest.approx((16 / 6 - 2) / 2 * 100)
    odd = compound_change(node=data["east"], start=Y2024, end=date(2024, 4, 1))  # February is left out
    assert odd == {data["A1"].pk: pytest.approx((10 - 12) / 12 * 100), data["A2"].pk: 0.0}
    assert compound_change(node=data["A1"], start=Y2025, end=date(2025, 3, 1)) == {data["A1"].pk: None}


# --- branch_effect --------------------------------------------------------------------------------------
def test_branch_effect_against_hand_computed_did(data):
    e = branch_effect(node=data["street"], window=3)
    assert (e.data_start, e.data_end) == (Y2024, date(2024, 12, 1))
    [row] = e.rows
    assert (row.compound_id, row.name, row.community, row.founded_on) == (
        data["A1"].pk, "东一院", "东社区", date(2024, 5, 15))
    before, after = [1, 2, 3], [5, 6, 7]  # Feb–Apr and Jun–Aug around May
    assert row.before_mean == pytest.approx(mean(column("A1", before))) == pytest.approx(10)
    assert row.after_mean == pytest.approx(mean(column("A1", after))) == pytest.approx(19 / 3)
    assert row.change == pytest.approx(-11 / 3)
    assert row.change_pct == pytest.approx(-11 / 3 / 10 * 100)
    controls = ["A2", "B1", "B2"]  # 西一院's branch comes after August: still a control
    hand_control = mean(mean(column(c, after)) - mean(column(c, before)) for c in controls)
    assert row.n_controls == 3
    assert row.control_change == pytest.approx(hand_control) == pytest.approx(4 / 3)
    assert row.did == pytest.approx(-11 / 3 - 4 / 3) == pytest.approx(-5)
    assert row.did_pct == pytest.approx(-50)
    # the event study: February … August
    assert row.series == [11, 10, 9, 8, 5, 7, 7]
    assert row.control_series == pytest.approx([4, 4, 4, 4, 4, 6, 6])
    assert e.event_months == [-3, -2, -1, 0, 1, 2, 3]
    assert e.event_treated == pytest.approx([11, 10, 9, 8, 5, 7, 7])
    assert e.event_control == pytest.approx([4, 4, 4, 4, 4, 6, 6])
    # aggregate over the one measured compound
    assert e.n_treated == 1
    assert (e.before_mean, e.after_mean, e.did) == pytest.approx((10, 19 / 3, -5))
    assert (e.change_pct, e.did_pct) == pytest.approx((-36.6667, -50), abs=1e-3)
    # 西一院: founded in November, the three months after it are not in the data
    [late] = e.not_measurable
    assert (late.compound_id, late.founded_on, late.reason) == (data["B1"].pk, date(2024, 11, 3), "after")
    assert str(late.reason_text)
    # before the branch 东一院 fell by one order a month while the controls stayed flat
    assert e.pre_trend.treated_slope == pytest.approx(-1)
    assert e.pre_trend.control_slope == pytest.approx(0, abs=1e-9)
    assert e.pre_trend.difference == pytest.approx(-1)
    assert e.pre_trend.drift_pct == pytest.approx(-20)  # −1 × 2 months ÷ 10
    assert e.pre_trend.looks_parallel is False
    assert e.caveat is CAVEAT and "不是因果证明" in str(e.caveat)


def test_branch_effect_for_a_community_keeps_the_street_controls(data):
    e = branch_effect(node=data["east"], window=3)
    [row] = e.rows
    assert row.n_controls == 3 and row.did == pytest.approx(-5)
    assert e.not_measurable == []  # 西一院 lies outside 东社区
    assert [r.compound_id for r in branch_effect(node=data["A2"], window=3).rows] == []


def test_branch_effect_default_window_and_data_bounds(data):
    e = branch_effect(node=data["street"])  # six months: 东一院 would need November 2023
    assert e.rows == [] and e.n_treated == 0
    assert {(r.name, r.reason) for r in e.not_measurable} == {("东一院", "before"), ("西一院", "after")}
    assert e.did is None and e.pre_trend is None and e.event_treated == [None] * 13
    assert [r.reason for r in branch_effect(node=data["A1"], window=3, data_start=date(2024, 3, 1)).not_measurable
            ] == ["before"]
    assert [r.reason for r in branch_effect(node=data["A1"], window=3, data_end=date(2024, 7, 1)).not_measurable
            ] == ["after"]
    # data declared from November 2023: the two months without orders count 0
    early = branch_effect(node=data["A1"], window=6, data_start=date(2023, 11, 1))
    assert early.data_start == date(2023, 11, 1)
    assert early.rows[0].before_mean == pytest.approx((0 + 0 + 12 + 11 + 10 + 9) / 6)
    assert early.rows[0].series[:2] == [0, 0]
    bounded = branch_effect(node=data["A1"], window=3, data_start=date(2024, 2, 1), data_end=date(2024, 8, 1))
    assert (bounded.data_start, bounded.data_end) == (date(2024, 2, 1), date(2024, 8, 1))
    assert bounded.rows[0].did == pytest.approx(-5)


def test_branch_effect_without_orders(db):
    subtree_ensure(None, [NodeSpec(PlaceKind.STREET, "空街道", children=[
        NodeSpec(PlaceKind.COMMUNITY, "空社区", children=[compound_spec("空院", buildings=0)])])])
    compound = Place.objects.get(name="空院")
    make_branch(compound, founded_on=date(2024, 5, 1))
    e = branch_effect(node=Place.objects.get(name="空街道"), window=3)
    assert e.data_start is None and [r.reason for r in e.not_measurable] == ["no_data"]


def test_branch_by_covers_and_treated_later_leave_the_controls(data):
    branch = make_branch(data["B1"], name="西片联合党支部", founded_on=date(2024, 4, 10))
    branch.covers.add(data["B2"])  # 西二院 is covered, not anchored
    e = branch_effect(node=data["street"], window=3)
    a1, b1, b2 = e.rows
    assert (b1.founded_on, b2.founded_on) == (date(2024, 4, 10), date(2024, 4, 10))
    # 东一院: only 东二院 is left as a control
    assert a1.n_controls == 1 and a1.control_change == pytest.approx(4 / 3) and a1.did == pytest.approx(-5)
    # 西一院 / 西二院: April; before January–March, after May–July; control 东二院 (东一院 is treated in May)
    before, after = [0, 1, 2], [4, 5, 6]
    a2_change = mean(column("A2", after)) - mean(column("A2", before))
    assert a2_change == pytest.approx(2 / 3)
    for row, name in ((b1, "B1"), (b2, "B2")):
        assert row.n_controls == 1
        assert row.change == pytest.approx(mean(column(name, after)) - mean(column(name, before)))
        assert row.control_change == pytest.approx(a2_change)
        assert row.did == pytest.approx(0)
    assert e.n_treated == 3 and e.not_measurable == []
    assert e.did == pytest.approx(-5 / 3)
    assert e.before_mean == pytest.approx((10 + 6 + 2) / 3)
    assert e.change_pct == pytest.approx(mean([-11 / 3 / 10 * 100, 2 / 3 / 6 * 100, 2 / 3 / 2 * 100]))
    # relative month −3: 东一院 in February, 西一院 and 西二院 in January
    assert e.event_treated[0] == pytest.approx((11 + 6 + 2) / 3)
    assert e.event_control[0] == pytest.approx(4)  # 东二院 in both
    # relative month +3: 东一院 in August (controls: 东二院 6), the west in July (东二院 6)
    assert e.event_treated[-1] == pytest.approx((7 + 8 + 4) / 3)
    assert e.event_control[-1] == pytest.approx(6)


def test_a_branch_anchored_in_another_street_counts_for_the_compounds_it_covers(data):
    subtree_ensure(None, [NodeSpec(PlaceKind.STREET, "邻街道", children=[
        NodeSpec(PlaceKind.COMMUNITY, "邻社区", children=[compound_spec("邻院", buildings=0)])])])
    branch = make_branch(Place.objects.get(name="邻院"), founded_on=date(2024, 4, 10))
    branch.covers.add(data["B2"])
    e = branch_effect(node=data["street"], window=3)
    assert [(r.name, r.founded_on) for r in e.rows] == [("东一院", date(2024, 5, 15)), ("西二院", date(2024, 4, 10))]
    assert e.rows[0].n_controls == 2  # 东二院 and 西一院


def test_pre_trend_with_controls_that_move_before_the_branch(data):
    # 东二院 gets six more orders in February and in May: the controls' mean falls by one a month over
    # February–April, as 东一院 does, so the trends before the branch are parallel
    HotlineOrder.objects.bulk_create([order(data, "A2", at(month, 10 + i), category="城乡建设-供热")
                                      for month in (date(2024, 2, 1), date(2024, 5, 1)) for i in range(6)])
    e = branch_effect(node=data["street"], window=3)
    assert e.event_control[:4] == pytest.approx([6, 4, 4, 6])
    assert e.pre_trend.treated_slope == pytest.approx(-1)
    assert e.pre_trend.control_slope == pytest.approx(-1)
    assert e.pre_trend.difference == pytest.approx(0, abs=1e-9)
    assert e.pre_trend.looks_parallel is True
    a2_change = 16 / 3 - (10 + 4 + 4) / 3
    assert e.rows[0].control_change == pytest.approx((a2_change + 4 / 3 + 4 / 3) / 3) == pytest.approx(2 / 3)
    assert e.rows[0].did == pytest.approx(-11 / 3 - 2 / 3)


def test_branch_without_a_date_is_neither_measured_nor_a_control(data):
    make_branch(data["B2"], founded_on=None)
    e = branch_effect(node=data["street"], window=3)
    assert e.rows[0].n_controls == 2
    assert ("西二院", "no_date", None) in {(r.name, r.reason, r.founded_on) for r in e.not_measurable}


def test_bad_window(data):
    with pytest.raises(ValueError):
        branch_effect(node=data["street"], window=0)


# --- constant number of queries -------------------------------------------------------------------------
def _run_all(data, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        hotline_figures(node=data["street"], start=Y2024, end=Y2025)
    with django_assert_max_num_queries(4):
        hotline_figures(node=data["east"], start=Y2024, end=Y2025)
    with django_assert_max_num_queries(3):
        effect = branch_effect(node=data["street"], window=3)
    with django_assert_max_num_queries(2):
        monthly_by_compound(node=data["street"], start=Y2024, end=Y2025)
    with django_assert_max_num_queries(2):
        compound_change(node=data["street"], start=Y2024, end=Y2025)
    return effect


def test_query_counts_do_not_grow_with_orders_places_or_branches(data, django_assert_max_num_queries):
    _run_all(data, django_assert_max_num_queries)
    build_orders(data)  # every order twice
    subtree_ensure(data["west"], [compound_spec(f"新院{k}", buildings=0, resident_count=100) for k in range(5)])
    for k in range(3):
        make_branch(Place.objects.get(name=f"新院{k}"), founded_on=date(2024, 6, 1))
    effect = _run_all(data, django_assert_max_num_queries)
    assert effect.n_treated == 4
    f = hotline_figures(node=data["street"], start=Y2024, end=Y2025)
    assert f.total == 2 * 258 - 1  # the order located only to 东社区 was not doubled


# --- the overview's shared rows -------------------------------------------------------------------------
def test_one_street_query_gives_the_same_figures_as_one_query_each(data, django_assert_max_num_queries):
    """The overview reads the street's grouped rows once and derives every figure from them; each figure is
    the same as when it queries for itself."""
    from weizhili.hotline.figures import street_rows

    with django_assert_max_num_queries(1):
        rows = street_rows(data["street"])
    for node in (data["street"], data["east"], data["west"], data["A1"], data["B2"]):
        for start, end in ((Y2024, Y2025), (date(2024, 3, 1), date(2024, 9, 1))):
            alone = hotline_figures(node=node, start=start, end=end).to_dict()
            shared = hotline_figures(node=node, start=start, end=end, rows=rows).to_dict()
            assert shared == alone, (node.name, start)
            assert compound_change(node=node, start=start, end=end, rows=rows) == \
                compound_change(node=node, start=start, end=end)
        assert branch_effect(node=node, window=3, rows=rows).to_dict() == branch_effect(node=node, window=3).to_dict()


def test_response_within_24_hours_to_the_second(data):
    """The database's own arithmetic (no Python per row): 24 h exactly is in time, a millisecond more is not."""
    start = datetime(2025, 3, 1, 9, tzinfo=TZ)
    HotlineOrder.objects.bulk_create([
        order(data, "A2", start, responded_at=start + timedelta(hours=24)),
        order(data, "A2", start, responded_at=start + timedelta(hours=24, seconds=1)),
        order(data, "A2", start + timedelta(minutes=1), responded_at=start + timedelta(hours=2)),
        order(data, "A2", start, responded_at=start + timedelta(hours=24, milliseconds=1)),
        order(data, "A2", start, responded_at=start + timedelta(hours=24, milliseconds=-1)),
    ])
    f = hotline_figures(node=data["A2"], start=date(2025, 3, 1), end=date(2025, 4, 1))
    assert (f.total, f.responded_in_time, f.responded_any) == (5, 3, 5)
