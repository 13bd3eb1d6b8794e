"""Resident-facing phone pages (H5): report a problem, follow it with the tracking link, rate the result.

No login: the case's tracking token is the secret. These pages must work in WeChat's built-in browser, so they
are plain HTML forms that work without JavaScript; `static/weizhili/report.js` only enhances them. They show
public data only: the street's place tree down to buildings (never units or households), and for a case its
public timeline, never the reporter's name, phone or room.

The grid-worker variant (`grid_view`) is the same form for logged-in grid workers and case staff, limited to
the compounds of their own area, recording the complainant's contact only with their consent.

What these pages show of other people's cases is public by design: category, place to building level, date,
status and the me-too count, plus the public summary case staff wrote. Never a description, a supplement or
a comment a resident typed (they may hold names, phones, ID numbers and rooms), not even on the case's own
tracking page, whose link may be forwarded.
"""
import hmac
import math
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from weizhili.accounts.permissions import Action, allowed
from weizhili.audit.middleware import client_address
from weizhili.people.crypto import decrypt, encrypt
from weizhili.people.masking import mask_numbers_in_text
from weizhili.places.models import KIND_DEPTH, Place, PlaceKind

from . import workflow
from .models import Attachment, Case, Event, FollowUp, Source
from .public_forms import (
    LookupForm,
    MeTooForm,
    NoteForm,
    RateForm,
    ReopenForm,
    ReportForm,
    parse_id,
    question_field_name,
    question_list,
)
from .services import (
    RESIDENT_ACTOR,
    Actor,
    CaseError,
    case_create,
    case_me_too,
    case_transition,
    categories_ensure,
    resident_reopen_refusal,
    similar_open_cases,
)
from .uploads import case_photos_attach

# Rate limits. They count in Django's cache: the default LocMemCache is per process, which is enough for
# tests and one-process runs; production must configure a shared cache (Redis or the database cache) so that
# every web process sees the same counts.
LOOKUP_LIMIT = 10          # wrong code/phone pairs per address ...
LOOKUP_WINDOW = 10 * 60    # ... in this many seconds, then 429
REPORT_LIMIT = 20          # new cases, similar-case look-ups and me-toos per address (anonymous visitors) ...
REPORT_WINDOW = 60 * 60    # ... in this many seconds
URGE_INTERVAL = timedelta(hours=24)  # one resident urge per case per day

METOO_SALT = "weizhili.cases.public.metoo"
METOO_MAX_AGE = 2 * 60 * 60


_EXTRA_LABELS = {"create": gettext_lazy("提交诉求"), "me_too": gettext_lazy("有居民附议"),
                 "merge_in": gettext_lazy("合并了重复诉求")}
_ROLE_WORDS = {workflow.SYSTEM: gettext_lazy("系统"), workflow.RESIDENT: gettext_lazy("居民")}


# --- the street's public place tree ---------------------------------------------------------------------
def _streets():
    return Place.objects.filter(depth=KIND_DEPTH[PlaceKind.STREET], kind=PlaceKind.STREET)


def _street_of(node: Place) -> Place | None:
    return node.ancestor_of_kind(PlaceKind.STREET)


def _public_street(request) -> Place | None:
    """The street whose pages these are: `?s=<street id>` (QR codes carry it), else the street of a
    preselected `?compound=`, else the only street of the installation; None when there are several."""
    raw = request.POST.get("s") if request.method == "POST" else None
    raw = raw or request.GET.get("s")
    if raw:
        number = parse_id(raw)
        street = _streets().filter(pk=number).first() if number else None
        if street is None:
            raise Http404("unknown street")
        return street
    number = parse_id(request.GET.get("compound"))
    node = Place.objects.filter(pk=number, kind__in=[PlaceKind.COMMUNITY, PlaceKind.COMPOUND]).first() \
        if number else None
    if node is not None:
        return _street_of(node)
    streets = list(_streets()[:2])
    return streets[0] if len(streets) == 1 else None


