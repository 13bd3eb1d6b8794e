"""Writes to cases. `case_transition` is the one place a case's status changes: it checks the transition table,
locks the row, applies the action, appends a timeline event and an audit row, and notifies after commit."""
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from weizhili.accounts.models import Role, User
from weizhili.accounts.permissions import Action, allowed
from weizhili.audit.services import audit_record
from weizhili.party.models import RoleHolder
from weizhili.people.crypto import lookup_hash
from weizhili.places.models import Place, PlaceKind

from . import escalation, workflow
from .clock import card_times, category_deadline, round_clock, street_calendar, street_policy
from .models import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    Card,
    Case,
    Category,
    Event,
    FollowUp,
    HandlerKind,
    MeToo,
    Notification,
    Satisfaction,
    Source,
    Status,
    Supervision,
    SupervisionReason,
    Tier,
)
from .notify import MESSAGES


class CaseError(Exception):
    """A refused action: the message says why, in the user's language; nothing was changed."""


@dataclass
class Actor:
    """Who acts: a user, the resident holding the tracking link, or the system sweep."""

    user: User | None = None
    kind: str = "user"  # "user" | workflow.RESIDENT | workflow.SYSTEM

    @property
    def subject(self):
        return self.user if self.kind == "user" else self.kind

    @property
    def label(self) -> str:
        if self.kind in (workflow.SYSTEM, workflow.RESIDENT):
            return self.kind  # rendered in the reader's language by the timeline template
        return f"{self.user.get_role_display()} {self.user.username}" if self.user else ""


SYSTEM_ACTOR = Actor(kind=workflow.SYSTEM)
RESIDENT_ACTOR = Actor(kind=workflow.RESIDENT)


# --- helpers --------------------------------------------------------------------------------------------
def street_of(place: Place) -> Place:
    """The street a place lies in (the place itself when it is one: no query)."""
    return place.ancestor_of_kind(PlaceKind.STREET)


def _ancestor(place: Place, kind: str) -> Place | None:
    return place.ancestor_of_kind(kind)


# Case codes stay short (WZ + day + 6 digits: residents read them out on the phone), so two cases of one day
# can draw the same digits (a hotline batch of 500 does so about one time in eight). The database's unique
# constraint is the arbiter: a taken code is drawn again inside a savepoint, which keeps the caller's
# transaction usable on PostgreSQL. Eight draws all colliding would need a day with most codes taken.
CODE_ATTEMPTS = 8


def _code_digits() -> int:
    return secrets.randbelow(10**6)


def _new_code(now) -> str:
    return f"WZ{timezone.localtime(now):%y%m%d}{_code_digits():06d}"


def _case_insert(*, now, **fields) -> Case:
    for attempt in range(1, CODE_ATTEMPTS + 1):
        code = _new_code(now)
        try:
            with transaction.atomic():
                return Case.objects.create(code=code, created_at=now, **fields)
        except IntegrityError:
            if attempt == CODE_ATTEMPTS or not Case.objects.filter(code=code).exists():
                raise  # not a code collision (or no free code found): the caller hears about it
    raise AssertionError("unreachable")


def route(case: Case) -> User | None:
    """Who handles a new compound-level case: the building leader of its building (包干), else nobody in
    particular (the compound branch's queue)."""
    if case.handler_kind != HandlerKind.BRANCH or case.compound_id is None:
        return None
    building = _ancestor(case.place, PlaceKind.BUILDING) if case.place.depth >= 4 else None
    if building is not None:
        holder_people = RoleHolder.objects.filter(areas=building, role__code="building_head").values("person_id")
        leader = (User.objects.filter(role=Role.BUILDING_LEADER, is_active=True, person_id__in=holder_people)
                  .order_by("id").first()
                  or User.objects.filter(role=Role.BUILDING_LEADER, is_active=True, place=building)
                  .order_by("id").first())
        if leader is not None:
            return leader
    return None


