"""Staff pages of the case loop: the work queue, a case with its timeline and actions, intake, map, export."""
import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weizhili import exports
from weizhili.accounts.models import Role, User
from weizhili.accounts.permissions import Action, allowed
from weizhili.audit.services import audit_record
from weizhili.params import param_choice, param_int, param_month, param_str
from weizhili.people.masking import mask_name, mask_phone
from weizhili.places.models import Place, PlaceKind
from weizhili.places.selectors import place_get, place_labels
from weizhili.places.views import map_features

from . import selectors, workflow
from .forms import ActionForm, StaffIntakeForm
from .models import Card, Category, HandlerKind, Notification, ReplyTemplate, Source, Status
from .services import (
    Actor,
    CaseError,
    case_create,
    case_summary_set,
    case_transition,
    categories_ensure,
    street_of,
)
from .uploads import case_photos_attach, photos_prepare

PHOTO_ACTIONS = frozenset({"report", "reply"})


def _staff(request):
    if not allowed(request.user, Action.OPEN_CASE_QUEUE):
        raise Http404("not for this role")


def _filters(request) -> dict:
    # read through the parameter layer: a typed ?category=abc is ignored, never a 500
    category = param_int(request, "category")
    return {"status": param_choice(request, "status", Status.values, default=""),
            "category": str(category) if category else "",
            "card": param_choice(request, "card", Card.values, default=""),
            "source": param_choice(request, "source", Source.values, default=""), "q": param_str(request, "q"),
            # the list behind a figure: 当前超期 / 期内超期 of a month, below a node (selectors.case_queue)
            "overdue": param_choice(request, "overdue", ("current", "period"), default=""),
            "month": (month.strftime("%Y-%m") if (month := param_month(request, "month")) else ""),
            "node": param_int(request, "node")}


@login_required
def queue(request):
    _staff(request)
    default = {Role.BUILDING_LEADER: "mine", Role.GRID_WORKER: "reported"}.get(request.user.role, "tier")
    view = param_choice(request, "view", selectors.QUEUE_VIEWS, default=default)
    filters = _filters(request)
    page = Paginator(selectors.case_queue(user=request.user, view=view, filters=filters), 30).get_page(
        param_int(request, "page"))
    labels = place_labels([c.place for c in page])
    street = street_of(request.user.place)
    return render(request, "cases/queue.html", {
        "page": page, "rows": [(c, labels.get(c.place_id, "")) for c in page], "view": view, "filters": filters,
        "now": timezone.now(), "statuses": Status.choices, "cards": Card.choices, "sources": Source.choices,
        "categories": Category.objects.filter(street=street, active=True), "query": request.GET.urlencode(),
        "views": [("mine", _("我承办的")), ("tier", _("本级待办")), ("open", _("全部在办")), ("closed", _("已结案")),
                  ("reported", _("我上报的"))],
    })


def _assignee_choices(case):
    """Whom a case may be dispatched to by name: the building leaders of its compound (or community)."""
    return User.objects.filter(role=Role.BUILDING_LEADER, is_active=True,
                               place__path__startswith=(case.compound or case.community).path).order_by("username")


def _detail_page(request, case, *, note: str = "", status: int = 200):
    actions = workflow.actions_for(request.user, case)
    offered = {a.action for a in actions}
    street = street_of(case.place)
    assignees = list(_assignee_choices(case)[:50]) if "dispatch" in offered else []
    return render(request, "cases/detail.html", {
        "case": case, "address": place_labels([case.place]).get(case.place_id, ""),
        "timeline": selectors.case_timeline(case=case), "actions": actions, "offered": offered,
        "attachments": case.attachments.all(), "followups": case.followups.order_by("round"),
        "supervisions": case.supervisions.order_by("created_at"),
        "contact": (mask_name(case.contact_name), mask_phone(case.contact_phone)) if not case.anonymous else None,
        "templates": ReplyTemplate.objects.filter(street=street)[:20] if "reply" in offered else [],
        "handler_kinds": HandlerKind.choices, "assignees": assignees, "now": timezone.now(), "note": note,
        "photo_actions": PHOTO_ACTIONS & offered, "answers": _answers(case),
        "can_write_summary": allowed(request.user, Action.WRITE_PUBLIC_SUMMARY),
        "public_note_labels": [t.label for t in actions if t.note_public],
    }, status=status)


