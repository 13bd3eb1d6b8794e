"""The figures of docs/rules-and-metrics.md, checked against counts computed by hand."""
import itertools
import json
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from weizhili.cases.metrics import (
    CaseFigures,
    case_figures,
    case_figures_for_user,
    figures_by_child,
    monthly_series,
)
from weizhili.cases.models import Case, FollowUp, Status, StreetPolicy, Tier
from weizhili.cases.services import Actor, case_create, case_transition

from .conftest import T0, TZ

pytestmark = pytest.mark.django_db

_seq = itertools.count(1)

# The period: March 2026 in Beijing time, [S, E).
S = datetime(2026, 3, 1, tzinfo=TZ)
E = datetime(2026, 4, 1, tzinfo=TZ)
NOW = datetime(2026, 4, 10, 12, tzinfo=TZ)
D = Decimal


def d(month: int, day: int, hour: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=TZ)


# where a case happens → (compound, community) as case_create would set them
_PLACES = {
    "east_household": ("east_compound", "east"), "east_building": ("east_compound", "east"),
    "east_compound": ("east_compound", "east"), "east": (None, "east"),
    "west_household": ("west_compound", "west"), "west_compound": ("west_compound", "west"), "west": (None, "west"),
}


def build(tree, category, at: str = "east_household", **fields) -> Case:
    """An unsaved case with a unique code (the token is unique by default); every other field as given."""
    compound, community = _PLACES[at]
    fields.setdefault("created_at", d(3, 2))
    return Case(code=f"M{next(_seq):08d}", place=tree[at], compound=tree[compound] if compound else None,
                community=tree[community], category=category, description="测试诉求内容", **fields)


def followup(case: Case, at: datetime, satisfaction: str, resolved: bool, round: int = 1, valid: bool = True):
    return FollowUp(case=case, round=round, at=at, satisfaction=satisfaction, resolved=resolved, valid=valid)


def closed(**fields) -> dict:
    return {"status": Status.CLOSED, **fields}


@pytest.fixture
def cat(categories):
    return categories["sanitation"]


