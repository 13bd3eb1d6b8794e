import pytest

from weizhili.places.models import Place, PlaceKind
from weizhili.places.treeops import NodeSpec, subtree_ensure

from ..factories import compound_spec


@pytest.mark.django_db
def test_tree_has_six_levels_and_counts(tree):
    street = tree["street"]
    kinds = {kind: Place.objects.within(street.path).of_kind(kind).count() for kind in PlaceKind.values}
    assert kinds == {"street": 1, "community": 2, "compound": 2, "building": 4, "unit": 8, "household": 16}
    # treebeard's own view of the tree agrees with the bulk-written paths
    assert Place.objects.get_descendant_count(street) == 32
    assert [c.name for c in Place.objects.get_children(street)] == ["东社区", "西社区"]
    assert Place.objects.get_parent(Place.objects.get_parent(tree["east_household"])).name == "1号楼"


@pytest.mark.django_db
def test_subtree_ensure_is_idempotent_and_extends(tree):
    east = tree["east"]
    before = Place.objects.count()
    result = subtree_ensure(east, [compound_spec("东苑小区")])
    assert result.created == 0
    assert Place.objects.count() == before
    result = subtree_ensure(east, [compound_spec("东苑小区", buildings=3)])
    assert result.created == 1 + 2 + 4  # one building, its 2 units, their 4 households
    east_c = Place.objects.get(pk=tree["east_compound"].pk)
    assert east_c.numchild == 3
    assert [b.name for b in Place.objects.get_children(east_c)] == ["1号楼", "2号楼", "3号楼"]
    # a new node added with treebeard's own API lands after the bulk-written ones
    extra = Place.objects.add_child(east_c, {"kind": PlaceKind.BUILDING, "name": "4号楼"})
    assert extra.path > Place.objects.get(path__startswith=east_c.path, name="3号楼").path


@pytest.mark.django_db
def test_subtree_ensure_updates_fields_when_asked(tree):
    spec = NodeSpec(PlaceKind.COMPOUND, "东苑小区", fields={"property_company": "明水物业"}, update=True)
    result = subtree_ensure(tree["east"], [spec])
    assert result.updated == 1
    assert Place.objects.get(pk=tree["east_compound"].pk).property_company == "明水物业"
