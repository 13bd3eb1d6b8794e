"""Two handlers acting on one case at once: the row lock lets exactly one succeed."""
import threading

import pytest
from django.db import OperationalError, connection, connections

from weizhili.cases.models import Case, Event, Status
from weizhili.cases.services import Actor, CaseError, case_create, case_transition


@pytest.mark.django_db(transaction=True)
def test_two_handlers_cannot_both_sign_the_same_case(flushable_audit, tree, categories, leader, staff):
    case = case_create(place=tree["east_household"], category=categories["sanitation"], description="路灯坏了需要修")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(user):
        try:
            barrier.wait()
            case_transition(case_id=case.pk, action="sign", actor=Actor(user))
            outcomes.append("ok")
        except CaseError:
            outcomes.append("refused")
        except OperationalError:  # SQLite's shared-cache lock: the loser is refused by the database
            outcomes.append("locked")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=act, args=(u,)) for u in (leader, staff["secretary"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(outcomes) == 2 and outcomes.count("ok") <= 1, outcomes
    signed = outcomes.count("ok")
    if connection.vendor == "postgresql":
        # the second waited for the row lock, then saw the new state and was refused
        assert sorted(outcomes) == ["ok", "refused"]
    # SQLite's in-memory test database refuses a concurrent writer at once ("locked"), sometimes both; a file
    # database in WAL mode (the default run) waits instead. Either way never two signatures:
    assert Event.objects.filter(case=case, action="sign").count() == signed
    assert Case.objects.get(pk=case.pk).status == (Status.HANDLING if signed else Status.DISPATCHED)