@pytest.fixture
def handmade(tree, cat):
    """Twelve cases chosen so that each rule is exercised once; the expected figures are worked out in
    `test_handmade_set_every_rate_by_hand`. Places: east = 东社区 (东苑小区 below it), west = 西社区."""
    responded = lambda day: {"dispatched_at": d(3, day), "signed_at": d(3, day), "contacted_at": d(3, day)}  # noqa: E731
    c = {}
    c[1] = build(tree, cat, "east_household", **closed(  # due, closed on time, compound; responded
        tier=Tier.COMPOUND, resolved_tier=Tier.COMPOUND, created_at=d(3, 2), **responded(2), due_at=d(3, 5),
        case_due_at=d(3, 9), closed_at=d(3, 6), closed_on_time=True))
    c[2] = build(tree, cat, "east_household", **closed(  # due, closed late, community, rework; contacted late
        tier=Tier.COMMUNITY, resolved_tier=Tier.COMMUNITY, created_at=d(3, 3), dispatched_at=d(3, 3),
        signed_at=d(3, 4), contacted_at=d(3, 8), due_at=d(3, 6), case_due_at=d(3, 10), closed_at=d(3, 12),
        closed_on_time=False, reworks=1))
    c[3] = build(tree, cat, "east_building",  # due, open, extended, overdue at NOW; signed but never contacted
                 status=Status.HANDLING, created_at=d(3, 5), dispatched_at=d(3, 5), signed_at=d(3, 5),
                 due_at=d(3, 20), case_due_at=d(3, 20), extensions=1)
    c[4] = build(tree, cat, "west_household", **closed(  # due, on time, street, reopened (round 2); responded
        tier=Tier.STREET, resolved_tier=Tier.STREET, created_at=d(3, 6), **responded(9), due_at=d(3, 12),
        case_due_at=d(3, 13), closed_at=d(3, 11), closed_on_time=True, round=2))
    c[5] = build(tree, cat, "west_household", **closed(  # raised and dispatched in Feb; due and closed in March
        resolved_tier=Tier.COMPOUND, created_at=d(2, 20), dispatched_at=d(2, 20), signed_at=d(2, 20),
        contacted_at=d(2, 20), due_at=d(2, 25), case_due_at=d(3, 2), closed_at=datetime(2026, 3, 1, 9, tzinfo=TZ),
        closed_on_time=True))
    c[6] = build(tree, cat, "west_compound",  # raised in March, due in April, open and overdue at NOW; responded
                 status=Status.HANDLING, created_at=d(3, 20), **responded(20), due_at=d(3, 23), case_due_at=d(4, 3))
    c[7] = build(tree, cat, "east_building", exempt=True, **closed(  # exempt: counts nowhere but exempt_due
        resolved_tier=Tier.COMPOUND, created_at=d(3, 4), **responded(4), due_at=d(3, 7), case_due_at=d(3, 10),
        closed_at=d(3, 9), closed_on_time=True, reworks=1))
    c[8] = build(tree, cat, "east_household",  # rejected after acceptance: not an order, counts nowhere
                 status=Status.REJECTED, created_at=d(3, 7), dispatched_at=d(3, 7), case_due_at=d(3, 14))
    c[10] = build(tree, cat, "east",  # raised at community level; due, parked; responded
                  status=Status.PARKED, tier=Tier.COMMUNITY, created_at=d(3, 8), **responded(8), due_at=d(3, 11),
                  case_due_at=d(3, 15))
    c[11] = build(tree, cat, "east", tier=Tier.COMMUNITY, created_at=d(3, 25))  # raised, submitted, no deadline
    c[13] = build(tree, cat, "west_compound", **closed(  # an old case closed late in March after two reworks
        resolved_tier=Tier.COMMUNITY, created_at=d(2, 1), dispatched_at=d(2, 1), case_due_at=d(2, 10),
        closed_at=d(3, 3), closed_on_time=False, reworks=2))
    Case.objects.bulk_create(c.values())
    # a duplicate merged into c1, closed with it: it must not count a second time
    c[9] = build(tree, cat, "east_household", status=Status.MERGED, parent=c[1], resolved_tier=Tier.COMPOUND,
                 created_at=d(3, 2), **responded(2), due_at=d(3, 5), case_due_at=d(3, 9), closed_at=d(3, 6),
                 closed_on_time=True)
    c[9].save()
    FollowUp.objects.bulk_create([
        followup(c[1], d(3, 7), "satisfied", True),
        followup(c[2], d(3, 13), "basic", True),
        followup(c[4], d(3, 8), "unsatisfied", False, round=1),
        followup(c[4], d(3, 12), "basic", True, round=2),
        followup(c[5], d(3, 2), "satisfied", True),
        followup(c[13], d(3, 4), "unsatisfied", False, round=2, valid=False),  # invalid: left out
        followup(c[7], d(3, 10), "satisfied", True),  # on an exempt case: left out
        followup(c[13], d(2, 25), "satisfied", True),  # before the period: left out
    ])
    return c


def test_the_documents_example_972_due_911_closed_737_on_time(tree, cat):
    due = [d(3, 1 + i % 30, 9 + i % 8) for i in range(972)]
    cases = ([build(tree, cat, **closed(case_due_at=due[i], closed_at=due[i] - timedelta(hours=1),
                                        closed_on_time=True)) for i in range(737)]
             + [build(tree, cat, **closed(case_due_at=due[i], closed_at=due[i] + timedelta(days=2),
                                          closed_on_time=False)) for i in range(737, 911)]
             + [build(tree, cat, status=Status.HANDLING, case_due_at=due[i]) for i in range(911, 972)])
    Case.objects.bulk_create(cases, batch_size=500)
    with CaptureQueriesContext(connection) as ctx:
        figures = case_figures(node=tree["street"], start=S, end=E, now=NOW)
    assert len(ctx.captured_queries) <= 3
    assert (figures.due, figures.closed, figures.closed_on_time) == (972, 911, 737)
    assert figures.closure_rate == D("0.9372") and figures.on_time_rate == D("0.7582")
    assert f"{figures.closure_rate:.2%}" == "93.72%" and f"{figures.on_time_rate:.2%}" == "75.82%"
    assert figures.backlog == 61 and figures.open == 61


