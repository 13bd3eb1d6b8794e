"""A year of plausible case history for the demo street, written in bulk (not through the services: 4,000
cases × a dozen steps would take minutes). The shapes follow the services exactly: the same clocks from the
street calendar, the same timeline actions, follow-ups and supervision orders. Open cases are then brought
up to date by the real sweep, so escalations and cards on the demo are the product's own."""
import random
import secrets
from datetime import timedelta

from django.utils import timezone

from weizhili.accounts.models import Role, User
from weizhili.cases.clock import category_deadline, round_clock, street_calendar, street_policy
from weizhili.cases.models import (
    TIER_ORDER,
    Case,
    Event,
    FollowUp,
    HandlerKind,
    Satisfaction,
    Source,
    Status,
    Supervision,
    SupervisionReason,
    Tier,
)
from weizhili.cases.services import categories_ensure
from weizhili.cases.sweep import sweep
from weizhili.places.models import KIND_DEPTH, Place, PlaceKind

SOURCES = [(Source.RESIDENT, 45), (Source.GRID, 15), (Source.WALK_IN, 9), (Source.PHONE, 10),
           (Source.HOTLINE, 12), (Source.INSPECTION, 6), (Source.PROPERTY, 3)]
CATEGORY_WEIGHTS = {"property": 18, "sanitation": 20, "noise": 10, "parking": 14, "utilities": 9, "dispute": 7,
                    "safety": 3, "repair": 12, "welfare": 4, "other": 3}
TEXTS = {
    "property": ["物业不及时处理报修", "小区门禁坏了没人修", "物业费收支不公开", "电梯经常停运"],
    "sanitation": ["楼道堆放杂物影响通行", "垃圾桶满了没人清运", "小区绿化带有积水发臭", "单元门口有建筑垃圾"],
    "noise": ["楼上晚上装修噪音大", "广场舞音响声音太大", "商铺夜间施工扰民"],
    "parking": ["消防通道被私家车占用", "电动车在楼道充电", "小区门口乱停车堵路", "非机动车棚不够用"],
    "utilities": ["单元停水一天了", "暖气不热", "楼道灯不亮", "燃气表漏气有味道"],
    "dispute": ["楼上漏水到楼下协商不成", "邻居占用公共区域", "宠物狗噪音纠纷"],
    "safety": ["单元门锁坏了陌生人进出", "外墙瓷砖脱落有危险", "井盖松动"],
    "repair": ["健身器材损坏", "楼顶防水层破损漏雨", "路面塌陷需要修补", "窗户玻璃破损"],
    "welfare": ["独居老人需要上门照看", "困难家庭申请帮扶", "老人就餐不方便"],
    "other": ["建议增设快递柜", "希望小区增加休闲座椅"],
}


def _pick(rng, weighted):
    total = sum(w for _v, w in weighted)
    x = rng.uniform(0, total)
    for value, w in weighted:
        x -= w
        if x <= 0:
            return value
    return weighted[-1][0]


