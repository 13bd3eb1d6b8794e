"""Pages that draw on several domains: the home page per role and the place page."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from weizhili.accounts.models import Role
from weizhili.accounts.permissions import Action, allowed, can
from weizhili.cases.metrics import case_figures_for_user, figures_by_child, monthly_series
from weizhili.cases.models import OPEN_STATUSES, Card
from weizhili.cases.selectors import case_list, month_bounds, overdue_now_q
from weizhili.cases.workflow import ROLE_TIER
from weizhili.params import param_int, param_month
from weizhili.party.models import OrgLevel
from weizhili.party.selectors import compound_branches, coverage, role_holders_for
from weizhili.people.selectors import person_list
from weizhili.places import selectors as place_selectors
from weizhili.places.models import PlaceKind
from weizhili.places.views import children_with_counts, map_features


@login_required
def home(request):
    user = request.user
    context: dict = {"is_admin": allowed(user, Action.OPEN_ADMIN_CONSOLE), "can_audit": allowed(user, Action.READ_AUDIT)}
    root = place_selectors.place_scope_root(user=user)
    if root is not None:
        context["root"] = root
        context["counts"] = place_selectors.subtree_kind_counts(root)
        context["coverage"] = coverage(root)
        if allowed(user, Action.VIEW_ATTENTION):
            # What needs attention first: compounds that still have no branch.
            context["attention"] = _compounds_without_branch(root)[:12]
        if root.kind in (PlaceKind.STREET, PlaceKind.COMMUNITY):
            context["map_places"] = map_features(user, root)
        elif root.kind == PlaceKind.COMPOUND:
            context["map_places"] = map_features(user, root)
            context["holders"] = role_holders_for(user=user, place=root)
        context["tile_url"] = settings.WEIZHILI_MAP_TILE_URL
        context["work"] = _case_work(user)
    return render(request, "insight/home.html", context)


def _case_work(user) -> dict | None:
    """The case counts a handler starts the day with: mine, at my tier, overdue, red cards."""
    if user.role == Role.GRID_WORKER:
        month = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        return case_list(user=user).filter(reporter_user=user).aggregate(
            reported=Count("id"), reported_month=Count("id", filter=Q(created_at__gte=month)),
            reported_open=Count("id", filter=Q(status__in=OPEN_STATUSES)))
    if not allowed(user, Action.HANDLE_CASES):
        return None
    now = timezone.now()
    tier = ROLE_TIER.get(user.role)
    return case_list(user=user).filter(status__in=OPEN_STATUSES).aggregate(
        mine=Count("id", filter=Q(assignee=user)),
        tier=Count("id", filter=Q(tier=tier)),
        overdue=Count("id", filter=overdue_now_q(now)),  # 当前超期, as the list it links to
        red=Count("id", filter=Q(card=Card.RED)),
        yellow=Count("id", filter=Q(card=Card.YELLOW)),
    )


def _compounds_without_branch(root):
    return list(place_selectors.compounds_in(root)
                .exclude(Q(covering_orgs__level=OrgLevel.COMPOUND_BRANCH) | Q(party_orgs__level=OrgLevel.COMPOUND_BRANCH))
                .distinct())


@login_required
def place_detail(request, place_id: int):
    user = request.user
    place = place_selectors.place_get(user=user, place_id=place_id)
    ancestors = place_selectors.ancestor_chain(place)
    scope_depth = user.place.depth
    context = {
        "place": place,
        "ancestors": [(a, a.depth >= scope_depth) for a in ancestors],
        "children": children_with_counts(user, place) if place.kind != PlaceKind.HOUSEHOLD else [],
        "counts": place_selectors.subtree_kind_counts(place),
        "aliases": list(place.aliases.values_list("name", flat=True)),
        "branches": compound_branches(user=user, place=place),
        "holders": role_holders_for(user=user, place=place),
        "tile_url": settings.WEIZHILI_MAP_TILE_URL,
    }
    if place.kind == PlaceKind.HOUSEHOLD and allowed(user, Action.OPEN_PEOPLE_LEDGER):
        # a household's residents are the ledger: only roles that may open it see them here
        context["residents"] = list(person_list(user=user).filter(place=place))
    if place.kind in (PlaceKind.STREET, PlaceKind.COMMUNITY, PlaceKind.COMPOUND):
        context["map_places"] = map_features(user, place)
        context["coverage"] = coverage(place)
    return render(request, "places/detail.html", context)


@login_required
def case_figures_view(request):
    """办结率, 按期办结率, 化解率, 三率 … for the user's node (or a node below it) and a month, per child node,
    with the last twelve months as a chart."""
    user = request.user
    permitted, reason = can(user, Action.VIEW_CASE_FIGURES)
    if not permitted:
        raise PermissionDenied(reason)
    root = place_selectors.place_scope_root(user=user)
    if root is None:
        raise Http404("no scope")
    node = place_selectors.place_get(user=user, place_id=param_int(request, "node", default=root.pk, strict=True))
    # a bad month shows the current one; the page names the month it shows
    start, end = month_bounds(param_month(request, "month"))
    figures = case_figures_for_user(user, node, start=start, end=end)
    children = figures_by_child(node=node, start=start, end=end) if node.kind != PlaceKind.HOUSEHOLD else {}
    series = [m.to_dict() for m in monthly_series(node=node, months=12)]
    months = [m["month"] for m in series]
    return render(request, "insight/case_figures.html", {
        "node": node, "figures": figures, "children": list(children.items()), "series": series,
        "month": start.strftime("%Y-%m"), "months": months,
        "ancestors": [a for a in place_selectors.ancestor_chain(node) if a.depth >= root.depth],
    })
