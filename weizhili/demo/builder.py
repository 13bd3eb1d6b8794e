"""Builds the demo street 明水街道 deterministically (fixed seed): places, Party organisations, people,
members, role holders and one account per persona. Everything is written in bulk."""
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from weizhili.accounts.models import Role
from weizhili.accounts.services import user_create
from weizhili.audit.services import audit_record
from weizhili.party.models import (
    CommitteeMember,
    MemberStatus,
    OrgKind,
    OrgLevel,
    PartyMember,
    PartyOrg,
    Registration,
    RoleHolder,
    ServiceStation,
)
from weizhili.party.services import role_catalogue_ensure
from weizhili.people.crypto import lookup_hash
from weizhili.people.models import Person
from weizhili.people.validation import id_check_digit
from weizhili.places.models import KIND_DEPTH, CompoundKind, Place, PlaceAlias, PlaceKind
from weizhili.places.selectors import place_labels
from weizhili.places.treeops import NodeSpec, subtree_ensure

from . import names
from .cases import build_case_history
from .hotline import build_hotline_history

SEED = 20221216
CENTRE_LAT, CENTRE_LNG = 36.71, 117.54
TARGET_HOUSEHOLDS = 21000


@dataclass
class DemoResult:
    places: int = 0
    orgs: int = 0
    persons: int = 0
    members: int = 0
    role_holders: int = 0
    accounts: list[tuple[str, str, str, str]] = field(default_factory=list)  # username, password, role, place
    cases: dict = field(default_factory=dict)
    hotline: dict = field(default_factory=dict)


def _rect(lng: float, lat: float, w: float, h: float, rng: random.Random) -> dict:
    """A slightly irregular quadrilateral, as real compound outlines are."""
    j = lambda: rng.uniform(-0.08, 0.08) * min(w, h)  # noqa: E731
    ring = [[lng + j(), lat + j()], [lng + w + j(), lat + j()], [lng + w + j(), lat + h + j()],
            [lng + j(), lat + h + j()]]
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}


def _centroid(geometry: dict) -> tuple[float, float]:
    ring = geometry["coordinates"][0][:-1]
    return (round(sum(p[1] for p in ring) / len(ring), 6), round(sum(p[0] for p in ring) / len(ring), 6))


def _rooms(households: int) -> list[str]:
    return [f"{i // 2 + 1}{i % 2 + 1:02d}" for i in range(households)]