def _recipients(case: Case) -> list[User]:
    """Who hears about a case now: its assignee, else the staff of its current tier."""
    if case.assignee_id:
        return [case.assignee]
    role, column = escalation.TIER_STAFF[case.tier]  # the sweep joins on the same rule
    node = getattr(case, column) if column else None
    qs = User.objects.filter(role=role, is_active=True)
    qs = qs.filter(place_id=node) if node else qs.filter(place__depth=1, place__path=case.place.street_path)
    return list(qs[:20])


def _notify(case: Case, kind: str, params: dict) -> None:
    """Tell the case's recipients after commit; the message is stored as `kind` + `params` and rendered in
    each reader's language when shown (notify.MESSAGES)."""
    recipients = _recipients(case)
    now = timezone.now()

    def send():
        Notification.objects.bulk_create([Notification(user=u, case=case, kind=kind, params=params, created_at=now)
                                          for u in recipients])
    transaction.on_commit(send)


# --- intake ---------------------------------------------------------------------------------------------
@transaction.atomic
def case_create(*, place: Place, category: Category, description: str, source: str = Source.RESIDENT,
                actor: Actor = RESIDENT_ACTOR, contact_name: str = "", contact_phone: str = "",
                anonymous: bool = False, answers: dict | None = None, lat=None, lng=None, reporter=None,
                external_ref: str = "", now=None, auto_dispatch: bool = True, contact_consent_at=None) -> Case:
    """Register a new case and, by default, route it at once: accepted, registered and dispatched to the
    compound's building leader (or the compound branch's queue) by the system, each step on the timeline."""
    if place.kind not in (PlaceKind.COMMUNITY, PlaceKind.COMPOUND, PlaceKind.BUILDING, PlaceKind.UNIT,
                          PlaceKind.HOUSEHOLD):
        raise CaseError(_("请选择到社区、院落或楼栋"))
    description = (description or "").strip()
    if len(description) < 4:
        raise CaseError(_("请把问题描述清楚（至少4个字）"))
    now = now or timezone.now()
    compound = _ancestor(place, PlaceKind.COMPOUND)
    community = _ancestor(place, PlaceKind.COMMUNITY)
    case = _case_insert(
        now=now, place=place, compound=compound, community=community, category=category,
        description=description[:2000], answers=answers or {}, source=source, contact_name=contact_name[:50],
        contact_phone=contact_phone, anonymous=anonymous, lat=lat, lng=lng, reporter=reporter,
        reporter_user=actor.user if actor.kind == "user" else None, external_ref=external_ref,
        contact_consent_at=contact_consent_at,
        tier=Tier.COMPOUND if compound else Tier.COMMUNITY,
        handler_kind=category.handler_kind if compound else HandlerKind.COMMUNITY,
    )
    _event(case, "create", "", Status.SUBMITTED, actor, now, note="", data={"source": source})
    audit_record(action="case.create", obj=case, user=actor.user if actor.kind == "user" else None)
    if auto_dispatch:
        for action in ("accept", "register", "dispatch"):
            case = case_transition(case_id=case.pk, action=action, actor=SYSTEM_ACTOR, now=now,
                                   note=_("系统按院落和楼栋自动分派") if action == "dispatch" else "")
    return case