def _children(parent: Place, kind: str) -> list[Place]:
    return list(parent.children_qs().filter(kind=kind).order_by("sort_key", "path"))


def _node_in(street: Place, node_id, kinds) -> Place | None:
    number = parse_id(node_id)
    if number is None:
        return None
    return Place.objects.filter(pk=number, kind__in=kinds, path__startswith=street.path).first()


def _public_labels(places) -> dict[int, str]:
    """"社区 院落 楼栋" for each place, cut at the building: units and rooms are never shown publicly."""
    places = [p for p in places if p is not None]
    shown = {p.pk: p.ancestor_paths(2, KIND_DEPTH[PlaceKind.BUILDING]) for p in places}
    wanted = {path for paths in shown.values() for path in paths}
    names = dict(Place.objects.filter(path__in=wanted).values_list("path", "name")) if wanted else {}
    return {pk: " ".join(filter(None, (names.get(path, "") for path in paths))) for pk, paths in shown.items()}


def _json(data, status=200):
    response = JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def places_view(request):
    """`?parent=<id>` → [{id, name}] of its children, for the cascading selects: the street's communities,
    a community's compounds, a compound's buildings. Never units or households, never another street."""
    street = _public_street(request)
    if street is None:
        return _json({"error": _("请指定街道")}, status=400)
    parent = street
    if request.GET.get("parent"):
        parent = _node_in(street, request.GET["parent"], [PlaceKind.STREET, PlaceKind.COMMUNITY,
                                                           PlaceKind.COMPOUND])
        if parent is None:
            return _json({"error": _("地点不存在")}, status=404)
    kind = {PlaceKind.STREET: PlaceKind.COMMUNITY, PlaceKind.COMMUNITY: PlaceKind.COMPOUND,
            PlaceKind.COMPOUND: PlaceKind.BUILDING}[parent.kind]
    return _json([{"id": p.pk, "name": p.name} for p in _children(parent, kind)])


def _distance_m(lat1, lng1, lat2, lng2) -> float:
    """Haversine distance in metres (WGS-84 coordinates as given; no conversion)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371000 * 2 * math.asin(min(1.0, math.sqrt(a)))


@require_GET
def nearest_view(request):
    """`?lat=&lng=` → the street's compound whose centroid is nearest, with its community, or null."""
    payload, status = _nearest(request)
    response = _json(payload, status=status)
    response["Cache-Control"] = "no-store"  # depends on where the phone is: never cached
    return response


def _nearest(request) -> tuple[dict, int]:
    street = _public_street(request)
    if street is None:
        return {"error": _("请指定街道")}, 400
    try:
        lat, lng = float(request.GET.get("lat", "")), float(request.GET.get("lng", ""))
    except ValueError:
        return {"error": _("位置信息无效")}, 400
    if math.isnan(lat) or math.isnan(lng) or not (-90 <= lat <= 90 and -180 <= lng <= 180):
        return {"error": _("位置信息无效")}, 400
    rows = (Place.objects.filter(path__startswith=street.path, kind=PlaceKind.COMPOUND,
                                 centroid_lat__isnull=False, centroid_lng__isnull=False)
            .values_list("pk", "name", "path", "centroid_lat", "centroid_lng"))
    best = min(((_distance_m(lat, lng, clat, clng), pk, name, path) for pk, name, path, clat, clng in rows),
               default=None)
    if best is None:
        return {"compound": None}, 200
    distance, pk, name, path = best
    community = (Place.objects.filter(path=Place.path_at(path, KIND_DEPTH[PlaceKind.COMMUNITY]))
                 .values("pk", "name").first() or {})
    return {"compound": {"id": pk, "name": name, "community": community.get("pk"),
                         "community_name": community.get("name", ""), "distance_m": round(distance)}}, 200


# --- rate limits ----------------------------------------------------------------------------------------
def _count_key(kind: str, request) -> str:
    return f"weizhili:public:{kind}:{client_address(request)}"


def _over_limit(kind: str, request, limit: int) -> bool:
    return (cache.get(_count_key(kind, request)) or 0) >= limit