def test_handmade_set_every_rate_by_hand(tree, handmade):
    f = case_figures(node=tree["street"], start=S, end=E, now=NOW)
    # due in March (counted): c1 c2 c3 c4 c5 c10 = 6   (c6 due in April, c7 exempt, c8 rejected, c9 merged,
    #                                                   c11 no deadline, c13 due in February)
    # closed among them: c1 c2 c4 c5 = 4 → 办结率 4/6 = 0.6667; on time: c1 c4 c5 = 3 → 按期办结率 3/6 = 0.5
    assert (f.due, f.closed, f.closed_on_time) == (6, 4, 3)
    assert f.closure_rate == D("0.6667") and f.on_time_rate == D("0.5000")
    # extended among due: c3 → 延期率 1/6
    assert f.extended == 1 and f.extension_rate == D("0.1667")
    assert f.exempt_due == 1  # c7
    # closed in March: c1 c2 c4 c5 c13 = 5; reworked: c2 (verification failed), c4 (reopened), c13 → 3/5
    assert (f.closed_in_period, f.reworked, f.rework_rate) == (5, 3, D("0.6"))
    # raised in March: c1 c2 c3 c4 c6 c10 c11 = 7; closed among them: c1 c2 c4 = 3 (all raised in a compound);
    # still open: c3 c6 c10 c11 = 4, in neither 化解率. Resolved at compound: c1 → 1/3; at community or below:
    # c1 c2 → 2/3; reached the street: c4 only → 1/7 (not 1 − 2/3: the open ones were not sent upward)
    assert (f.raised, f.raised_closed, f.raised_closed_compound, f.raised_open) == (7, 3, 3, 4)
    assert (f.resolved_compound, f.resolved_community, f.sent_to_street) == (1, 2, 1)
    assert f.compound_resolution_rate == D("0.3333")
    assert f.community_resolution_rate == D("0.6667") and f.street_rate == D("0.1429")
    # dispatched in March: c1 c2 c3 c4 c6 c10 = 6; signed and contacted by due_at: c1 c4 c6 c10 = 4
    # (c2 contacted after its due_at, c3 never contacted) → 响应率 4/6
    assert (f.dispatched, f.responded, f.response_rate) == (6, 4, D("0.6667"))
    # at NOW (10 April): open and past case_due_at: c3 (20 March), c6 (3 April); c11 has no deadline; c10 parked
    assert (f.backlog, f.parked, f.open) == (2, 1, 3)
    # 期内超期: due in March, passed by NOW, not closed by the deadline: c2 (closed late), c3 (open), c10 (parked)
    assert f.overdue_in_period == 3
    # valid follow-ups in March: c1 satisfied, c2 basic, c4#1 unsatisfied, c4#2 basic, c5 satisfied = 5
    # resolved: 4 → 解决率 0.8; 满意率 (2 + 1×2)/5 = 0.8
    assert f.followups == 5 and f.satisfaction_distribution == {"satisfied": 2, "basic": 2, "unsatisfied": 1}
    assert f.resolution_rate == D("0.8") and f.satisfaction_rate == D("0.8")
    # combined: (30 × 4/6 + 35 × 0.8 + 35 × 0.8) / 100 = (20 + 28 + 28) / 100
    assert f.combined_score == D("0.76")
    data = f.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["closure_rate"] == 0.6667 and data["due"] == 6 and data["satisfaction_distribution"]["basic"] == 2


def test_a_smaller_node_counts_its_subtree_only(tree, handmade):
    # 西苑小区 (its whole subtree): c4 c5 c6 c13
    f = case_figures(node=tree["west_compound"], start=S, end=E, now=NOW)
    assert (f.due, f.closed, f.closed_on_time, f.raised, f.dispatched, f.responded) == (2, 2, 2, 2, 2, 2)
    assert (f.closed_in_period, f.reworked, f.backlog, f.followups) == (3, 2, 1, 3)
    assert f.closure_rate == D(1) and f.rework_rate == D("0.6667") and f.compound_resolution_rate == D(0)