# --- the one transition service -------------------------------------------------------------------------
@transaction.atomic
def case_transition(*, case_id: int, action: str, actor: Actor, note: str = "", data: dict | None = None,
                    now=None, expected_status: str | None = None) -> Case:
    data = dict(data or {})  # effects may add to it (the event's data); the caller's dict stays as it was
    now = now or timezone.now()
    case = (Case.objects.select_for_update(of=("self",)).select_related("category", "place", "assignee")
            .filter(pk=case_id).first())
    if case is None:
        raise CaseError(_("诉求不存在"))
    if expected_status and case.status != expected_status:
        raise CaseError(_("诉求状态已变化（现为“%(status)s”），请刷新后再操作") % {"status": case.get_status_display()})
    ok, reason = workflow.allowed(actor.subject, case, action)
    if not ok:
        raise CaseError(reason)
    transition = workflow.TABLE[action]
    note = (note or "").strip()
    if transition.note_required and not note:
        raise CaseError(_("“%(action)s”需要填写说明") % {"action": transition.label})
    before = case.status
    target = _EFFECTS.get(action, _no_effect)(case, actor=actor, note=note, data=data, now=now)
    if target is None:
        target = transition.target or before
    case.status = target
    case.save()
    if target in FINAL_STATUSES and before not in FINAL_STATUSES:
        # the case has ended, so have its supervision orders (督办单办结)
        Supervision.objects.filter(case=case, closed_at__isnull=True).update(closed_at=now)
    _event(case, action, before, target, actor, now, note=note, data=_public_data(data),
           public=transition.public)
    audit_record(action=f"case.{action}", obj=case, user=actor.user if actor.kind == "user" else None,
                 detail={"from": before, "to": target})
    if action in MESSAGES:
        _notify(case, action, {"code": case.code})
    if getattr(case, "_reopen_after_rating", False):
        # 重办: "not satisfied" opens a new handling round with its own deadline
        case = case_transition(case_id=case.pk, action="reopen", actor=SYSTEM_ACTOR, now=now,
                               note=_("居民不满意，自动重办"))
    return case


def _public_data(data: dict) -> dict:
    return {k: v for k, v in data.items() if k in {"days", "tier", "from_tier", "satisfaction", "resolved", "assignee",
                                                     "parent", "handler_kind", "contacted"}}


def _event(case, action, before, after, actor: Actor, now, *, note="", data=None, public=True) -> Event:
    return Event.objects.create(case=case, action=action, from_status=before, to_status=after,
                                actor=actor.user if actor.kind == "user" else None, actor_label=actor.label,
                                at=now, note=note, data=data or {}, public=public)




# --- effects: each sets the case's fields for one action and may choose the target --------------------
def _no_effect(case, **kwargs):
    return None


def _calendar(case):
    return street_calendar(street_of(case.place))


def _accept(case, *, now, **kwargs):
    case.accepted_at = now
    case.case_due_at = category_deadline(_calendar(case), case.category, now).due


def _apply(case, columns: dict, now) -> None:
    escalation.apply_columns(case, columns, now=now, calendar=_calendar(case),
                             policy=street_policy(street_of(case.place)))


def _start_round(case, now):
    """A fresh unit clock (dispatch, reopen): the same columns an escalation starts its round with."""
    _apply(case, escalation.round_start_columns(), now)


def _dispatch(case, *, now, data, **kwargs):
    if data.get("handler_kind") in HandlerKind.values:
        case.handler_kind = data["handler_kind"]
    assignee_id = data.get("assignee")
    if assignee_id:
        assignee = User.objects.filter(pk=assignee_id, is_active=True).first()
        if assignee is None:
            raise CaseError(_("承办人不存在"))
        case.assignee = assignee
    else:
        case.assignee = route(case)
    _start_round(case, now)


def _sign(case, *, now, data, actor, **kwargs):
    case.signed_at = now
    if case.assignee_id is None and actor.kind == "user":
        case.assignee = actor.user  # whoever signs for a queue case is its handler from now on
    if data.get("contacted"):
        case.contacted_at = now


def _contact(case, *, now, **kwargs):
    case.contacted_at = case.contacted_at or now


def _report(case, *, now, **kwargs):
    case.reported_at = now


def _verify_fail(case, **kwargs):
    case.reworks += 1


