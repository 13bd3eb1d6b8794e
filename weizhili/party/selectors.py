"""Reads of Party organisations, members and role holders, bounded by the user's scope."""
from django.db.models import Count, Q

from weizhili.places.models import KIND_DEPTH, Place, PlaceKind
from weizhili.places.scope import get_in_scope_or_404, within_scope

from .models import OrgLevel, PartyMember, PartyOrg, RoleHolder


def org_list(*, user):
    return within_scope(PartyOrg.objects.select_related("place"), user)


def org_get(*, user, org_id: int) -> PartyOrg:
    return get_in_scope_or_404(PartyOrg.objects.select_related("place"), user, pk=org_id)


def member_list(*, user):
    return within_scope(PartyMember.objects.select_related("person", "org", "place"), user)


def role_holder_list(*, user):
    return within_scope(RoleHolder.objects.select_related("person", "role", "place"), user)


def compound_branches(*, user, place: Place) -> list[PartyOrg]:
    """Branches covering a compound, or lying under a community/street node."""
    qs = org_list(user=user).filter(level=OrgLevel.COMPOUND_BRANCH)
    if place.kind == PlaceKind.COMPOUND:
        qs = qs.filter(Q(covers=place) | Q(place=place))
    elif place.kind in (PlaceKind.STREET, PlaceKind.COMMUNITY):
        qs = qs.filter(place__path__startswith=place.path)
    else:
        return []
    return list(qs.annotate(n_members=Count("members", distinct=True)).distinct().order_by("path")[:200])


def role_holders_for(*, user, place: Place) -> list[RoleHolder]:
    """Role holders answering for this node: the compound's holders, or those whose areas contain the node."""
    qs = role_holder_list(user=user)
    if place.kind == PlaceKind.COMPOUND:
        qs = qs.filter(place=place)
    elif place.kind in (PlaceKind.BUILDING, PlaceKind.UNIT, PlaceKind.HOUSEHOLD):
        prefixes = place.ancestor_paths(KIND_DEPTH[PlaceKind.BUILDING], place.depth)  # its building down to itself
        qs = qs.filter(areas__path__in=prefixes)
    else:
        return []
    return list(qs.prefetch_related("areas").distinct().order_by("role__sort_key", "id")[:200])


def coverage(node: Place) -> dict:
    """How far the five-level organisation reaches under a place node (a few aggregate queries)."""
    under = Place.objects.filter(path__startswith=node.path)
    orgs = PartyOrg.objects.filter(place__path__startswith=node.path)
    compounds = under.filter(kind=PlaceKind.COMPOUND).count()
    with_branch = (under.filter(kind=PlaceKind.COMPOUND)
                   .filter(Q(covering_orgs__level=OrgLevel.COMPOUND_BRANCH) | Q(party_orgs__level=OrgLevel.COMPOUND_BRANCH))
                   .distinct().count())
    buildings = under.filter(kind=PlaceKind.BUILDING).count()
    with_group = under.filter(kind=PlaceKind.BUILDING, party_orgs__level=OrgLevel.BUILDING_GROUP).distinct().count()
    households = under.filter(kind=PlaceKind.HOUSEHOLD).count()
    covered_households = (under.filter(kind=PlaceKind.HOUSEHOLD)
                          .filter(Q(covering_orgs__level=OrgLevel.CENTRAL_HOUSEHOLD)
                                  | Q(party_orgs__level=OrgLevel.CENTRAL_HOUSEHOLD))
                          .distinct().count())
    branches = orgs.filter(level=OrgLevel.COMPOUND_BRANCH).count()
    members = PartyMember.objects.filter(place__path__startswith=node.path).count()
    holders = RoleHolder.objects.filter(place__path__startswith=node.path).count()
    return {
        "compounds": compounds, "compounds_with_branch": with_branch,
        "compounds_without_branch": compounds - with_branch,
        "branches": branches, "members": members,
        "members_per_branch": round(members / branches, 1) if branches else 0,
        "buildings": buildings, "buildings_with_group": with_group,
        "households": households, "households_covered": covered_households,
        "role_holders": holders,
        "role_holders_per_building": round(holders / buildings, 2) if buildings else 0,
        "pct_compounds": _pct(with_branch, compounds), "pct_buildings": _pct(with_group, buildings),
        "pct_households": _pct(covered_households, households),
    }


def _pct(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def branch_table(node: Place) -> list[dict]:
    """One row per compound branch under a node: members, compounds covered, founding date."""
    rows = (PartyOrg.objects.filter(place__path__startswith=node.path, level=OrgLevel.COMPOUND_BRANCH)
            .annotate(n_members=Count("members", distinct=True), n_covers=Count("covers", distinct=True))
            .select_related("place").order_by("path"))
    return list(rows)