def _count(kind: str, request, window: int) -> None:
    key = _count_key(kind, request)
    cache.add(key, 0, window)  # the window starts at the first counted event
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)


# --- report ---------------------------------------------------------------------------------------------
@never_cache
@require_http_methods(["GET", "POST"])
def report_view(request):
    street = _public_street(request)
    if street is None:
        return render(request, "cases/public/streets.html",
                      {"streets": list(_streets().order_by("sort_key", "path"))})
    return _report(request, street=street, grid_user=None)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def grid_view(request):
    user = request.user
    if user.is_superuser:
        street = _public_street(request)
        if street is None:
            raise Http404("no street")
    elif allowed(user, Action.REPORT_FOR_RESIDENT):  # grid workers and everyone who handles cases
        street = _street_of(user.place)
    else:
        raise PermissionDenied(_("只有网格员和工作人员可以使用此页面"))
    return _report(request, street=street, grid_user=user, scope=_grid_scope(user, street))


def _grid_scope(user, street: Place) -> Place | None:
    """The area a grid worker reports in: their scope node, cut at the compound (a building leader reports for
    their compound); None (the whole street) for street-level users and superusers."""
    node = None if user.is_superuser else user.place
    if node is None or node.depth <= KIND_DEPTH[PlaceKind.STREET]:
        return None
    if node.depth > KIND_DEPTH[PlaceKind.COMPOUND]:
        node = node.ancestor_of_kind(PlaceKind.COMPOUND) or node
    return node if node.path.startswith(street.path) else None


def _in_scope(place: Place, scope: Place | None) -> bool:
    """Whether a community or compound may be offered: inside the scope, or (a community) holding it."""
    return scope is None or place.path.startswith(scope.path) or scope.path.startswith(place.path)


def _report(request, *, street: Place, grid_user, scope: Place | None = None):
    grid = grid_user is not None
    categories = categories_ensure(street=street)
    page = {"street": street, "grid": grid, "categories": categories, "scope": scope}
    if request.method != "POST":
        return _report_page(request, form=None, **page)
    if not grid and _over_limit("report", request, REPORT_LIMIT):
        return _report_page(request, form=None, status=429, error=_("提交太频繁，请稍后再试"), **page)
    form = ReportForm(request.POST, request.FILES, street=street, categories=categories, grid=grid, scope=scope)
    if not form.is_valid():
        return _report_page(request, form=form, **page)
    data = form.cleaned_data
    if not data.get("confirm_new"):
        similar = similar_open_cases(place=data["place"], category=data["category"])
        if similar:
            if not grid:  # the look-up shows other people's cases: it counts like a report
                _count("report", request, REPORT_WINDOW)
            return _report_page(request, form=form, similar=similar, **page)
    location = {"lat": data["lat"], "lng": data["lng"]} if data.get("lat") is not None else {}
    try:
        with transaction.atomic():
            case = case_create(
                place=data["place"], category=data["category"], description=data["description"],
                source=Source.GRID if grid else Source.RESIDENT,
                actor=Actor(user=grid_user) if grid else RESIDENT_ACTOR,
                contact_name=data.get("contact_name") or "", contact_phone=data.get("contact_phone") or "",
                anonymous=bool(data.get("anonymous")), answers=data["answers"],
                contact_consent_at=timezone.now() if grid and data.get("consent") else None, **location)
            created = case.events.filter(action="create").first()
            case_photos_attach(case=case, photos=data["photos"], event=created, user=grid_user)
    except CaseError as exc:
        form.add_error(None, str(exc))
        return _report_page(request, form=form, **page)
    if grid:
        return redirect("public:grid_done", code=case.code)
    _count("report", request, REPORT_WINDOW)
    return redirect(f"{reverse('public:track', args=[case.token])}?new=1")


def _metoo_ticket(case: Case) -> str:
    """What the "me too" button carries: the case's code, encrypted and signed with a time, so the similar-case
    list hands out neither an internal id nor a code (code plus phone digits open the lookup page)."""
    return signing.dumps(encrypt(case.code), salt=METOO_SALT)