def _close(case, *, now, actor, **kwargs):
    case.closed_at = now
    case.resolved_tier = case.tier
    case.closed_on_time = bool(case.case_due_at and now <= case.case_due_at)
    case.card = Card.NONE
    # merged duplicates follow their parent and close with it (one set-based update plus their events)
    children = Case.objects.filter(parent=case, status=Status.MERGED)
    Event.objects.bulk_create([Event(case_id=cid, action="close", from_status=Status.MERGED,
                                     to_status=Status.MERGED, actor_label=actor.label, at=now,
                                     note=_("随合并的诉求 %(code)s 结案") % {"code": case.code})
                               for cid in children.values_list("id", flat=True)])
    children.update(closed_at=now, resolved_tier=case.tier, closed_on_time=case.closed_on_time)


def _rate(case, *, now, data, actor, note, **kwargs):
    satisfaction = data.get("satisfaction")
    if satisfaction not in Satisfaction.values:
        raise CaseError(_("请选择满意、基本满意或不满意"))
    resolved = bool(data.get("resolved"))
    if FollowUp.objects.filter(case=case, round=case.round).exists():
        raise CaseError(_("本轮办理已经评价过了"))
    FollowUp.objects.create(case=case, round=case.round, satisfaction=satisfaction, resolved=resolved,
                            note=note[:500], at=now, by=actor.user if actor.kind == "user" else None)
    if case.round == 1:
        case.first_satisfaction = satisfaction
    case.final_satisfaction = satisfaction
    if satisfaction == Satisfaction.UNSATISFIED:
        if case.round > 1:  # still not satisfied after a reopen: a supervision order
            Supervision.objects.create(case=case, reason=SupervisionReason.UNSATISFIED, created_at=now,
                                       note=note[:500])
        case._reopen_after_rating = True
    return None


def _reopen(case, *, now, **kwargs):
    case.round += 1
    case.closed_at = None
    case.closed_on_time = None
    case.resolved_tier = ""
    _start_round(case, now)


def resident_reopen_refusal(case, rating, *, now) -> str:
    """Why the resident may not reopen the case now ("" = they may): only after a (basically) satisfied rating
    of this round, within the street's window after it closed. The tracking page offers the form by this rule
    and the transition checks it again."""
    if rating is None or rating.satisfaction == Satisfaction.UNSATISFIED:
        return _("请先评价；评价满意后问题又出现时，才可申请重办")
    days = street_policy(street_of(case.place)).reopen_window_days
    if case.closed_at is None or now > case.closed_at + timedelta(days=days):
        return _("已超过结案后%(n)d天的重办期限，请重新反映问题") % {"n": days}
    return ""


def _resident_reopen(case, *, now, **kwargs):
    """问题复发: the resident reopens a case rated (basically) satisfied, within the street's window after it
    closed. The rating is withdrawn (no longer a valid follow-up); the new round gets its own."""
    rating = FollowUp.objects.filter(case=case, round=case.round).first()
    refusal = resident_reopen_refusal(case, rating, now=now)
    if refusal:
        raise CaseError(refusal)
    FollowUp.objects.filter(pk=rating.pk).update(valid=False)
    case.final_satisfaction = ""
    _reopen(case, now=now)


def _exempt(case, **kwargs):
    if case.exempt:
        raise CaseError(_("该诉求已认定为不合理诉求"))
    case.exempt = True  # leaves every rate's denominator (metrics._counted)


def _return(case, *, now, **kwargs):
    policy = street_policy(street_of(case.place))
    window_end = _calendar(case).add_workdays(case.dispatched_at, policy.return_window_workdays).due
    if now > window_end:
        raise CaseError(_("已超过退回时限（派遣后%(n)d个工作日内）") % {"n": policy.return_window_workdays})
    case.assignee = None
    case.due_at = case.yellow_at = case.red_at = None  # the unit's clock stops
    case.card = Card.NONE


def _escalate(case, *, now, data, **kwargs):
    upper = escalation.next_tier(case.tier)
    if upper is None:
        raise CaseError(_("已在街道层级，不能再上报"))
    data.update(escalation.event_data(case.tier, upper, automatic=False))  # as the sweep's event says
    _apply(case, escalation.escalation_columns(upper), now)  # the sweep compiles the same columns to SQL