def _answers(case) -> list[tuple[str, str]]:
    """The reporter's answers under their questions' labels (the stored keys are codes)."""
    labels = {"unit_room": _("单元和门牌号")}
    labels |= {q.get("code"): q.get("label", "") for q in case.category.questions or [] if isinstance(q, dict)}
    return [(labels.get(key) or key, value) for key, value in (case.answers or {}).items()]


@login_required
def detail(request, case_id: int):
    _staff(request)
    return _detail_page(request, selectors.case_get(user=request.user, case_id=case_id))


@login_required
@require_POST
def act(request, case_id: int):
    _staff(request)
    case = selectors.case_get(user=request.user, case_id=case_id)
    form = ActionForm(request.POST)
    note = request.POST.get("note", "")[:2000]

    def refused(message: str):
        # the page again, with what was typed, rather than a redirect that loses the note
        messages.error(request, message)
        return _detail_page(request, case, note=note, status=400)

    if not form.is_valid():
        return refused(_("提交的内容有误，请检查后重试。"))
    action = form.cleaned_data["action"]
    data = form.action_data()
    if data.get("parent"):
        parent = selectors.case_list(user=request.user).filter(code__iexact=data["parent"]).first()
        if parent is None:
            return refused(_("找不到编号为 %(code)s 的诉求") % {"code": data["parent"]})
        data["parent"] = parent.pk
    if data.get("assignee") and not _assignee_choices(case).filter(pk=data["assignee"]).exists():
        return refused(_("只能派给本院落（或本社区）的楼栋长"))
    uploads = request.FILES.getlist("photos")
    if uploads and action not in PHOTO_ACTIONS:
        return refused(_("照片只能随“反馈办理结果”或“答复居民”提交"))
    try:
        photos = photos_prepare(uploads)
    except ValidationError as exc:
        return refused(" ".join(exc.messages))
    try:
        with transaction.atomic():
            case = case_transition(case_id=case.pk, action=action, actor=Actor(request.user),
                                   note=form.cleaned_data["note"], data=data,
                                   expected_status=form.cleaned_data["expected_status"] or None)
            if photos:  # the photos belong to the event this action wrote
                event = case.events.filter(action=action).order_by("-id").first()
                case_photos_attach(case=case, photos=photos, event=event, user=request.user)
    except CaseError as exc:
        case = selectors.case_get(user=request.user, case_id=case.pk)  # as it is now, for the right buttons
        return refused(str(exc))
    messages.success(request, _("已完成：%(action)s") % {"action": workflow.TABLE[action].label})
    return redirect("cases:detail", case_id=case.pk)


@login_required
@require_POST
def summary(request, case_id: int):
    """Save the public summary (公开摘要), the only free text about a case that public pages show."""
    _staff(request)
    case = selectors.case_get(user=request.user, case_id=case_id)
    try:
        case_summary_set(case_id=case.pk, actor=Actor(request.user),
                         summary=request.POST.get("public_summary", "")[:1000])
    except CaseError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("公开摘要已保存"))
    return redirect("cases:detail", case_id=case.pk)


@login_required
def intake(request):
    """Staff intake for walk-ins, calls, inspections and property reports."""
    _staff(request)
    street = street_of(request.user.place)
    categories_ensure(street=street)
    form = StaffIntakeForm(request.POST or None, categories=Category.objects.filter(street=street, active=True))
    if request.method == "POST" and form.is_valid():
        place = place_get(user=request.user, place_id=form.cleaned_data["place"])
        try:
            case = case_create(place=place, category=form.cleaned_data["category"],
                               description=form.cleaned_data["description"], source=form.cleaned_data["source"],
                               actor=Actor(request.user), contact_name=form.cleaned_data["contact_name"],
                               contact_phone=form.cleaned_data["contact_phone"],
                               anonymous=form.cleaned_data["anonymous"])
        except CaseError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已登记诉求 %(code)s") % {"code": case.code})
            return redirect("cases:detail", case_id=case.pk)
    root = request.user.place
    compounds = (Place.objects.filter(path__startswith=root.path, kind=PlaceKind.COMPOUND).order_by("path")
                 if root.kind in (PlaceKind.STREET, PlaceKind.COMMUNITY) else [])
    return render(request, "cases/intake.html", {"form": form, "root": root, "compounds": compounds})


