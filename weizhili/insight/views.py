"""Pages that draw on several domains: the home page per role and the place page."""
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from weizhili.accounts.models import Role
from weizhili.accounts.permissions import can_read_audit, is_admin
from weizhili.party.selectors import compound_branches, coverage, role_holders_for
from weizhili.people.selectors import person_list
from weizhili.places import selectors as place_selectors
from weizhili.places.models import PlaceKind
from weizhili.places.views import children_with_counts, map_features


@login_required
def home(request):
    user = request.user
    context: dict = {"is_admin": is_admin(user), "can_audit": can_read_audit(user)[0]}
    root = place_selectors.place_scope_root(user=user)
    if root is not None:
        context["root"] = root
        context["counts"] = place_selectors.subtree_kind_counts(root)
        context["coverage"] = coverage(root)
        if user.role in (Role.STREET_CADRE, Role.COMMUNITY_WORKER, Role.SYSTEM_ADMIN) or user.is_superuser:
            # What needs attention first: compounds that still have no branch.
            context["attention"] = _compounds_without_branch(root)[:12]
        if root.kind in (PlaceKind.STREET, PlaceKind.COMMUNITY):
            context["map_places"] = map_features(user, root)
        elif root.kind == PlaceKind.COMPOUND:
            context["map_places"] = map_features(user, root)
            context["holders"] = role_holders_for(user=user, place=root)
        context["tile_url"] = settings.WEIZHILI_MAP_TILE_URL
    return render(request, "insight/home.html", context)


def _compounds_without_branch(root):
    from django.db.models import Q

    from weizhili.party.models import OrgLevel

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
    if place.kind == PlaceKind.HOUSEHOLD:
        context["residents"] = list(person_list(user=user).filter(place=place))
    if place.kind in (PlaceKind.STREET, PlaceKind.COMMUNITY, PlaceKind.COMPOUND):
        context["map_places"] = map_features(user, place)
        context["coverage"] = coverage(place)
    return render(request, "places/detail.html", context)
