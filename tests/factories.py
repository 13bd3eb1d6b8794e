"""Small, explicit builders for test data. Each returns real rows made through the services."""
import itertools

from weizhili.accounts.services import user_create
from weizhili.party.models import OrgLevel, PartyMember, PartyOrg
from weizhili.people.services import person_create
from weizhili.places.models import Place, PlaceKind
from weizhili.places.treeops import NodeSpec, subtree_ensure

_seq = itertools.count(1)

PASSWORD = "Xy7!pass-word"


def compound_spec(name: str, buildings: int = 2, units: int = 2, households: int = 2, **fields) -> NodeSpec:
    return NodeSpec(PlaceKind.COMPOUND, name, fields={"compound_kind": "residential", **fields}, children=[
        NodeSpec(PlaceKind.BUILDING, f"{b}号楼", children=[
            NodeSpec(PlaceKind.UNIT, f"{u}单元", children=[
                NodeSpec(PlaceKind.HOUSEHOLD, f"{u}0{h}") for h in range(1, households + 1)
            ]) for u in range(1, units + 1)
        ]) for b in range(1, buildings + 1)
    ])


def street_tree() -> dict[str, Place]:
    """测试街道 with two communities, each with one compound of 2 buildings × 2 units × 2 households."""
    spec = NodeSpec(PlaceKind.STREET, "测试街道", children=[
        NodeSpec(PlaceKind.COMMUNITY, "东社区", children=[compound_spec("东苑小区")]),
        NodeSpec(PlaceKind.COMMUNITY, "西社区", children=[compound_spec("西苑小区")]),
    ])
    subtree_ensure(None, [spec])
    get = lambda name: Place.objects.get(name=name) if "号楼" not in name else None  # noqa: E731
    street = get("测试街道")
    east, west = get("东社区"), get("西社区")
    east_c, west_c = get("东苑小区"), get("西苑小区")
    east_b = Place.objects.get(path__startswith=east_c.path, kind=PlaceKind.BUILDING, name="1号楼")
    west_b = Place.objects.get(path__startswith=west_c.path, kind=PlaceKind.BUILDING, name="1号楼")
    east_h = Place.objects.filter(path__startswith=east_b.path, kind=PlaceKind.HOUSEHOLD).first()
    west_h = Place.objects.filter(path__startswith=west_b.path, kind=PlaceKind.HOUSEHOLD).first()
    return {"street": street, "east": east, "west": west, "east_compound": east_c, "west_compound": west_c,
            "east_building": east_b, "west_building": west_b, "east_household": east_h, "west_household": west_h}


def make_user(role: str, place: Place | None, *, username: str | None = None, is_demo: bool = False, **extra):
    user, _password = user_create(username=username or f"user{next(_seq)}", role=role, place=place,
                                  password=PASSWORD, is_demo=is_demo, **extra)
    if not is_demo:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
    return user


def make_person(place: Place, name: str = "张三明", phone: str = "", id_number: str = ""):
    return person_create(name=name, place=place, phone=phone, id_number=id_number)


def make_branch(compound: Place, name: str | None = None, founded_on=None) -> PartyOrg:
    parent = PartyOrg.objects.filter(level=OrgLevel.COMMUNITY_BRANCH).first()
    if parent is None:
        root = PartyOrg.objects.add_root({"level": OrgLevel.STREET_COMMITTEE, "name": "测试街道党工委",
                                          "place": Place.objects.get(depth=1)})
        parent = PartyOrg.objects.add_child(root, {"level": OrgLevel.COMMUNITY_BRANCH, "name": "社区党总支",
                                                   "place": Place.objects.get_parent(compound)})
    branch = PartyOrg.objects.add_child(parent, {"level": OrgLevel.COMPOUND_BRANCH, "place": compound,
                                                 "name": name or f"{compound.name}党支部", "founded_on": founded_on})
    branch.covers.add(compound)
    return branch


def make_member(branch: PartyOrg, place: Place, name: str = "李四") -> PartyMember:
    person = make_person(place, name=name)
    return PartyMember.objects.create(person=person, org=branch, place=place)