def test_w_half_changes_the_satisfaction_rate(tree, handmade):
    policy = StreetPolicy(basic_satisfaction_weight=D("0.5"))
    f = case_figures(node=tree["street"], start=S, end=E, now=NOW, policy=policy)
    # (2 satisfied + 0.5 × 2 basic) / 5 = 0.6; the distribution is unchanged
    assert f.satisfaction_rate == D("0.6") and f.satisfaction_distribution["basic"] == 2
    # (30 × 4/6 + 35 × 0.8 + 35 × 0.6) / 100 = (20 + 28 + 21) / 100
    assert f.combined_score == D("0.69")
    # the street's saved policy is used when none is given: w = 0.5, weights 50/25/25
    StreetPolicy.objects.create(street=tree["street"], basic_satisfaction_weight=D("0.5"), weight_response=50,
                                weight_resolution=25, weight_satisfaction=25)
    f = case_figures(node=tree["east_compound"], start=S, end=E, now=NOW)
    # 东苑小区: c1 satisfied, c2 basic → (1 + 0.5) / 2; responded c1 of dispatched c1 c2 c3
    assert f.satisfaction_rate == D("0.75") and f.response_rate == D("0.3333")
    # (50 × 1/3 + 25 × 2/2 + 25 × 0.75) / 100 = (16.667 + 25 + 18.75) / 100
    assert f.combined_score == D("0.6042")


def test_exempt_cases_leave_every_denominator(tree, cat, handmade):
    before = case_figures(node=tree["street"], start=S, end=E, now=NOW)
    twins = [build(tree, cat, at, exempt=True, **fields) for at, fields in [
        ("east_household", closed(resolved_tier=Tier.COMPOUND, created_at=d(3, 2), dispatched_at=d(3, 2),
                                  signed_at=d(3, 2), contacted_at=d(3, 2), due_at=d(3, 5), case_due_at=d(3, 9),
                                  closed_at=d(3, 6), closed_on_time=True, reworks=1)),
        ("west_compound", closed(resolved_tier=Tier.COMMUNITY, created_at=d(3, 3), dispatched_at=d(3, 3),
                                 case_due_at=d(3, 10), closed_at=d(3, 20), closed_on_time=False, round=2)),
        ("east", {"status": Status.SUBMITTED, "created_at": d(3, 9), "case_due_at": d(3, 12), "extensions": 1}),
    ]]
    Case.objects.bulk_create(twins)
    FollowUp.objects.bulk_create([followup(twins[0], d(3, 7), "unsatisfied", False),
                                  followup(twins[1], d(3, 21), "basic", True)])
    after = case_figures(node=tree["street"], start=S, end=E, now=NOW)
    assert after.exempt_due == before.exempt_due + 3
    for name in CaseFigures.COUNTS:
        if name in ("exempt_due", "backlog", "open"):
            continue
        assert getattr(after, name) == getattr(before, name), name
    for name in CaseFigures.RATES:
        assert getattr(after, name) == getattr(before, name), name
    # the work in hand is not a rate: an exempt case still open and overdue is still in the backlog
    assert (after.backlog, after.open) == (before.backlog + 1, before.open + 1)


def test_merged_children_close_with_the_parent_and_count_once(tree, categories, leader, staff):
    def new():
        return case_create(place=tree["east_household"], category=categories["sanitation"],
                           description="楼道里堆满了杂物，影响通行", now=T0)

    parent, first, second = new(), new(), new()
    sec = Actor(staff["secretary"])
    for child in (first, second):
        case_transition(case_id=child.pk, action="merge", actor=sec, data={"parent": parent.pk}, now=T0)
    for action, actor, note in [("sign", Actor(leader), ""), ("report", Actor(leader), "已清理"),
                                ("verify", sec, ""), ("close", sec, "")]:
        case_transition(case_id=parent.pk, action=action, actor=actor, note=note, data={"contacted": True},
                        now=T0 + timedelta(hours=2))
    assert Case.objects.filter(closed_at__isnull=False, closed_on_time=True).count() == 3
    f = case_figures(node=tree["street"], start=T0 - timedelta(days=1), end=T0 + timedelta(days=30), now=T0)
    assert (f.due, f.closed, f.closed_on_time, f.closed_in_period) == (1, 1, 1, 1)
    assert (f.raised, f.resolved_compound, f.dispatched, f.responded) == (1, 1, 1, 1)
    assert f.closure_rate == D(1) and f.compound_resolution_rate == D(1) and f.response_rate == D(1)


