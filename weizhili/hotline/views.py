"""Hotline pages: the volume figures with charts and a map, the orders (drill-down), one order, imports."""
from datetime import date
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Max, Min, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weizhili import exports
from weizhili.audit.services import audit_record
from weizhili.cases.services import street_of
from weizhili.params import param_int, param_month, param_str, parse_int, parse_month
from weizhili.people.masking import mask_numbers_in_text
from weizhili.places import selectors as place_selectors
from weizhili.places.models import Place, PlaceKind
from weizhili.places.views import map_features

from . import access
from .exporting import HEADERS, export_rows
from .figures import (
    add_months,
    branch_effect,
    category_label,
    compound_change,
    hotline_figures,
    month_start,
    street_rows,
)
from .models import Band, CategoryModel, JobStatus
from .reading import FIELD_LABELS, FIELDS
from .services import HotlineError, alias_suggestion, column_mapping_save, import_job_create, order_locate
from .tasks import progress_key

DEFAULT_MONTHS = 24


def _node(request, user) -> Place:
    root = place_selectors.place_scope_root(user=user)
    if root is None:
        raise Http404("no scope")
    node = place_selectors.place_get(user=user, place_id=param_int(request, "node", default=root.pk, strict=True))
    if node.kind not in (PlaceKind.STREET, PlaceKind.COMMUNITY, PlaceKind.COMPOUND):
        raise Http404("figures are per street, community or compound")
    return node


def _period(request, street: Place, rows: list[dict] | None = None) -> tuple[date, date, date | None, date | None]:
    """[start, end) in whole months: from the request, else the last DEFAULT_MONTHS months that have orders
    (read from the street's grouped `rows` when given, else one query)."""
    if rows is not None:
        months = [row["month"] for row in rows]
        first, last = (min(months), max(months)) if months else (None, None)
    else:
        bounds = access.HotlineOrder.objects.filter(street=street).aggregate(first=Min("received_at"),
                                                                              last=Max("received_at"))
        first = timezone.localtime(bounds["first"]).date().replace(day=1) if bounds["first"] else None
        last = timezone.localtime(bounds["last"]).date().replace(day=1) if bounds["last"] else None
    end = param_month(request, "to")
    end = add_months(end, 1) if end else (add_months(last, 1) if last else add_months(timezone.localdate().replace(day=1), 1))
    start = param_month(request, "from") or max(first or date.min, add_months(end, -DEFAULT_MONTHS))
    if start >= end:
        start = add_months(end, -1)
    return start, end, first, last


@login_required
def overview(request):
    """Monthly volume, per 10,000 residents, repeats, classes and 三率; before/after each branch's founding
    with the difference-in-differences; the compound map coloured by the change."""
    user = request.user
    access.require_reader(user)
    node = _node(request, user)
    street = street_of(node)
    rows = street_rows(street)  # one grouped query that the figures, the map and the branch effect share
    start, end, first, last = _period(request, street, rows)
    figures = hotline_figures(node=node, start=start, end=end, rows=rows)
    effect = branch_effect(node=node, rows=rows)
    change = compound_change(node=node, start=start, end=end, rows=rows)
    # every count links to its orders over the same months
    period = f"from={start:%Y-%m}&to={add_months(end, -1):%Y-%m}"
    features = map_features(user, node)
    for feature in features["features"]:
        props = feature["properties"]
        pct = change.get(props["id"])
        props["change"] = pct / 100 if pct is not None else None  # the map's colour scale takes a fraction
        props["url"] = f"/hotline/orders/?node={props['id']}&{period}"
    root = place_selectors.place_scope_root(user=user)
    chart = _chart_data(figures, effect)
    chart["orders_url"] = f"/hotline/orders/?node={node.pk}&{period}"
    return render(request, "hotline/overview.html", {
        "node": node, "figures": figures, "effect": effect, "start": start, "end": add_months(end, -1),
        "period": period,
        "first": first, "last": last, "map_places": features, "tile_url": settings.WEIZHILI_MAP_TILE_URL,
        "ancestors": [a for a in place_selectors.ancestor_chain(node) if a.depth >= root.depth],
        "chart": chart,
        "can_import": access.can_import(user),
    })


