import pytest
from django.db import connection

from . import factories


@pytest.fixture
def tree(db):
    return factories.street_tree()


@pytest.fixture
def personas(tree):
    """One account per role, each scoped the way the real platform assigns them."""
    from weizhili.accounts.models import Role

    mk = factories.make_user
    return {
        "street_cadre": mk(Role.STREET_CADRE, tree["street"], username="street"),
        "community_worker": mk(Role.COMMUNITY_WORKER, tree["east"], username="community"),
        "branch_secretary": mk(Role.BRANCH_SECRETARY, tree["east_compound"], username="secretary"),
        "building_leader": mk(Role.BUILDING_LEADER, tree["east_building"], username="leader"),
        "grid_worker": mk(Role.GRID_WORKER, tree["east"], username="grid"),
        "volunteer": mk(Role.VOLUNTEER, tree["east_compound"], username="volunteer"),
        "resident": mk(Role.RESIDENT, tree["east_household"], username="resident"),
        "partner_unit": mk(Role.PARTNER_UNIT, tree["east"], username="partner"),
        "outsider": mk(Role.RESIDENT, None, username="outsider"),
    }


@pytest.fixture
def flushable_audit(transactional_db):
    """Transactional tests end with a flush (DELETE on SQLite), which the append-only trigger refuses:
    lift the SQLite triggers for the flush and put them back for the next test. (PostgreSQL flushes with
    TRUNCATE, which row triggers do not see.)"""
    from weizhili.audit.migrations import _append_only as guard

    guard.install(connection)
    yield
    guard.remove(connection)