def _metoo_case(ticket: str) -> Case | None:
    try:
        code = decrypt(signing.loads(ticket, salt=METOO_SALT, max_age=METOO_MAX_AGE))
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return Case.objects.select_related("category").filter(code=code).first()


def _report_page(request, *, street, grid, categories, form, scope=None, similar=None, status=200, error=""):
    posted = form is not None
    source = request.POST if posted else request.GET
    values = {key: (source.get(key) or "").strip() for key in (
        "community", "compound", "building", "unit_room", "category", "description", "contact_name",
        "contact_phone", "lat", "lng")}
    values["anonymous"] = bool(source.get("anonymous")) if posted else False
    values["keep_location"] = bool(source.get("keep_location")) if posted else False
    values["consent"] = bool(source.get("consent")) if posted else False

    communities = [c for c in _children(street, PlaceKind.COMMUNITY) if _in_scope(c, scope)]
    community = compound = None
    if posted:
        community = next((c for c in communities if str(c.pk) == values["community"]), None)
        if community is not None and values["compound"]:
            compound = _node_in(community, values["compound"], [PlaceKind.COMPOUND])
    else:  # the no-JavaScript second step: ?compound=<community or compound id>
        node = _node_in(street, values["compound"], [PlaceKind.COMMUNITY, PlaceKind.COMPOUND])
        if node is not None and node.kind == PlaceKind.COMPOUND:
            compound = node
            community = next((c for c in communities if node.path.startswith(c.path)), None)
        elif node is not None:
            community = node
        values["community"] = str(community.pk) if community else ""
        values["compound"] = str(compound.pk) if compound else ""
    step = 2 if (posted or community is not None) else 1

    groups = []
    if step == 1:
        in_street = Place.objects.filter(path__startswith=street.path, depth=KIND_DEPTH[PlaceKind.COMPOUND],
                                         kind=PlaceKind.COMPOUND).order_by("sort_key", "path")
        compounds = [c for c in in_street if _in_scope(c, scope)]
        groups = [(c, [x for x in compounds if x.path.startswith(c.path)]) for c in communities]

    category_rows = []
    for category in categories:
        questions = [{"name": question_field_name(category, q["code"]), "label": q["label"],
                      "value": (source.get(question_field_name(category, q["code"])) or "").strip()}
                     for q in question_list(category)]
        category_rows.append({"category": category, "questions": questions,
                              "selected": str(category.pk) == values["category"]})

    similar_rows = []
    if similar:
        labels = _public_labels([c.place for c in similar])
        similar_rows = [{"case": c, "place": labels.get(c.place_id, ""), "ticket": _metoo_ticket(c)}
                        for c in similar]

    return render(request, "cases/public/report.html", {
        "street": street, "grid": grid, "step": step, "values": values, "form": form, "error": error,
        "groups": groups, "communities": communities, "community": community, "compound": compound,
        "compounds": [c for c in _children(community, PlaceKind.COMPOUND) if _in_scope(c, scope)]
        if community else [],
        "community_open": scope is None or scope.depth <= KIND_DEPTH[PlaceKind.COMMUNITY],  # may the report stay at community level?
        # a compound-level worker: report.js offers only these when it reloads a community's compounds
        "allowed_compounds": scope.pk if scope is not None and scope.depth >= KIND_DEPTH[PlaceKind.COMPOUND] else "",
        "buildings": _children(compound, PlaceKind.BUILDING) if compound else [],
        "categories": category_rows, "has_questions": any(row["questions"] for row in category_rows),
        "similar": similar_rows, "photos_dropped": bool(request.FILES.getlist("photos")) if posted else False,
        "action_url": request.path, "street_param": bool(request.GET.get("s") or request.POST.get("s")),
    }, status=status)


