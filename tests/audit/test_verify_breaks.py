"""What `audit_verify` returns for each kind of break, compared whole (rows checked, row id, reason): found by
mutation testing (bench/bench_mutation.py, audit digest), where a reason or the id of a break could change
without any test noticing."""
import pytest
from django.db import connection

from weizhili.audit.chain import GENESIS, row_digest
from weizhili.audit.models import AuditEntry
from weizhili.audit.services import ChainBreak, audit_record, audit_verify

TABLE = AuditEntry._meta.db_table
NEWEST_REMOVED = "the newest rows were removed (chain head does not match the last row)"


def _disable_guard(kind: str) -> None:
    """Switch off the database guard for this test's transaction only (rolled back with it)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER audit_append_only")
        else:
            cursor.execute(f"DROP TRIGGER {'audit_no_update' if kind == 'update' else 'audit_no_delete'}")


def _write(n: int) -> list[AuditEntry]:
    return [audit_record(action=f"test.write{i}", object_type="test.thing", object_id=i, detail={"n": i})
            for i in range(n)]


@pytest.mark.django_db
def test_an_altered_row_is_named_with_its_reason():
    rows = _write(4)
    _disable_guard("update")
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET object_id = %s WHERE id = %s", ["99", rows[2].pk])
    assert audit_verify() == (2, ChainBreak(rows[2].pk, "content does not match its hash (the row was altered)"))


@pytest.mark.django_db
def test_removed_newest_rows_name_no_row():
    # the break is after the last row left, so it names no row: id 0, which no row has (ids start at 1)
    rows = _write(3)
    _disable_guard("delete")
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [rows[-1].pk])
    assert audit_verify() == (2, ChainBreak(0, NEWEST_REMOVED))


@pytest.mark.django_db
def test_an_emptied_log_names_no_row():
    rows = _write(2)
    assert rows[0].pk >= 1
    _disable_guard("delete")
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")
    assert audit_verify() == (0, ChainBreak(0, NEWEST_REMOVED))


def _digest(detail) -> str:
    return row_digest(prev_hash=GENESIS, created_at="2026-01-01T00:00:00.000000Z", actor_id=3, actor_name="a",
                      action="test.x", object_type="t.t", object_id="1", result="ok", source="web", detail=detail)


def test_the_digest_does_not_depend_on_the_order_of_the_detail_s_keys():
    # PostgreSQL's jsonb gives a detail back with its keys in its own order (shorter keys first), so a digest
    # over the keys as written would not match the row read back
    assert _digest({"zz": 1, "a": {"y": 2, "b": 3}}) == _digest({"a": {"b": 3, "y": 2}, "zz": 1})


@pytest.mark.django_db
def test_a_detail_whose_keys_the_database_reorders_still_verifies():
    audit_record(action="test.keys", object_type="test.thing", object_id=1,
                 detail={"zzzz": 1, "a": 2, "mm": {"yyy": 1, "b": 2}})
    assert audit_verify() == (1, None)