def build_case_history(street: Place, *, seed: int = 20221216, months: int = 12, per_month: int = 340,
                       now=None, progress=None) -> dict:
    rng = random.Random(seed)
    now = now or timezone.now()
    calendar = street_calendar(street)
    policy = street_policy(street)
    categories = {c.code: c for c in categories_ensure(street=street)}
    cat_weights = [(categories[code], w) for code, w in CATEGORY_WEIGHTS.items()]
    households = list(Place.objects.filter(path__startswith=street.path, kind=PlaceKind.HOUSEHOLD)
                      .only("id", "path").order_by("path"))
    ancestors = {p.path: p.pk for p in Place.objects.filter(path__startswith=street.path,
                                                            kind__in=[PlaceKind.COMMUNITY, PlaceKind.COMPOUND])}
    leader = User.objects.filter(role=Role.BUILDING_LEADER, is_demo=True).select_related("place").first()
    start = now - timedelta(days=30 * months)
    total = per_month * months
    cases, timelines, ratings = [], [], []
    for i in range(total):
        # volumes fall over the year (the branches' work), with noise
        created = start + timedelta(seconds=rng.uniform(0, (now - start).total_seconds()) ** 1.0)
        age_share = (created - start) / (now - start)
        if rng.random() < 0.35 * age_share:  # later months have fewer cases
            created = start + (created - start) * rng.uniform(0, 1)
        created = created.replace(hour=rng.choice([8, 9, 10, 11, 14, 15, 16, 17, 19, 20]), minute=rng.randint(0, 59))
        if created > now:
            created = now - timedelta(hours=rng.randint(1, 48))
        home = rng.choice(households)
        category = _pick(rng, cat_weights)
        source = _pick(rng, SOURCES)
        compound_id = ancestors.get(home.ancestor_path(KIND_DEPTH[PlaceKind.COMPOUND]))
        community_id = ancestors.get(home.ancestor_path(KIND_DEPTH[PlaceKind.COMMUNITY]))
        case = Case(code=f"WZ{timezone.localtime(created):%y%m%d}{i:06d}", token=secrets.token_urlsafe(18),
                    place_id=home.pk, compound_id=compound_id, community_id=community_id,
                    category=category, description=rng.choice(TEXTS[category.code]), source=source,
                    contact_name="" if rng.random() < 0.3 else rng.choice("王李张刘陈杨赵黄") + "先生",
                    anonymous=rng.random() < 0.08, created_at=created, accepted_at=created,
                    tier=Tier.COMPOUND, handler_kind=category.handler_kind)
        case.case_due_at = category_deadline(calendar, category, created).due
        for key, value in round_clock(calendar, category, created).items():
            setattr(case, key, value)
        case.dispatched_at = created
        case.tier_due_at = calendar.add_workdays(created, policy.compound_sla_workdays).due
        if leader and home.path.startswith(leader.place.path):
            case.assignee = leader
        steps = [("create", "", Status.SUBMITTED, created), ("accept", Status.SUBMITTED, Status.ACCEPTED, created),
                 ("register", Status.ACCEPTED, Status.REGISTERED, created),
                 ("dispatch", Status.REGISTERED, Status.DISPATCHED, created)]
        recent = (now - created) < timedelta(days=12)
        if recent and rng.random() < 0.7:
            # still open: leave it where the sweep will find it
            roll = rng.random()
            if roll < 0.65:
                case.signed_at = min(created + timedelta(hours=rng.randint(1, 20)), now)
                case.contacted_at = case.signed_at
                case.status = Status.HANDLING
                steps.append(("sign", Status.DISPATCHED, Status.HANDLING, case.signed_at))
                if roll < 0.15:
                    case.reported_at = min(case.signed_at + timedelta(hours=rng.randint(2, 30)), now)
                    case.status = Status.REPORTED
                    steps.append(("report", Status.HANDLING, Status.REPORTED, case.reported_at))
            else:
                case.status = Status.DISPATCHED
            cases.append(case)
            timelines.append(steps)
            ratings.append(None)
            continue
        # resolved: at which tier? The whole path is laid out first; one that would end in the future is
        # cut where "now" falls, and the case stays open there.
        roll = rng.random()
        tier = Tier.COMPOUND if roll < 0.72 else Tier.COMMUNITY if roll < 0.93 else Tier.STREET
        path = []
        t = created + timedelta(hours=rng.randint(1, 30))
        path.append(("sign", Status.DISPATCHED, Status.HANDLING, t, None))
        for step_tier in TIER_ORDER[1:TIER_ORDER.index(tier) + 1]:
            t = t + timedelta(days=rng.choice([2, 3, 3, 4]))
            path.append(("escalate", Status.HANDLING, Status.DISPATCHED, t, step_tier))
            t = t + timedelta(hours=3)
            path.append(("sign", Status.DISPATCHED, Status.HANDLING, t, None))
        t = t + timedelta(hours=rng.randint(2, 70))
        path.append(("report", Status.HANDLING, Status.REPORTED, t, None))
        if rng.random() < 0.06:
            path.append(("verify_fail", Status.REPORTED, Status.HANDLING, t + timedelta(hours=4), None))
            t = t + timedelta(days=1)
            path.append(("report", Status.HANDLING, Status.REPORTED, t, None))
        t = t + timedelta(hours=2)
        path.append(("verify", Status.REPORTED, Status.VERIFIED, t, None))
        t = t + timedelta(hours=rng.randint(3, 20))
        path.append(("close", Status.VERIFIED, Status.CLOSED, t, None))
        if rng.random() < 0.05:
            case.extensions = 1
            case.case_due_at = calendar.add_workdays(case.case_due_at, 3).due
        case.status = Status.DISPATCHED
        for action, before, after, at, step_tier in path:
            if at >= now:
                break
            steps.append((action, before, after, at))
            case.status = after
            if action == "sign":
                case.signed_at = at
                case.contacted_at = at if rng.random() < 0.93 else None
            elif action == "escalate":
                case.tier = step_tier
                case.escalations += 1
                case.handler_kind = HandlerKind.COMMUNITY if step_tier == Tier.COMMUNITY else HandlerKind.STREET
                case.dispatched_at = at
                case.tier_due_at = calendar.add_workdays(at, policy.tier_sla(step_tier)).due
                for key, value in round_clock(calendar, category, at).items():
                    setattr(case, key, value)
            elif action == "report":
                case.reported_at = at
            elif action == "verify_fail":
                case.reworks = 1
            elif action == "close":
                case.closed_at = at
                case.resolved_tier = case.tier
                case.closed_on_time = at <= case.case_due_at
        rating = None
        if case.status == Status.CLOSED and rng.random() < 0.82:
            at = case.closed_at + timedelta(days=rng.randint(1, 3))
            if at < now:
                satisfaction = _pick(rng, [(Satisfaction.SATISFIED, 76), (Satisfaction.BASIC, 17),
                                           (Satisfaction.UNSATISFIED, 7)])
                rating = (satisfaction, satisfaction != Satisfaction.UNSATISFIED or rng.random() < 0.3, at)
                case.first_satisfaction = case.final_satisfaction = satisfaction
        cases.append(case)
        timelines.append(steps)
        ratings.append(rating)
        if progress and i % 1000 == 0:
            progress(f"诉求 cases {i}/{total}")

    Case.objects.bulk_create(cases, batch_size=1000)
    events, followups, supervisions = [], [], []
    for case, steps, rating in zip(cases, timelines, ratings, strict=True):
        for action, before, after, at in steps:
            data = {"tier": case.tier} if action == "escalate" else {}
            events.append(Event(case_id=case.pk, action=action, from_status=before, to_status=after,
                                actor_label="system" if action in ("accept", "register", "dispatch") else "demo",
                                at=at, data=data, public=action not in ("note",)))
        if rating:
            satisfaction, resolved, at = rating
            followups.append(FollowUp(case_id=case.pk, round=1, satisfaction=satisfaction, resolved=resolved, at=at))
            events.append(Event(case_id=case.pk, action="rate", from_status=Status.CLOSED, to_status=Status.CLOSED,
                                actor_label="resident", at=at, data={"satisfaction": satisfaction}))
            if satisfaction == Satisfaction.UNSATISFIED and rng.random() < 0.3:
                supervisions.append(Supervision(case_id=case.pk, reason=SupervisionReason.MANUAL, created_at=at,
                                                note="居民不满意，街道督办"))
    Event.objects.bulk_create(events, batch_size=2000)
    FollowUp.objects.bulk_create(followups, batch_size=2000)
    Supervision.objects.bulk_create(supervisions)
    swept = sweep(now=now, street=street)
    return {"cases": len(cases), "events": len(events), "followups": len(followups),
            "escalated_by_sweep": sum(swept.escalated.values()), "yellow": swept.yellow, "red": swept.red}