def _chart_data(figures, effect) -> dict:
    return {
        "months": [m.strftime("%Y-%m") for m in figures.months],
        "totals": figures.totals,
        "per10k": [round(v, 2) if v is not None else None for v in figures.per_10k],
        "categories": [[label, n] for label, n in figures.top_categories],
        "event": {"rel": list(effect.event_months), "treated": effect.event_treated,
                  "control": effect.event_control},
        "children": [{"name": c.name, "total": c.total, "per10k": c.per_10k, "change": c.change}
                     for c in figures.children],
        "effect_rows": len(effect.rows),
    }


def _order_filters(request) -> dict:
    return {k: param_str(request, k) for k in ("node", "month", "band", "q", "group", "category",
                                                          "unlocated", "from", "to")}


def _filtered_orders(request, user):
    f = _order_filters(request)
    qs = access.order_list(user=user)
    node_id = param_int(request, "node", strict=True)  # a drill-down must not silently widen to everything
    if node_id:
        node = place_selectors.place_get(user=user, place_id=node_id)
        qs = qs.filter(place__path__startswith=node.path)
    month = parse_month(f["month"])
    if month:
        tz = timezone.get_current_timezone()
        lo = timezone.make_aware(timezone.datetime(month.year, month.month, 1), tz)
        nxt = add_months(month, 1)
        hi = timezone.make_aware(timezone.datetime(nxt.year, nxt.month, 1), tz)
        qs = qs.filter(received_at__gte=lo, received_at__lt=hi)
    # the overview's period, months `from` … `to` (both included), carried by every count it links from
    first, last = parse_month(f["from"]), parse_month(f["to"])
    if first:
        qs = qs.filter(received_at__gte=month_start(first))
    if last:
        qs = qs.filter(received_at__lt=month_start(add_months(last, 1)))
    if f["band"] in Band.values:
        qs = qs.filter(locate_band=f["band"])
    if f["unlocated"]:
        qs = qs.filter(compound__isnull=True)
    group = parse_int(f["group"], min=0)
    if group is not None:
        qs = qs.filter(repeat_group=group)
    if f["category"]:
        # the chart's labels are normalised (levels, separators, full-width): select the raw classes behind one
        # label from the few dozen distinct ones, so the list shows exactly the bar's orders
        pairs = set(qs.order_by().values_list("category", "predicted_category").distinct())
        given = {c for c, p in pairs if c and category_label(c, p) == f["category"]}
        predicted = {p for c, p in pairs if not c and category_label(c, p) == f["category"]}
        qs = qs.filter(Q(category__in=given) | Q(category="", predicted_category__in=predicted))
    if f["q"]:
        qs = qs.filter(Q(order_no__icontains=f["q"]) | Q(address__icontains=f["q"]) | Q(content__icontains=f["q"]))
    return qs, f


@login_required
def orders(request):
    user = request.user
    access.require_reader(user)
    qs, f = _filtered_orders(request, user)
    page = Paginator(qs.select_related("compound", "community", "case").order_by("-received_at", "-id"), 50) \
        .get_page(param_int(request, "page"))
    groups = dict(access.order_list(user=user).filter(place_id__in={o.place_id for o in page},
                                                      repeat_group__in=[o.repeat_group for o in page])
                  .values("repeat_group").annotate(n=Count("id")).values_list("repeat_group", "n"))
    for order in page:
        order.masked_content = mask_numbers_in_text(order.content)
        order.group_size = groups.get(order.repeat_group, 1)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "hotline/orders.html", {
        "page": page, "filters": f, "bands": Band.choices, "query": query.urlencode(),
        "total": page.paginator.count,
    })


@login_required
def export(request):
    """The filtered orders as CSV (UTF-8 with BOM, opens in Excel); audited. No caller text is exported."""
    user = request.user
    access.require_reader(user)
    qs, f = _filtered_orders(request, user)
    audit_record(action="hotline.export", object_type="hotline.hotlineorder", user=user,
                 detail={"rows": qs.count(), "filters": f})
    return exports.csv_response(export_rows(qs), header=HEADERS, filename="hotline-orders.csv")


