"""Reads of the place tree, always bounded by the acting user's scope."""
from collections import defaultdict

from django.db.models import Count
from django.db.models.functions import Substr

from .models import Place, PlaceKind
from .scope import get_in_scope_or_404, within_scope


def place_list(*, user):
    return within_scope(Place.objects.all(), user, via="")


def place_get(*, user, place_id: int) -> Place:
    return get_in_scope_or_404(Place.objects.all(), user, via="", pk=place_id)


def place_scope_root(*, user) -> Place | None:
    return user.place if user.scope_path is not None else None


def place_children(*, user, parent: Place) -> list[Place]:
    return list(place_list(user=user).filter(pk__in=parent.children_qs().values("pk")).order_by("path"))


def descendant_counts(parent: Place) -> dict[str, dict[str, int]]:
    """For each child of `parent`: how many compounds/buildings/units/households lie below it (one query)."""
    length = parent.child_path_width()
    rows = (
        Place.objects.filter(path__startswith=parent.path, depth__gt=parent.depth + 1)
        .annotate(prefix=Substr("path", 1, length))
        .order_by()
        .values("prefix", "kind")
        .annotate(n=Count("id"))
    )
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for row in rows:
        counts[row["prefix"]][row["kind"]] = row["n"]
    return counts


def subtree_kind_counts(node: Place) -> dict[str, int]:
    rows = Place.objects.filter(path__startswith=node.path).order_by().values("kind").annotate(n=Count("id"))
    return {row["kind"]: row["n"] for row in rows}


def ancestor_chain(node: Place) -> list[Place]:
    paths = node.ancestor_paths()
    return list(Place.objects.filter(path__in=paths).order_by("depth")) if paths else []


def place_labels(places) -> dict[int, str]:
    """Readable addresses ("龙泉社区 君临天下小区 3号楼 2单元 501") for many places with one query."""
    places = [p for p in places if p is not None]
    wanted = {path for p in places for path in p.ancestor_paths(2)}
    names = dict(Place.objects.filter(path__in=wanted).values_list("path", "name")) if wanted else {}
    out = {}
    for p in places:
        parts = [names.get(path, "") for path in p.ancestor_paths(2)]
        out[p.pk] = " ".join([*filter(None, parts), p.name]) if p.kind != PlaceKind.STREET else p.name
    return out


def compounds_in(node: Place):
    return Place.objects.filter(path__startswith=node.path, kind=PlaceKind.COMPOUND).order_by("path")
