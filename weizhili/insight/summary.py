"""The counts an operator checks after an import or upgrade. Later domains add their own sections here."""
from django.db.models import Count

from weizhili.accounts.models import User
from weizhili.cases.models import Case, Status
from weizhili.cases.selectors import overdue_now
from weizhili.hotline.models import Band, HotlineOrder
from weizhili.party.models import OrgLevel, PartyMember, PartyOrg, Registration, RoleHolder
from weizhili.people.models import Person
from weizhili.places.models import Place, PlaceKind


def _by(qs, field: str, choices) -> dict[str, int]:
    counts = dict(qs.values_list(field).annotate(n=Count("id")).order_by())
    return {value: counts.get(value, 0) for value in choices}


def summary() -> dict:
    return {
        "places": _by(Place.objects.all(), "kind", PlaceKind.values),
        "party_orgs": _by(PartyOrg.objects.all(), "level", OrgLevel.values),
        "members": {"total": PartyMember.objects.count(),
                    **_by(PartyMember.objects.all(), "registration", Registration.values),
                    "shows_identity": PartyMember.objects.filter(shows_identity=True).count()},
        "persons": Person.objects.count(),
        "role_holders": RoleHolder.objects.count(),
        "cases": {"total": Case.objects.count(), **_by(Case.objects.all(), "status", Status.values),
                  "overdue_open": overdue_now(Case.objects.all()).count(),  # 当前超期, as on the pages
                  **{f"card_{c}": n for c, n in _by(Case.objects.open(), "card", ["yellow", "red"]).items()}},
        "hotline_orders": {"total": HotlineOrder.objects.count(),
                           **_by(HotlineOrder.objects.all(), "locate_band", Band.values),
                           "predicted": HotlineOrder.objects.filter(category="").exclude(predicted_category="").count(),
                           "linked_to_cases": HotlineOrder.objects.filter(case__isnull=False).count()},
        "users": {"total": User.objects.count(), "active": User.objects.filter(is_active=True).count(),
                  "demo": User.objects.filter(is_demo=True).count()},
    }