@login_required
def place_options(request):
    """Children of a place for the intake form's cascading picker (htmx); scope-bound, no households."""
    _staff(request)
    parent = place_get(user=request.user, place_id=param_int(request, "parent") or 0)
    children = parent.children_qs().exclude(kind=PlaceKind.HOUSEHOLD)
    return render(request, "cases/_place_options.html", {"children": children, "parent": parent})


@login_required
def case_map(request):
    _staff(request)
    root = request.user.place
    counts = selectors.open_counts_by_compound(user=request.user)
    features = map_features(request.user, root if root.kind in (PlaceKind.STREET, PlaceKind.COMMUNITY,
                                                                PlaceKind.COMPOUND) else root)
    for feature in features["features"]:
        feature["properties"]["open"] = counts.get(feature["properties"]["id"], 0)
    points = list(selectors.case_list(user=request.user).filter(status__in=selectors.OPEN_STATUSES,
                                                                lat__isnull=False)
                  .values("id", "code", "lat", "lng", "card")[:2000])
    return render(request, "cases/map.html", {"map_places": features, "points": points,
                                              "tile_url": settings.WEIZHILI_MAP_TILE_URL,
                                              "total_open": sum(counts.values())})


@login_required
def export(request):
    """The filtered list as Excel; contacts masked (exports are audited)."""
    _staff(request)
    view = param_choice(request, "view", selectors.QUEUE_VIEWS, default="open")
    qs = selectors.case_queue(user=request.user, view=view,
                              filters=_filters(request))[:20000]
    rows = list(qs)
    labels = place_labels([c.place for c in rows])
    buffer = io.BytesIO()
    book = exports.xlsx_workbook(buffer, remove_timezone=True)
    sheet = book.add_worksheet(_("诉求"))
    bold = book.add_format({"bold": True})
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    headers = [_("编号"), _("地点"), _("分类"), _("来源"), _("状态"), _("层级"), _("警示"), _("上报时间"),
               _("本轮办理时限"), _("结案时间"), _("联系人"), _("联系电话"), _("问题描述")]
    sheet.write_row(0, 0, headers, bold)
    for i, c in enumerate(rows, start=1):
        local = [timezone.localtime(t) if t else None for t in (c.created_at, c.due_at, c.closed_at)]
        sheet.write_row(i, 0, [c.code, labels.get(c.place_id, ""), c.category.name, c.get_source_display(),
                               c.get_status_display(), c.get_tier_display(), c.get_card_display()])
        for j, value in enumerate(local, start=7):
            if value:
                sheet.write_datetime(i, j, value.replace(tzinfo=None), when)
        sheet.write_row(i, 10, ["" if c.anonymous else mask_name(c.contact_name),
                                "" if c.anonymous else mask_phone(c.contact_phone), c.description])
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 1, 30)
    sheet.set_column(12, 12, 60)
    book.close()
    audit_record(action="case.export", object_type="cases.case", user=request.user,
                 detail={"rows": len(rows), "view": view, "filters": _filters(request)})
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return exports.xlsx_response(buffer.getvalue(), filename=f"cases-{stamp}.xlsx")


@login_required
def notifications(request):
    """My notifications, newest first; opening the page marks them read."""
    mine = Notification.objects.filter(user=request.user).select_related("case").order_by("-created_at")
    page = Paginator(mine, 50).get_page(param_int(request, "page"))
    unread = [n.pk for n in page if n.read_at is None]
    response = render(request, "cases/notifications.html", {"page": page, "unread": set(unread)})
    if unread:
        Notification.objects.filter(pk__in=unread).update(read_at=timezone.now())
    return response


@login_required
def photo(request, case_id: int, attachment_id: int):
    """A case's photo, for staff who may see the case."""
    from django.http import FileResponse

    _staff(request)
    case = selectors.case_get(user=request.user, case_id=case_id)
    attachment = case.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404("not found")
    return FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