def test_per_child_figures_sum_to_the_parents(tree, handmade):
    for node, expected_keys in [(tree["street"], [tree["east"], tree["west"]]),
                                (tree["east"], [tree["east_compound"], tree["east"]])]:
        parent = case_figures(node=node, start=S, end=E, now=NOW)
        children = figures_by_child(node=node, start=S, end=E, now=NOW)
        assert list(children) == expected_keys  # children in tree order, then cases placed on the node itself
        for name in CaseFigures.COUNTS:
            assert sum(getattr(f, name) for f in children.values()) == getattr(parent, name), (node, name)
    # hand-checked: 东社区 = c1 c2 c3 c10 c11 (+ c7 exempt, c8 rejected, c9 merged)
    east = figures_by_child(node=tree["street"], start=S, end=E, now=NOW)[tree["east"]]
    assert (east.due, east.closed, east.closed_on_time, east.raised, east.dispatched, east.responded) == \
           (4, 2, 1, 5, 4, 2)
    assert east.closure_rate == D("0.5") and east.satisfaction_rate == D(1) and east.place_id == tree["east"].pk
    # on the community: c10 and c11 are placed on 东社区 itself, outside any compound
    direct = figures_by_child(node=tree["east"], start=S, end=E, now=NOW)[tree["east"]]
    assert (direct.raised, direct.due, direct.parked, direct.open) == (2, 1, 1, 1)


def test_a_child_without_cases_is_listed_with_zeros(tree, cat):
    Case.objects.bulk_create([build(tree, cat, "east_household", case_due_at=d(3, 9))])
    children = figures_by_child(node=tree["street"], start=S, end=E, now=NOW)
    assert list(children) == [tree["east"], tree["west"]]
    west = children[tree["west"]]
    assert west.due == 0 and west.closure_rate is None and west.combined_score is None


def _spread(tree, cat, n: int) -> None:
    places = ["east_household", "west_household", "east", "west_compound"]
    cases = [build(tree, cat, places[i % 4], **closed(created_at=d(3, 1 + i % 28), dispatched_at=d(3, 1 + i % 28),
                                                       case_due_at=d(3, 2 + i % 28), closed_at=d(3, 2 + i % 28),
                                                       closed_on_time=bool(i % 2)))
             for i in range(n)]
    Case.objects.bulk_create(cases)
    FollowUp.objects.bulk_create([followup(case, d(3, 28), "basic", True) for case in cases])


def _count_queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


@pytest.mark.parametrize("fn, most", [
    (lambda tree: case_figures(node=tree["street"], start=S, end=E, now=NOW), 3),
    (lambda tree: case_figures(node=tree["street"], start=S, end=E, now=NOW, policy=StreetPolicy()), 2),
    (lambda tree: figures_by_child(node=tree["street"], start=S, end=E, now=NOW), 4),
    (lambda tree: figures_by_child(node=tree["east"], start=S, end=E, now=NOW), 4),
    (lambda tree: monthly_series(node=tree["street"], months=6, now=NOW), 3),
])
def test_query_count_does_not_grow_with_the_cases(tree, cat, fn, most):
    _spread(tree, cat, 5)
    few = _count_queries(lambda: fn(tree))
    _spread(tree, cat, 45)
    many = _count_queries(lambda: fn(tree))
    assert few == many <= most


def test_period_boundaries_are_half_open(tree, cat):
    cases = [
        build(tree, cat, case_due_at=S, created_at=S, dispatched_at=S, closed_at=S, **closed()),  # all in
        build(tree, cat, case_due_at=E - timedelta(microseconds=1), created_at=E - timedelta(microseconds=1)),  # in
        build(tree, cat, case_due_at=E, created_at=E, dispatched_at=E, closed_at=E, **closed()),  # all out
        build(tree, cat, case_due_at=S - timedelta(microseconds=1), created_at=S - timedelta(seconds=1)),  # out
    ]
    Case.objects.bulk_create(cases)
    FollowUp.objects.bulk_create([followup(cases[0], S, "satisfied", True), followup(cases[2], E, "basic", True)])
    f = case_figures(node=tree["street"], start=S, end=E, now=NOW)
    assert (f.due, f.closed, f.raised, f.dispatched, f.closed_in_period, f.followups) == (2, 1, 2, 1, 1, 1)
    assert f.closure_rate == D("0.5") and f.satisfaction_rate == D(1)


def test_nothing_to_count_gives_none_not_zero(tree):
    f = case_figures(node=tree["west"], start=S, end=E, now=NOW)
    assert all(getattr(f, name) is None for name in CaseFigures.RATES)
    assert all(getattr(f, name) == 0 for name in CaseFigures.COUNTS)
    assert json.dumps(f.to_dict())


