from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from weizhili.accounts.models import Role
from weizhili.cases.services import categories_ensure
from weizhili.party.models import RoleHolder
from weizhili.party.services import role_catalogue_ensure

from .. import factories

TZ = ZoneInfo("Asia/Shanghai")
# Monday 2026-03-02 09:00, an ordinary working week
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)


@pytest.fixture
def categories(tree):
    return {c.code: c for c in categories_ensure(street=tree["street"])}


@pytest.fixture
def leader(tree, personas):
    """The building leader of 东苑小区 1号楼, who handles that building's cases (包干)."""
    user = personas["building_leader"]
    person = factories.make_person(tree["east_building"], name="楼长甲")
    user.person = person
    user.save(update_fields=["person"])
    types = {t.code: t for t in role_catalogue_ensure(street=tree["street"])}
    holder = RoleHolder.objects.create(person=person, role=types["building_head"], place=tree["east_compound"])
    holder.areas.add(tree["east_building"])
    return user


@pytest.fixture
def staff(personas):
    return {"secretary": personas["branch_secretary"], "community": personas["community_worker"],
            "street": personas["street_cadre"], "resident": personas["resident"]}


__all__ = ["T0", "TZ", "Role"]
