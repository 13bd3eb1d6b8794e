"""The street's place names as the address matcher needs them, read from the place tree in four queries."""
import re

from weizhili.places.models import Place, PlaceAlias, PlaceKind
from weizhili.text.address import COMMUNITY, COMPOUND, Gazetteer
from weizhili.text.numerals import cn_to_int

_NUMBER = re.compile(r"^\s*(\d{1,4}|[零〇一二两三四五六七八九十百]{1,4})\s*(?:号楼|号|栋|幢|单元|#)?\s*$")


def _number(name: str) -> int | None:
    found = _NUMBER.match(name)
    if found is None:
        return None
    token = found.group(1)
    return int(token) if token.isdigit() else cn_to_int(token)


def street_gazetteer(street: Place) -> Gazetteer:
    """Communities and compounds under `street` (with aliases), and building/unit numbers per compound."""
    rows = list(Place.objects.filter(path__startswith=street.path, kind__in=[PlaceKind.COMMUNITY, PlaceKind.COMPOUND])
                .values_list("id", "kind", "name", "path", "depth"))
    id_by_path = {path: pk for pk, _, _, path, _ in rows}
    places = []
    for pk, kind, name, path, _depth in rows:
        parent = id_by_path.get(Place.parent_path_of(path)) if kind == PlaceKind.COMPOUND else None
        places.append((pk, COMPOUND if kind == PlaceKind.COMPOUND else COMMUNITY, name, parent))
    aliases = list(PlaceAlias.objects.filter(place__path__startswith=street.path).values_list("place_id", "name"))

    compound_by_path = {path: pk for pk, kind, _, path, _ in rows if kind == PlaceKind.COMPOUND}
    buildings, building_by_path = _numbered(street, PlaceKind.BUILDING, compound_by_path)
    units, _ = _numbered(street, PlaceKind.UNIT, building_by_path)
    return Gazetteer(places, aliases=aliases, buildings=buildings, units=units)


def _numbered(street: Place, kind: str, parent_by_path: dict[str, int]) -> tuple[dict[int, dict[int, int]],
                                                                                   dict[str, int]]:
    """Children of `kind` with a number in their name ("3号楼", "2单元"): {parent id: {number: id}}, and the
    id of each numbered child by its path (the parents of the next level)."""
    by_parent: dict[int, dict[int, int]] = {}
    by_path: dict[str, int] = {}
    for pk, name, path in Place.objects.filter(path__startswith=street.path, kind=kind).values_list(
            "id", "name", "path"):
        parent = parent_by_path.get(Place.parent_path_of(path))
        number = _number(name)
        if parent is not None and number is not None:
            by_parent.setdefault(parent, {}).setdefault(number, pk)
            by_path[path] = pk
    return by_parent, by_path


def street_named(name: str | None) -> Place:
    """The street called `name`, or the only street when no name is given; LookupError otherwise."""
    streets = Place.objects.filter(kind=PlaceKind.STREET)
    if name:
        streets = streets.filter(name=name)
    found = list(streets[:2])
    if len(found) == 1:
        return found[0]
    if not found:
        raise LookupError(f"没有名为 {name} 的街道 / no street named {name}" if name else "还没有街道 / no street yet")
    raise LookupError("有多个街道，请用 --street 指定 / several streets: name one with --street")