@require_POST
def metoo_view(request):
    """"我也遇到了": +1 on an open case offered as similar, once per person (by phone, kept only as a keyed
    hash). The form carries an opaque ticket, neither the case's id nor its tracking token."""
    if _over_limit("report", request, REPORT_LIMIT):
        return render(request, "cases/public/metoo.html", {"error": _("提交太频繁，请稍后再试")}, status=429)
    form = MeTooForm(request.POST)
    case = _metoo_case(request.POST.get("ticket", ""))
    if case is None:
        return render(request, "cases/public/metoo.html", {"error": _("页面已过期，请重新提交")}, status=400)
    if not form.is_valid():
        return render(request, "cases/public/metoo.html",
                      {"form": form, "ticket": request.POST.get("ticket", ""), "case": case}, status=200)
    _count("report", request, REPORT_WINDOW)
    error = ""
    try:
        case = case_me_too(case=case, phone=form.cleaned_data["phone"])
    except CaseError as exc:
        error = str(exc)
    return render(request, "cases/public/metoo.html", {"case": case, "error": error, "done": not error})


@never_cache
@login_required
@require_GET
def grid_done_view(request, code: str):
    """The grid worker's confirmation: speaks to the worker, with what to hand on to the resident."""
    case = (Case.objects.select_related("category", "place").filter(code=code, reporter_user=request.user,
                                                                     source=Source.GRID).first())
    if case is None:
        raise Http404("unknown case")
    link = request.build_absolute_uri(reverse("public:track", args=[case.token]))
    return render(request, "cases/public/grid_done.html", {
        "case": case, "place": _public_labels([case.place]).get(case.place_id, ""), "link": link,
        "has_phone": bool(case.contact_phone), "again": reverse("public:grid"),
    })


# --- tracking -------------------------------------------------------------------------------------------
def _case_by_token(token: str) -> Case:
    # tokens are URL-safe base64 (secrets.token_urlsafe): anything else, a NUL byte included, is no case
    if not token or len(token) > 32 or not token.replace("-", "").replace("_", "").isascii() \
            or not token.replace("-", "").replace("_", "").isalnum():
        raise Http404("unknown case")
    case = (Case.objects.select_related("category", "place", "compound", "community", "parent")
            .filter(token=token).first())
    if case is None:
        raise Http404("unknown case")
    return case


def _urged_recently(case: Case) -> bool:
    since = timezone.now() - URGE_INTERVAL
    return Event.objects.filter(case=case, action="urge", actor_label=workflow.RESIDENT, at__gte=since).exists()


@never_cache
@require_http_methods(["GET", "POST"])
def track_view(request, token: str):
    case = _case_by_token(token)
    info_form, rate_form, reopen_form, error = NoteForm(), RateForm(), ReopenForm(), ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        done = None
        try:
            if action == "add_info":
                info_form = NoteForm(request.POST)
                if info_form.is_valid():
                    case_transition(case_id=case.pk, action="add_info", actor=RESIDENT_ACTOR,
                                    note=info_form.cleaned_data["note"])
                    done = _("补充信息已提交")
            elif action == "urge":
                if _urged_recently(case):
                    raise CaseError(_("您已经催办过了，工作人员会尽快处理（每天可催办一次）"))
                case_transition(case_id=case.pk, action="urge", actor=RESIDENT_ACTOR)
                done = _("已催办，工作人员会尽快处理")
            elif action == "reopen":
                reopen_form = ReopenForm(request.POST)
                if reopen_form.is_valid():
                    case_transition(case_id=case.pk, action="resident_reopen", actor=RESIDENT_ACTOR,
                                    note=reopen_form.cleaned_data["note"])
                    done = _("已申请重办，工作人员会重新处理")
            elif action == "rate":
                rate_form = RateForm(request.POST)
                if rate_form.is_valid():
                    form_data = rate_form.cleaned_data
                    case_transition(case_id=case.pk, action="rate", actor=RESIDENT_ACTOR,
                                    note=form_data["note"],
                                    data={"satisfaction": form_data["satisfaction"],
                                          "resolved": form_data["resolved"] == "1"})
                    done = _("感谢您的评价")
            else:
                error = _("未知操作")
        except CaseError as exc:
            error = str(exc)
        if done:
            messages.success(request, done)
            return redirect("public:track", token=case.token)
    return _track_page(request, case, info_form=info_form, rate_form=rate_form, reopen_form=reopen_form,
                       error=error)