@login_required
def order_detail(request, order_id: int):
    user = request.user
    order = access.order_get(user=user, order_id=order_id)
    order.masked_content = mask_numbers_in_text(order.content)
    # members of a group share its compound (the place key): the place narrows the lookup (no index on groups)
    group = list(access.order_list(user=user).filter(place_id=order.place_id, repeat_group=order.repeat_group)
                 .exclude(pk=order.pk).order_by("received_at")[:50]) if order.repeat_group else []
    for member in group:
        member.masked_content = mask_numbers_in_text(member.content)
    context = {"order": order, "group": group, "can_locate": access.can_locate(user)}
    if context["can_locate"]:
        context["compounds"] = list(place_selectors.place_list(user=user).filter(
            kind=PlaceKind.COMPOUND, path__startswith=order.street.path).order_by("path").only("id", "name"))
        context["alias"] = alias_suggestion(order.address, order.street)
        context["can_alias"] = access.can_import(user)  # an alias steers the whole street's future imports
    return render(request, "hotline/order.html", context)


@login_required
@require_POST
def order_locate_view(request, order_id: int):
    user = request.user
    order = access.order_get(user=user, order_id=order_id)
    if not access.can_locate(user):
        raise Http404("not for this role")
    compound_id = param_int(request, "compound", data=request.POST)
    if compound_id is None:
        messages.error(request, _("请选择院落"))
        return redirect("hotline:order", order_id=order.pk)
    try:
        compound = place_selectors.place_get(user=user, place_id=compound_id)
        wants_alias = request.POST.get("add_alias") and access.can_import(user)
        order_locate(order=order, compound=compound, user=user,
                     add_alias=request.POST.get("alias", "") if wants_alias else "")
    except (ValueError, HotlineError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已更新定位"))
    return redirect("hotline:order", order_id=order.pk)


@login_required
def imports(request):
    user = request.user
    access.require_importer(user)
    street = street_of(place_selectors.place_scope_root(user=user))
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("请选择要上传的文件"))
        else:
            try:
                job = import_job_create(street=street, user=user, upload=upload)
            except HotlineError as exc:
                messages.error(request, str(exc))
            else:
                return redirect("hotline:import_detail", job_id=job.pk)
    jobs = access.job_list(user=user).select_related("created_by")[:30]
    model = CategoryModel.objects.filter(street=street, active=True).first()
    return render(request, "hotline/imports.html", {
        "jobs": jobs, "model": model, "street": street, "labels": [FIELD_LABELS[f] for f in FIELDS],
        "unlocated": access.order_list(user=user).filter(compound__isnull=True).count(),
    })


@login_required
def import_detail(request, job_id: int):
    job = access.job_get(user=request.user, job_id=job_id)
    if job.status == JobStatus.RUNNING:
        live = cache.get(progress_key(job.pk))  # written by the worker while its transaction is open
        if live:
            job.stage, job.rows_done, job.rows_total = live["stage"], live["rows_done"], live["rows_total"]
    context = {"job": job, "fields": [(f, FIELD_LABELS[f]) for f in FIELDS], "running": job.status in (
        JobStatus.QUEUED, JobStatus.RUNNING)}
    if request.headers.get("HX-Request"):
        return render(request, "hotline/_job_progress.html", context)
    return render(request, "hotline/import_detail.html", context)


@login_required
@require_POST
def import_columns(request, job_id: int):
    job = access.job_get(user=request.user, job_id=job_id)
    if job.status != JobStatus.NEEDS_MAPPING:
        return redirect("hotline:import_detail", job_id=job.pk)
    headers = job.summary.get("unknown_headers", [])
    choices = {h: request.POST.get(f"col-{i}", "") for i, h in enumerate(headers)}
    try:
        column_mapping_save(job=job, user=request.user, choices=choices)
    except HotlineError as exc:
        messages.error(request, str(exc))
    return redirect("hotline:import_detail", job_id=job.pk)


@login_required
def import_errors(request, job_id: int):
    job = access.job_get(user=request.user, job_id=job_id)
    if not job.error_path or not Path(job.error_path).is_file():
        raise Http404("no error file")
    return FileResponse(open(job.error_path, "rb"), as_attachment=True,  # noqa: SIM115 (FileResponse closes it)
                        filename=f"{Path(job.file_name).stem}-errors.xlsx")


@login_required
@require_POST
def train(request):
    user = request.user
    access.require_importer(user)
    street = street_of(place_selectors.place_scope_root(user=user))
    from .tasks import model_train_run

    try:
        model_train_run(street.pk, user.pk)
    except ValueError as exc:
        messages.error(request, _("训练失败：%(error)s") % {"error": exc})
    else:
        messages.success(request, _("已开始训练分类模型，完成后用于没有分类的工单"))
    return redirect("hotline:imports")