def test_bad_periods_are_refused(tree):
    with pytest.raises(ValueError):
        case_figures(node=tree["street"], start=E, end=S, now=NOW)
    with pytest.raises(ValueError):
        case_figures(node=tree["street"], start=datetime(2026, 3, 1), end=E, now=NOW)


def test_monthly_series_in_beijing_months(tree, cat):
    Case.objects.bulk_create([
        # 00:30 on 1 March in Beijing is still 28 February in UTC: a March case
        build(tree, cat, created_at=datetime(2026, 3, 1, 0, 30, tzinfo=TZ)),
        build(tree, cat, created_at=datetime(2026, 2, 28, 23, 30, tzinfo=TZ)),
        # raised in January, due in January (23:00), closed late on 1 February 00:10
        build(tree, cat, **closed(created_at=d(1, 15), case_due_at=datetime(2026, 1, 31, 23, tzinfo=TZ),
                                  closed_at=datetime(2026, 2, 1, 0, 10, tzinfo=TZ), closed_on_time=False)),
        # raised before the window, due and closed on time in January
        build(tree, cat, **closed(created_at=datetime(2025, 12, 20, tzinfo=TZ), case_due_at=d(1, 10),
                                  closed_at=d(1, 9), closed_on_time=True)),
        build(tree, cat, exempt=True, created_at=d(2, 10), case_due_at=d(2, 12)),  # left out
        build(tree, cat, created_at=d(4, 1)),  # after the window
    ])
    series = monthly_series(node=tree["street"], months=3, now=d(3, 15))
    assert [row.to_dict() for row in series] == [
        {"month": "2026-01", "raised": 1, "closed": 1, "due": 2, "closed_on_time": 1, "on_time_rate": 0.5},
        {"month": "2026-02", "raised": 1, "closed": 1, "due": 0, "closed_on_time": 0, "on_time_rate": None},
        {"month": "2026-03", "raised": 1, "closed": 0, "due": 0, "closed_on_time": 0, "on_time_rate": None},
    ]
    # a window across the new year
    assert [row.month.isoformat() for row in monthly_series(node=tree["street"], months=4, now=d(1, 2))] == [
        "2025-10-01", "2025-11-01", "2025-12-01", "2026-01-01"]


def test_figures_for_a_user_only_within_their_scope(tree, personas, handmade):
    worker = personas["community_worker"]  # 东社区
    f = case_figures_for_user(worker, tree["east_compound"], start=S, end=E, now=NOW)
    assert f.due == 3
    assert case_figures_for_user(worker, tree["east"], start=S, end=E, now=NOW).due == 4
    for user, node in [(worker, tree["west"]), (worker, tree["street"]), (personas["outsider"], tree["east"]),
                       (personas["branch_secretary"], tree["east"])]:
        with pytest.raises(Http404):
            case_figures_for_user(user, node, start=S, end=E, now=NOW)
    assert case_figures_for_user(personas["street_cadre"], tree["west"], start=S, end=E, now=NOW).due == 2


def test_street_rate_counts_escalations_and_referrals_not_open_cases(tree, cat):
    """Four raised: one escalated to the street, one referred there by dispatch, one still open at the
    community, one closed at the compound. 上报街道率 = 2/4, whatever the 社区化解率 (1/1)."""
    from weizhili.cases.models import Event

    cases = [build(tree, cat, "east_household", tier=Tier.STREET, status=Status.DISPATCHED, escalations=2),
             build(tree, cat, "east_household", tier=Tier.COMMUNITY, status=Status.HANDLING, escalations=1),
             build(tree, cat, "west_household", tier=Tier.COMMUNITY, status=Status.HANDLING, escalations=1),
             build(tree, cat, "west_household", **closed(resolved_tier=Tier.COMPOUND, closed_at=d(3, 4)))]
    Case.objects.bulk_create(cases)
    Event.objects.bulk_create([
        Event(case=cases[1], action="dispatch", at=d(3, 3), data={"handler_kind": "street"}),
        Event(case=cases[2], action="dispatch", at=d(3, 3), data={"handler_kind": "community"}),
    ])
    f = case_figures(node=tree["street"], start=S, end=E, now=NOW)
    assert (f.raised, f.sent_to_street, f.street_rate) == (4, 2, D("0.5"))
    assert (f.raised_closed, f.raised_open, f.community_resolution_rate) == (1, 3, D(1))
    assert f.to_dict()["raised_open"] == 3
