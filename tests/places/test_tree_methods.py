"""Tree arithmetic lives on `Place` (paths, depths, ancestors, children); month arithmetic in one helper."""
import re
from datetime import date
from pathlib import Path

import pytest

from weizhili.calendar.months import add_months, days_in_month, month_first, month_range
from weizhili.places.models import KIND_DEPTH, Place, PlaceKind

PACKAGE = Path(__file__).resolve().parents[2] / "weizhili"


@pytest.mark.django_db
def test_paths_and_ancestors(tree):
    household = tree["east_household"]
    assert household.depth == KIND_DEPTH[PlaceKind.HOUSEHOLD] == 6
    assert household.street_path == tree["street"].path
    assert household.ancestor_path(KIND_DEPTH[PlaceKind.COMPOUND]) == tree["east_compound"].path
    assert Place.objects.get(path=household.parent_path).kind == PlaceKind.UNIT
    assert Place.parent_path_of(tree["east_compound"].path) == tree["east"].path
    assert Place.path_at(household.path, 2) == tree["east"].path
    assert Place.depth_of(household.path) == 6
    ancestors = [Place.objects.get(path=p) for p in household.ancestor_paths()]
    assert [p.kind for p in ancestors] == [PlaceKind.STREET, PlaceKind.COMMUNITY, PlaceKind.COMPOUND,
                                           PlaceKind.BUILDING, PlaceKind.UNIT]
    assert household.ancestor_paths(2, 4) == [tree["east"].path, tree["east_compound"].path, tree["east_building"].path]
    assert household.ancestor_paths(4, household.depth)[-1] == household.path  # down to itself when asked
    assert tree["east"].ancestor_paths(2, 4) == [tree["east"].path]  # never below the node


@pytest.mark.django_db
def test_ancestor_of_kind(tree):
    household = tree["east_household"]
    assert household.ancestor_of_kind(PlaceKind.COMPOUND) == tree["east_compound"]
    assert household.ancestor_of_kind(PlaceKind.BUILDING) == tree["east_building"]
    assert tree["east_compound"].ancestor_of_kind(PlaceKind.COMPOUND) == tree["east_compound"]
    assert tree["east"].ancestor_of_kind(PlaceKind.COMPOUND) is None


@pytest.mark.django_db
def test_children(tree):
    compound = tree["east_compound"]
    children = list(compound.children_qs())
    assert [c.name for c in children] == ["1号楼", "2号楼"] and all(c.kind == PlaceKind.BUILDING for c in children)
    assert all(c.path.startswith(compound.path) and len(c.path) == compound.child_path_width() for c in children)
    assert list(tree["street"].children_qs()) == [tree["east"], tree["west"]]


def test_no_path_arithmetic_outside_the_place_model():
    """A path's layout (`steplen` characters per level) is known to `Place` alone; the tree builders that
    allocate paths (treeops, the party tree's admin) are the exceptions."""
    allowed = {"places/models.py", "places/treeops.py", "party/admin.py", "text/repeats.py"}
    pattern = re.compile(r"steplen|path\[\s*:|\bpath\[:-|\[:\s*\d+\s*\*\s*STEP")
    offenders = []
    for file in PACKAGE.rglob("*.py"):
        name = file.relative_to(PACKAGE).as_posix()
        if "/migrations/" in name or name in allowed:
            continue
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
            if pattern.search(line):
                offenders.append(f"{name}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2024, 1, 31), 1, date(2024, 2, 1)),
    (date(2024, 12, 15), 1, date(2025, 1, 1)),
    (date(2024, 1, 1), -1, date(2023, 12, 1)),
    (date(2024, 3, 1), -14, date(2023, 1, 1)),
    (date(2021, 5, 9), 0, date(2021, 5, 1)),
    (date(2021, 5, 9), 36, date(2024, 5, 1)),
])
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


def test_month_range_and_days():
    assert month_range(date(2023, 11, 20), date(2024, 2, 3)) == [
        date(2023, 11, 1), date(2023, 12, 1), date(2024, 1, 1), date(2024, 2, 1)]
    assert month_range(date(2024, 2, 1), date(2024, 1, 1)) == []
    assert month_first(date(2024, 2, 29)) == date(2024, 2, 1)
    assert [days_in_month(2024, 2), days_in_month(2023, 2), days_in_month(2023, 12)] == [29, 28, 31]


def test_one_month_arithmetic():
    """Months are shifted by weizhili/calendar/months.py only (the demo's generator included)."""
    pattern = re.compile(r"\.month\s*-\s*1\s*[+-]|%\s*12\s*\+\s*1|month\s*//\s*12")
    offenders = [f"{f.relative_to(PACKAGE)}:{n}" for f in PACKAGE.rglob("*.py") if "migrations" not in f.parts
                 for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), start=1) if pattern.search(line)]
    assert not offenders, offenders