def _request_extension(case, *, now, data, **kwargs):
    policy = street_policy(street_of(case.place))
    try:
        days = int(data.get("days", 0))
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= policy.max_extension_workdays:
        raise CaseError(_("延期天数应为1到%(n)d个工作日") % {"n": policy.max_extension_workdays})
    if case.due_at and now > case.due_at:
        raise CaseError(_("已超过办理时限，不能再申请延期"))
    case.extension_requested_days = days


def _approve_extension(case, *, now, **kwargs):
    days = case.extension_requested_days
    if not days:
        raise CaseError(_("没有待批准的延期申请"))
    calendar = _calendar(case)
    new_due = calendar.add_workdays(case.due_at, days)
    case.due_at = new_due.due
    case.yellow_at, case.red_at = card_times(calendar, case.due_at)
    if case.case_due_at:
        case.case_due_at = calendar.add_workdays(case.case_due_at, days).due
    case.extensions += 1
    case.extension_requested_days = 0
    if case.yellow_at > now:
        case.card = Card.NONE


def _park(case, **kwargs):
    case.parked_from = case.status


def _resume(case, **kwargs):
    target = case.parked_from or Status.DISPATCHED
    case.parked_from = ""
    return target


def _merge(case, *, data, now, actor, **kwargs):
    parent = Case.objects.select_for_update().filter(pk=data.get("parent")).first()
    if parent is None or parent.pk == case.pk or not parent.is_open or parent.parent_id:
        raise CaseError(_("请选择一件仍在办理中的诉求作为合并目标"))
    if parent.community_id != case.community_id:
        raise CaseError(_("只能合并同一社区的诉求"))
    case.parent = parent
    Case.objects.filter(pk=parent.pk).update(me_too=F("me_too") + 1 + case.me_too)
    _event(parent, "merge_in", parent.status, parent.status, actor, now,
           note=_("合并了重复诉求 %(code)s") % {"code": case.code})


def _supervise(case, *, now, note, actor, **kwargs):
    Supervision.objects.create(case=case, reason=SupervisionReason.MANUAL, note=note[:500], created_at=now,
                               created_by=actor.user if actor.kind == "user" else None)


_EFFECTS = {
    "accept": _accept, "dispatch": _dispatch, "sign": _sign, "contact": _contact, "report": _report,
    "verify_fail": _verify_fail, "close": _close, "rate": _rate, "reopen": _reopen, "return": _return,
    "escalate": _escalate, "request_extension": _request_extension, "approve_extension": _approve_extension,
    "park": _park, "resume": _resume, "merge": _merge, "supervise": _supervise,
    "resident_reopen": _resident_reopen, "exempt": _exempt,
}


@transaction.atomic
def case_me_too(*, case: Case, phone: str, now=None) -> Case:
    """Someone else has the same problem: count them on the open case instead of opening a new one, once per
    person. The person is a keyed hash of their (validated) phone; the phone itself is not kept."""
    if not case.is_open:
        raise CaseError(_("该诉求已办结"))
    key = lookup_hash(phone or "")
    if not key:
        raise CaseError(_("请填写手机号"))
    if case.contact_phone and lookup_hash(case.contact_phone) == key:
        raise CaseError(_("这是您自己反映的诉求，无需附议"))
    now = now or timezone.now()
    _me_too, created = MeToo.objects.get_or_create(case=case, phone_hash=key, defaults={"at": now})
    if not created:
        raise CaseError(_("您已经附议过这件诉求了"))
    Case.objects.filter(pk=case.pk).update(me_too=F("me_too") + 1)
    _event(case, "me_too", case.status, case.status, RESIDENT_ACTOR, now, public=True)
    case.refresh_from_db(fields=["me_too"])
    return case