class DemoBuilder:
    def __init__(self, seed: int = SEED, progress=None):
        self.rng = random.Random(seed)
        self.progress = progress or (lambda message: None)
        self.result = DemoResult()
        self._ids_used: set[str] = set()

    # --- places -------------------------------------------------------------------------------------
    def _compound_plan(self) -> dict[str, list[tuple[str, str]]]:
        rng = self.rng
        communities = list(names.NAMED) + names.OTHER_COMMUNITIES
        plan: dict[str, list[tuple[str, str]]] = {c: list(names.NAMED.get(c, [])) for c in communities}
        for community, extra in names.EXTRA_NAMED.items():
            plan[community].extend(extra)
        used = {n for items in plan.values() for n, _k in items}
        dorm_owners = list(names.DORM_OWNERS)
        rng.shuffle(dorm_owners)
        for community in communities:
            while len(plan[community]) < 8:
                if dorm_owners and rng.random() < 0.18:
                    name, kind = f"{dorm_owners.pop()}宿舍", CompoundKind.DORMITORY
                else:
                    name = rng.choice(names.ESTATE_PREFIXES) + rng.choice(names.ESTATE_SUFFIXES)
                    kind = CompoundKind.RESIDENTIAL
                if name not in used:
                    used.add(name)
                    plan[community].append((name, kind))
        return plan

    def build_places(self) -> Place:
        rng = self.rng
        plan = self._compound_plan()
        n_compounds = sum(len(v) for v in plan.values())
        mean_households = TARGET_HOUSEHOLDS / n_compounds
        community_specs = []
        self.compound_meta: dict[str, dict] = {}
        for ci, (community, compounds) in enumerate(plan.items()):
            col, row = ci % 5, ci // 5
            c_lng = CENTRE_LNG - 0.025 + col * 0.011
            c_lat = CENTRE_LAT + 0.012 - row * 0.011
            c_geom = _rect(c_lng, c_lat, 0.0105, 0.0105, random.Random(ci))
            compound_specs = []
            for k, (name, kind) in enumerate(compounds):
                gx, gy = k % 3, k // 3
                geom = _rect(c_lng + 0.0006 + gx * 0.0033, c_lat + 0.0006 + gy * 0.0033, 0.0028, 0.0028, rng)
                lat, lng = _centroid(geom)
                if kind == CompoundKind.BUSINESS:
                    buildings, units, per_unit = 6, 1, 12
                elif kind == CompoundKind.DORMITORY:
                    buildings, units, per_unit = rng.randint(3, 8), rng.randint(1, 3), rng.choice([8, 10, 12])
                else:
                    per_unit = rng.choice([12, 14, 18, 22, 24])
                    units = rng.randint(2, 3)
                    buildings = max(2, round(mean_households * rng.uniform(0.6, 1.4) / (units * per_unit)))
                if name == "一职专宿舍":
                    buildings, units, per_unit = 6, 2, 12
                if name == "君临天下小区":
                    buildings, units, per_unit = 12, 2, 18
                households = buildings * units * per_unit
                fields = {
                    "compound_kind": kind, "boundary": geom, "centroid_lat": lat, "centroid_lng": lng,
                    "property_company": "" if kind == CompoundKind.DORMITORY and rng.random() < 0.5
                    else rng.choice(names.PROPERTY_COMPANIES),
                    "owners_committee": f"{name}业主委员会" if kind == CompoundKind.RESIDENTIAL and rng.random() < 0.6 else "",
                    "household_count": households, "resident_count": round(households * rng.uniform(2.3, 2.9)),
                }
                self.compound_meta[name] = {"kind": kind}
                building_specs = [
                    NodeSpec(PlaceKind.BUILDING, f"{b}号楼", children=[
                        NodeSpec(PlaceKind.UNIT, f"{u}单元", children=[
                            NodeSpec(PlaceKind.HOUSEHOLD, room) for room in _rooms(per_unit)
                        ]) for u in range(1, units + 1)
                    ]) for b in range(1, buildings + 1)
                ]
                compound_specs.append(NodeSpec(PlaceKind.COMPOUND, name, fields=fields, children=building_specs))
            c_lat_centre, c_lng_centre = _centroid(c_geom)
            community_specs.append(NodeSpec(PlaceKind.COMMUNITY, community, children=compound_specs, fields={
                "boundary": c_geom, "centroid_lat": c_lat_centre, "centroid_lng": c_lng_centre}))
        street_spec = NodeSpec(PlaceKind.STREET, names.STREET, children=community_specs,
                               fields={"centroid_lat": CENTRE_LAT, "centroid_lng": CENTRE_LNG})
        result = subtree_ensure(None, [street_spec])
        self.result.places = result.created
        street = Place.objects.get(depth=1, name=names.STREET)
        self._aliases(street)
        return street

    def _aliases(self, street: Place) -> None:
        aliases = []
        fixed = {"君临天下小区": ["君临天下", "君临天下花园"], "一职专宿舍": ["一职专", "职专宿舍", "第一职业中专宿舍"],
                 "香港街商圈": ["香港街", "香港街市场"], "公路局宿舍": ["公路局家属院"], "武装部宿舍": ["武装部家属院"]}
        for compound in Place.objects.filter(path__startswith=street.path, kind=PlaceKind.COMPOUND):
            extra = fixed.get(compound.name)
            if extra is None:
                base = compound.name.removesuffix("小区").removesuffix("宿舍")
                extra = [base] if base != compound.name else [compound.name + "小区"]
                if compound.compound_kind == CompoundKind.DORMITORY:
                    extra.append(compound.name.replace("宿舍", "家属院"))
            aliases.extend(PlaceAlias(place=compound, name=a) for a in extra)
        PlaceAlias.objects.bulk_create(aliases, ignore_conflicts=True)

    # --- people -------------------------------------------------------------------------------------
    def _name(self) -> str:
        rng = self.rng
        given = rng.choice(names.GIVEN) + (rng.choice(names.GIVEN) if rng.random() < 0.75 else "")
        return rng.choice(names.SURNAMES) + given

    def _phone(self) -> str:
        return f"1{self.rng.choice('3456789')}{self.rng.randint(0, 999999999):09d}"

    def _id_number(self, birth_year: int) -> str:
        rng = self.rng
        while True:
            birthday = date(birth_year, 1, 1) + timedelta(days=rng.randint(0, 364))
            first17 = f"370181{birthday:%Y%m%d}{rng.randint(0, 999):03d}"
            if first17 not in self._ids_used:
                self._ids_used.add(first17)
                return first17 + id_check_digit(first17)

    def build_people(self, street: Place) -> list[Person]:
        """One registered resident per household (the head of household), contact encrypted at rest."""
        rng = self.rng
        households = list(Place.objects.filter(path__startswith=street.path, kind=PlaceKind.HOUSEHOLD)
                          .only("id", "path").order_by("path"))
        people = []
        for household in households:
            birth_year = rng.randint(1940, 2000)
            phone = self._phone()
            id_number = self._id_number(birth_year) if rng.random() < 0.7 else ""
            people.append(Person(name=self._name(), gender=rng.choice("MF"), birth_year=birth_year, place=household,
                                 phone=phone, phone_hash=lookup_hash(phone), id_number=id_number,
                                 id_hash=lookup_hash(id_number)))
        Person.objects.bulk_create(people, batch_size=2000)
        self.result.persons = len(people)
        return list(Person.objects.filter(place__path__startswith=street.path).select_related("place")
                    .only("id", "place__id", "place__path", "place__kind").order_by("place__path"))

    # --- Party organisations ------------------------------------------------------------------------
    def build_party(self, street: Place, people: list[Person]) -> None:
        rng = self.rng
        by_prefix: dict[str, list[Person]] = {}
        for person in people:
            by_prefix.setdefault(person.place.ancestor_path(KIND_DEPTH[PlaceKind.COMPOUND]), []).append(person)
        communities = list(Place.objects.filter(path__startswith=street.path, kind=PlaceKind.COMMUNITY).order_by("path"))
        compounds = list(Place.objects.filter(path__startswith=street.path, kind=PlaceKind.COMPOUND).order_by("path"))
        buildings = list(Place.objects.filter(path__startswith=street.path, kind=PlaceKind.BUILDING).order_by("path"))
        units = list(Place.objects.filter(path__startswith=street.path, kind=PlaceKind.UNIT).order_by("path"))
        households_by_unit: dict[str, list[Place]] = {}
        for h in Place.objects.filter(path__startswith=street.path, kind=PlaceKind.HOUSEHOLD).only("id", "path").order_by("path"):
            households_by_unit.setdefault(h.parent_path, []).append(h)

        alloc = _PathAllocator(PartyOrg)
        orgs: list[PartyOrg] = []
        covers: list[tuple[PartyOrg, Place]] = []

        def add(parent: PartyOrg | None, **fields) -> PartyOrg:
            org = alloc.child(parent, **fields)
            orgs.append(org)
            return org

        root = add(None, level=OrgLevel.STREET_COMMITTEE, name=f"{street.name}党工委", place=street,
                   founded_on=date(2001, 7, 1))
        community_org = {}
        for community in communities:
            community_org[community.path] = add(root, level=OrgLevel.COMMUNITY_BRANCH, place=community,
                                                name=f"{community.name}党总支", founded_on=date(2010, 7, 1))

        # 75 compound branches: named compounds first, a few branches covering two adjacent compounds.
        named_first = sorted(compounds, key=lambda c: (c.name not in {"君临天下小区", "一职专宿舍", "公路局宿舍",
                                                                      "武装部宿舍", "香港街商圈"}, rng.random()))
        chosen, groups = set(), []
        for c in named_first:
            if len(groups) == 75:
                break
            if c.pk in chosen:
                continue
            group = [c]
            chosen.add(c.pk)
            if len(groups) >= 5 and rng.random() < 0.08:
                neighbour = next((o for o in compounds if o.pk not in chosen and o.parent_path == c.parent_path
                                  and o.compound_kind == c.compound_kind), None)
                if neighbour is not None:
                    group.append(neighbour)
                    chosen.add(neighbour.pk)
            groups.append(group)
        fixed_dates = {"君临天下小区": date(2022, 1, 12), "一职专宿舍": date(2021, 9, 16), "香港街商圈": date(2022, 5, 20)}
        span = (date(2022, 11, 30) - date(2021, 3, 1)).days
        branch_of: dict[int, PartyOrg] = {}
        for group in groups:
            head = group[0]
            founded = fixed_dates.get(head.name) or date(2021, 3, 1) + timedelta(days=rng.randint(0, span))
            is_business = head.compound_kind == CompoundKind.BUSINESS
            name = "香港街商圈联盟党支部" if is_business else f"{head.name.removesuffix('小区')}院落党支部"
            if len(group) > 1:
                name = f"{head.name.removesuffix('小区')}联合院落党支部"
            branch = add(community_org[head.parent_path], level=OrgLevel.COMPOUND_BRANCH, name=name, place=head,
                         founded_on=founded, kind=OrgKind.BUSINESS_ALLIANCE if is_business else OrgKind.REGULAR)
            for c in group:
                covers.append((branch, c))
                branch_of[c.pk] = branch

        # Building groups and central households under branches.
        compound_by_prefix = {c.path: c for c in compounds}
        group_of_building: dict[str, PartyOrg] = {}
        for b in buildings:
            compound = compound_by_prefix[b.parent_path]
            branch = branch_of.get(compound.pk)
            if branch is None or compound.compound_kind == CompoundKind.BUSINESS:
                continue
            if compound.name == "一职专宿舍" or rng.random() < 0.55:
                group_of_building[b.path] = add(branch, level=OrgLevel.BUILDING_GROUP, place=b,
                                                name=f"{compound.name} {b.name}党小组", founded_on=branch.founded_on)
        for u in units:
            group = group_of_building.get(u.parent_path)
            if group is None or (rng.random() > 0.6 and not group.name.startswith("一职专宿舍")):
                continue
            homes = households_by_unit.get(u.path, [])
            if not homes:
                continue
            centre = rng.choice(homes)
            org = add(group, level=OrgLevel.CENTRAL_HOUSEHOLD, place=centre,
                      name=f"{group.name.removesuffix('党小组')} {u.name} 党员中心户", founded_on=group.founded_on)
            for neighbour in homes[:10]:
                covers.append((org, neighbour))
        PartyOrg.objects.bulk_create(orgs, batch_size=1000)
        through = PartyOrg.covers.through
        through.objects.bulk_create([through(partyorg_id=o.pk, place_id=p.pk) for o, p in covers], batch_size=2000)
        self.result.orgs = len(orgs)

        hk = next((o for o in orgs if o.kind == OrgKind.BUSINESS_ALLIANCE), None)
        if hk is not None:
            ServiceStation.objects.create(org=hk, name="香港街商圈党群服务驿站", place=hk.place,
                                          services="党员活动、座谈交流、图书阅览、新就业群体休息")
        self._members(branch_of, by_prefix, orgs)

    def _members(self, branch_of, by_prefix, orgs) -> None:
        rng = self.rng
        compounds = {c.pk: c for c in Place.objects.filter(pk__in=branch_of)}
        members, committee = [], []
        used: set[int] = set()
        for compound_id, branch in branch_of.items():
            compound = compounds[compound_id]
            pool = [p for p in by_prefix.get(compound.path, []) if p.pk not in used]
            n = 25 if compound.name == "一职专宿舍" else rng.randint(6, 24)
            if branch.kind == OrgKind.BUSINESS_ALLIANCE:
                n = 14
            picked = rng.sample(pool, min(n, len(pool)))
            for i, person in enumerate(picked):
                used.add(person.pk)
                elsewhere = rng.random() < 0.18
                shows = compound.name == "一职专宿舍" or rng.random() < 0.6
                members.append(PartyMember(
                    person=person, org=branch, place=person.place,
                    registration=Registration.ELSEWHERE if elsewhere else Registration.LOCAL,
                    registered_with=rng.choice(names.WORK_UNITS) if elsewhere else "",
                    status=MemberStatus.PROBATIONARY if rng.random() < 0.05 else MemberStatus.FULL,
                    joined_on=date(rng.randint(1965, 2020), rng.randint(1, 12), 1),
                    reported_on=branch.founded_on + timedelta(days=rng.randint(0, 60)) if elsewhere else None,
                    shows_identity=shows, shows_identity_at=timezone.now() if shows else None,
                ))
                if i < 3 and compound.pk == branch.place_id:
                    committee.append(CommitteeMember(org=branch, person=person, role=names.COMMITTEE_ROLES[i],
                                                     term_start=branch.founded_on,
                                                     term_end=branch.founded_on.replace(year=branch.founded_on.year + 3)))
        PartyMember.objects.bulk_create(members, batch_size=2000)
        CommitteeMember.objects.bulk_create(committee)
        self.result.members = len(members)

    # --- responsibility (三长四员) ------------------------------------------------------------------
    def build_roles(self, street: Place, people: list[Person]) -> None:
        rng = self.rng
        types = role_catalogue_ensure(street=street)
        by_code = {t.code: t for t in types}
        people_by_building: dict[str, list[Person]] = {}
        for p in people:
            people_by_building.setdefault(p.place.ancestor_path(KIND_DEPTH[PlaceKind.BUILDING]), []).append(p)
        holders, areas = [], []
        compounds = Place.objects.filter(path__startswith=street.path, kind=PlaceKind.COMPOUND).order_by("path")
        buildings = list(Place.objects.filter(path__startswith=street.path, kind=PlaceKind.BUILDING).order_by("path"))
        units = list(Place.objects.filter(path__startswith=street.path, kind=PlaceKind.UNIT).order_by("path"))
        units_by_building: dict[str, list[Place]] = {}
        for u in units:
            units_by_building.setdefault(u.parent_path, []).append(u)
        buildings_by_compound: dict[str, list[Place]] = {}
        for b in buildings:
            buildings_by_compound.setdefault(b.parent_path, []).append(b)
        for compound in compounds:
            blds = buildings_by_compound.get(compound.path, [])
            if not blds:
                continue
            first_people = people_by_building.get(blds[0].path, [])
            if first_people:
                holders.append((RoleHolder(person=rng.choice(first_people), role=by_code["grid_head"], place=compound),
                                [compound]))
            for b in blds:
                residents = people_by_building.get(b.path, [])
                if not residents:
                    continue
                chosen = rng.sample(residents, min(len(residents), 4))
                holders.append((RoleHolder(person=chosen[0], role=by_code["building_head"], place=compound), [b]))
                for u, person in zip(units_by_building.get(b.path, []), chosen[1:], strict=False):
                    holders.append((RoleHolder(person=person, role=by_code["unit_head"], place=compound), [u]))
            aides = rng.sample(first_people, min(len(first_people), 4))
            for code, person in zip(["informant", "publicist", "mediator", "server"], aides, strict=False):
                holders.append((RoleHolder(person=person, role=by_code[code], place=compound), blds))
        RoleHolder.objects.bulk_create([h for h, _a in holders], batch_size=2000)
        through = RoleHolder.areas.through
        for holder, places in holders:
            areas.extend(through(roleholder_id=holder.pk, place_id=p.pk) for p in places)
        through.objects.bulk_create(areas, batch_size=2000)
        self.result.role_holders = len(holders)

    # --- accounts -----------------------------------------------------------------------------------
    def build_accounts(self, street: Place) -> None:
        def place(name: str, kind: str, under: Place | None = None) -> Place:
            qs = Place.objects.filter(kind=kind, name=name)
            if under is not None:
                qs = qs.filter(path__startswith=under.path)
            return qs.first()

        longquan = place("龙泉社区", PlaceKind.COMMUNITY)
        yuquan = place("御泉社区", PlaceKind.COMMUNITY)
        junlin = place("君临天下小区", PlaceKind.COMPOUND)
        zhizhuan = place("一职专宿舍", PlaceKind.COMPOUND)
        junlin_b1 = place("1号楼", PlaceKind.BUILDING, junlin)
        home = Place.objects.filter(path__startswith=junlin_b1.path, kind=PlaceKind.HOUSEHOLD).order_by("path").first()
        resident_person = Person.objects.filter(place=home).first()
        secretary = CommitteeMember.objects.filter(org__place=junlin, role="书记").select_related("person").first()
        leader = RoleHolder.objects.filter(place=junlin, role__code="building_head",
                                           areas=junlin_b1).select_related("person").first()
        personas = [
            ("street_cadre", Role.STREET_CADRE, street, None, True),
            ("longquan_worker", Role.COMMUNITY_WORKER, longquan, None, True),
            ("junlin_secretary", Role.BRANCH_SECRETARY, junlin, secretary.person if secretary else None, False),
            ("zhizhuan_secretary", Role.BRANCH_SECRETARY, zhizhuan, None, False),
            ("junlin_b1_leader", Role.BUILDING_LEADER, junlin_b1, leader.person if leader else None, False),
            ("courier_grid", Role.GRID_WORKER, longquan, None, False),
            ("junlin_volunteer", Role.VOLUNTEER, junlin, None, False),
            ("junlin_resident", Role.RESIDENT, home, resident_person, False),
            ("yuquan_bank", Role.PARTNER_UNIT, yuquan, None, False),
            ("sysadmin", Role.SYSTEM_ADMIN, street, None, True),
            ("secadmin", Role.SECURITY_ADMIN, None, None, True),
            ("auditor", Role.AUDIT_ADMIN, None, None, True),
        ]
        for username, role, node, person, staff in personas:
            user, password = user_create(username=username, role=role, place=node, person=person, is_demo=True,
                                         is_staff=staff)
            label = place_labels([node]).get(node.pk, node.name) if node else "—"
            self.result.accounts.append((username, password, str(Role(role).label), label))

    def build(self) -> DemoResult:
        with transaction.atomic():
            self.progress("区划 places")
            street = self.build_places()
            self.progress("居民 residents")
            people = self.build_people(street)
            self.progress("党组织 Party organisations")
            self.build_party(street, people)
            self.progress("三长四员 role holders")
            self.build_roles(street, people)
            self.progress("账号 accounts")
            self.build_accounts(street)
            self.progress("诉求 a year of cases")
            self.result.cases = build_case_history(street, seed=SEED + 1)
            self.progress("12345 热线工单 hotline orders")
            self.result.hotline = build_hotline_history(street, seed=SEED + 2)
            audit_record(action="demo.build", detail={"places": self.result.places, "persons": self.result.persons,
                                                      "orgs": self.result.orgs})
        return self.result


class _PathAllocator:
    """Hands out treebeard materialised paths for nodes built in memory and written with bulk_create."""

    def __init__(self, model):
        self.model = model
        last_root = model.objects.filter(depth=1).order_by("-path").first()
        self.next_step: dict[str, int] = {"": (model._str2int(last_root.path) if last_root else 0)}

    def child(self, parent, **fields):
        parent_path = parent.path if parent is not None else ""
        step = self.next_step.get(parent_path, 0) + 1
        self.next_step[parent_path] = step
        depth = (parent.depth + 1) if parent is not None else 1
        node = self.model(path=self.model._get_path(parent_path, depth, step), depth=depth, numchild=0, **fields)
        if parent is not None:
            parent.numchild += 1
        return node