def _reopen_open(case: Case, rating) -> bool:
    """Whether the tracking page offers 问题复发 (the service checks the same again)."""
    return (case.status in workflow.TABLE["resident_reopen"].sources
            and not resident_reopen_refusal(case, rating, now=timezone.now()))


def _track_page(request, case: Case, *, info_form, rate_form, reopen_form, error):
    # Only notes written to the resident (a reply, the result, why a report is not taken up) are shown, with any
    # phone or ID number masked (the link may be forwarded); internal reasons (escalate, return, park …) and what
    # a resident typed (supplements, comments, a reopen's reason) are never shown here, like the description.
    def _public_note(event) -> str:
        step = workflow.TABLE.get(event.action)
        if step is None or not step.note_public or event.actor_label == workflow.RESIDENT:
            return ""
        return mask_numbers_in_text(event.note)

    events = [{"label": (workflow.TABLE[e.action].label if e.action in workflow.TABLE
                         else _EXTRA_LABELS.get(e.action, _("办理进展"))),
               "who": _ROLE_WORDS.get(e.actor_label, _("工作人员")), "at": e.at, "note": _public_note(e)}
              for e in Event.objects.filter(case=case, public=True).order_by("at", "id")]
    photos = [reverse("public:photo", args=[case.token, a.pk])
              for a in Attachment.objects.filter(case=case, public=True, content_type__startswith="image/")
              .order_by("id")]
    rating = FollowUp.objects.filter(case=case, round=case.round).first()
    link = request.build_absolute_uri(reverse("public:track", args=[case.token]))
    return render(request, "cases/public/track.html", {
        "case": case, "place": _public_labels([case.place]).get(case.place_id, ""), "events": events,
        "photos": photos, "rating": rating, "street": _street_of(case.community), "link": link, "new": request.GET.get("new") == "1",
        "can_add_info": case.status in workflow.TABLE["add_info"].sources,
        "can_urge": case.status in workflow.TABLE["urge"].sources,
        "can_rate": case.status in workflow.TABLE["rate"].sources and rating is None,
        "can_reopen": _reopen_open(case, rating),
        "info_form": info_form, "rate_form": rate_form, "reopen_form": reopen_form, "error": error,
        "satisfaction_choices": RateForm.base_fields["satisfaction"].choices,
    }, status=200)


@require_GET
def photo_view(request, token: str, pk: int):
    case = _case_by_token(token)
    attachment = get_object_or_404(Attachment, pk=pk, case=case, public=True, content_type__startswith="image/")
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    response["Cache-Control"] = "private, max-age=86400"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def lookup_view(request):
    """Find one's case by its code and the last 4 digits of the contact phone. Wrong pairs are counted per
    address; after LOOKUP_LIMIT of them in LOOKUP_WINDOW the page answers 429."""
    form = LookupForm(request.POST or None)
    error = ""
    if request.method == "POST":
        if _over_limit("lookup", request, LOOKUP_LIMIT):
            return render(request, "cases/public/lookup.html",
                          {"form": form, "error": _("尝试次数过多，请10分钟后再试")}, status=429)
        if form.is_valid():
            code = form.cleaned_data["code"].upper()
            case = Case.objects.filter(code=code).only("pk", "token", "contact_phone").first()
            phone = (case.contact_phone or "") if case else ""
            expected = phone[-4:] if len(phone) >= 4 else "\x00" * 4
            matches = hmac.compare_digest(expected.encode(), form.cleaned_data["last4"].encode())
            if case is not None and len(phone) >= 4 and matches:
                return redirect("public:track", token=case.token)
            _count("lookup", request, LOOKUP_WINDOW)
            error = _("编号或手机号后4位不正确")
    return render(request, "cases/public/lookup.html", {"form": form, "error": error})