def similar_open_cases(*, place: Place, category: Category, limit: int = 5):
    """Open cases of the same category in the same compound (or community), newest first: offered as
    'me too' before a duplicate is reported."""
    compound = _ancestor(place, PlaceKind.COMPOUND)
    qs = Case.objects.open().filter(category=category, parent__isnull=True)
    qs = qs.filter(compound=compound) if compound else qs.filter(community=_ancestor(place, PlaceKind.COMMUNITY))
    return list(qs.order_by("-created_at")[:limit])


@transaction.atomic
def categories_ensure(*, street: Place) -> list[Category]:
    """The street's case categories, created with the defaults the first time they are needed."""
    from .models import DEFAULT_CATEGORIES

    if not Category.objects.filter(street=street).exists():
        Category.objects.bulk_create([
            Category(street=street, code=code, name=name, handler_kind=handler, deadline_unit=unit,
                     deadline_value=value, questions=questions, sort_key=i)
            for i, (code, name, handler, unit, value, questions) in enumerate(DEFAULT_CATEGORIES)
        ], ignore_conflicts=True)
        audit_record(action="cases.categories_create", obj=street)
    return list(Category.objects.filter(street=street, active=True))


@transaction.atomic
def case_summary_set(*, case_id: int, actor: Actor, summary: str, now=None) -> Case:
    """Set the public summary: the only free text about a case that public pages show. Case staff write or
    approve it; it is recorded on the (internal) timeline and in the audit log."""
    now = now or timezone.now()
    case = Case.objects.select_for_update(of=("self",)).filter(pk=case_id).first()
    if case is None:
        raise CaseError(_("诉求不存在"))
    if actor.kind != "user" or actor.user is None or not allowed(actor.user, Action.WRITE_PUBLIC_SUMMARY):
        raise CaseError(_("只有办理诉求的工作人员可以撰写公开摘要"))
    summary = " ".join((summary or "").split())
    if len(summary) > 200:
        raise CaseError(_("公开摘要最多200字"))
    before = case.public_summary
    case.public_summary = summary
    case.save(update_fields=["public_summary", "updated_at"])
    _event(case, "summary", case.status, case.status, actor, now, note=summary, public=False)
    audit_record(action="case.summary", obj=case, user=actor.user, detail={"before": before, "after": summary})
    return case


@transaction.atomic
def deadlines_recompute_provisional(*, street: Place, now=None) -> int:
    """Recompute the deadlines of the street's open cases that were counted on provisional days, once the
    street's override table has the year's notice (called after a CalendarOverride is saved or deleted).
    A round whose deadline was extended keeps it (the approved days are not stored per round), as do rounds
    that already drew a red card (its supervision order stands). Returns the number of cases updated."""
    now = now or timezone.now()
    calendar = street_calendar(street)
    policy = street_policy(street)
    cases = (Case.objects.select_for_update(of=("self",)).select_related("category")
             .filter(place__path__startswith=street.path, status__in=OPEN_STATUSES, deadline_provisional=True,
                     extensions=0, dispatched_at__isnull=False).exclude(card=Card.RED))
    changed = []
    for case in cases:
        clock = round_clock(calendar, case.category, case.dispatched_at)
        for key, value in clock.items():
            setattr(case, key, value)
        case.tier_due_at = calendar.add_workdays(case.dispatched_at, policy.tier_sla(case.tier)).due
        if case.accepted_at:
            case.case_due_at = category_deadline(calendar, case.category, case.accepted_at).due
        if case.card == Card.YELLOW and case.yellow_at > now:
            case.card = Card.NONE
        changed.append(case)
    Case.objects.bulk_update(changed, ["due_at", "yellow_at", "red_at", "deadline_provisional", "tier_due_at",
                                       "case_due_at", "card"], batch_size=500)
    if changed:
        audit_record(action="case.deadlines_recompute", obj=street, detail={"cases": len(changed)})
    return len(changed)
