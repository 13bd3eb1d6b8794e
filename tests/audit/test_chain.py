"""The audit log: append-only in the model and in the database, hash-chained, verifiable, and a business write
fails when its audit row cannot be written."""
import io
from datetime import UTC, timedelta
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from weizhili.audit.chain import GENESIS, row_digest
from weizhili.audit.models import AuditEntry, AuditHead
from weizhili.audit.services import audit_purge, audit_record, audit_verify
from weizhili.people.models import Person
from weizhili.people.services import person_create

from ..factories import PASSWORD, make_user

TABLE = AuditEntry._meta.db_table


def _disable_guard(kind: str) -> None:
    """Switch off the database guard for this test's transaction only (rolled back with it)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER audit_append_only")
        elif connection.vendor == "sqlite":
            cursor.execute(f"DROP TRIGGER {'audit_no_update' if kind == 'update' else 'audit_no_delete'}")
        else:  # pragma: no cover
            pytest.skip(f"no audit guard on {connection.vendor}")


def _write(n: int) -> list[AuditEntry]:
    return [audit_record(action=f"test.write{i}", object_type="test.thing", object_id=i, detail={"n": i})
            for i in range(n)]


def _verify() -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("audit-verify", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _verify_fails() -> str:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("audit-verify", stdout=out, stderr=err)
    assert exc.value.returncode == 1
    return err.getvalue()


@pytest.mark.django_db
def test_rows_are_chained():
    rows = _write(4)
    assert rows[0].prev_hash == GENESIS
    for before, after in zip(rows, rows[1:], strict=False):
        assert after.prev_hash == before.hash
    assert len({r.hash for r in rows}) == 4
    assert AuditHead.objects.get(pk=1).last_hash == rows[-1].hash


@pytest.mark.django_db
def test_service_writes_are_chained_too(tree):
    before = _write(1)[0]
    person = person_create(name="张三明", place=tree["east_household"], phone="13812345678")
    entry = AuditEntry.objects.get(action="person.create", object_id=str(person.pk))
    assert entry.object_type == "people.person"
    assert entry.prev_hash == before.hash
    assert audit_verify()[1] is None


@pytest.mark.django_db
def test_verify_succeeds_on_an_intact_chain():
    _write(5)
    out, err = _verify()
    assert "5 rows verified" in out and err == ""


@pytest.mark.django_db
def test_verify_reads_the_log_in_batches(django_assert_num_queries):
    # memory stays bounded on a log of millions of rows: the head, then batches of `batch` rows until one is empty
    _write(5)
    with django_assert_num_queries(1 + 3 + 1):
        assert audit_verify(batch=2) == (5, None)


@pytest.mark.django_db
def test_verify_checks_rows_written_by_a_user(tree):
    user = make_user("community_worker", tree["east"], username="worker")
    rows = [audit_record(action="test.by_user", user=user, detail={"i": i}) for i in range(2)]
    assert rows[0].actor_id == user.pk and rows[0].actor_name == "worker"
    assert audit_verify() == (AuditEntry.objects.count(), None)
    _disable_guard("update")
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET actor_id = %s WHERE id = %s", [user.pk + 1, rows[1].pk])
    assert audit_verify()[1].entry_id == rows[1].pk


@pytest.mark.django_db
def test_each_kind_of_break_is_named_exactly():
    rows = _write(4)
    _disable_guard("delete")
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [rows[1].pk])
    checked, found = audit_verify()
    assert (checked, found.entry_id) == (1, rows[2].pk)
    assert found.reason == "prev_hash does not match the previous row (a row was removed or reordered)"
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [rows[0].pk])
    checked, found = audit_verify()
    assert (checked, found.entry_id) == (0, rows[2].pk)
    assert found.reason == "the oldest rows were removed (the first row does not follow the chain's anchor)"


@pytest.mark.django_db
def test_verify_succeeds_on_an_empty_log():
    out, _err = _verify()
    assert "0 rows verified" in out


@pytest.mark.django_db
def test_verify_names_a_tampered_row():
    rows = _write(5)
    target = rows[2]
    _disable_guard("update")
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET action = %s WHERE id = %s", ["test.innocent", target.pk])
    assert AuditEntry.objects.get(pk=target.pk).action == "test.innocent"
    err = _verify_fails()
    assert f"id={target.pk}:" in err
    assert "altered" in err


@pytest.mark.django_db
def test_verify_detects_a_changed_detail():
    rows = _write(3)
    _disable_guard("update")
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET actor_name = %s WHERE id = %s", ["someone-else", rows[0].pk])
    assert f"id={rows[0].pk}:" in _verify_fails()


@pytest.mark.django_db
def test_verify_detects_a_deleted_middle_row():
    rows = _write(5)
    _disable_guard("delete")
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [rows[2].pk])
    err = _verify_fails()
    assert f"id={rows[3].pk}:" in err  # the first row whose link no longer matches
    assert "removed" in err


@pytest.mark.django_db
def test_verify_detects_a_deleted_row_whose_successor_was_relinked():
    """Deleting a row and pointing the next row's prev_hash at the row before it keeps every link intact;
    only a digest that covers prev_hash notices that the relinked row was altered."""
    rows = _write(5)
    _disable_guard("delete")
    _disable_guard("update")
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [rows[2].pk])
        cursor.execute(f"UPDATE {TABLE} SET prev_hash = %s WHERE id = %s", [rows[1].hash, rows[3].pk])
    err = _verify_fails()
    assert f"id={rows[3].pk}:" in err
    assert "altered" in err


DIGEST_FIELDS = dict(
    prev_hash="a" * 64, created_at="2026-03-02T01:00:00.000000Z", actor_id=7, actor_name="worker",
    action="case.create", object_type="cases.case", object_id="42", result="ok", source="127.0.0.1",
    detail={"n": 1, "说明": "测试"},
)


def test_digest_is_stable():
    # Rows written by earlier releases must keep verifying: the digest's format is fixed.
    assert row_digest(**DIGEST_FIELDS) == "c289c433855062d89b49ad6e980267ac82fbc5e84b54af7501b0b3d05ff4ecf5"


@pytest.mark.parametrize("field", sorted(DIGEST_FIELDS))
def test_digest_covers_every_field(field):
    changed = {"prev_hash": "b" * 64, "actor_id": 8, "detail": {"n": 2, "说明": "测试"}}.get(
        field, f"{DIGEST_FIELDS[field]}x")
    assert row_digest(**{**DIGEST_FIELDS, field: changed}) != row_digest(**DIGEST_FIELDS)


@pytest.mark.django_db
def test_each_row_s_hash_covers_the_previous_row_s_hash():
    rows = _write(3)
    for row in rows:
        fields = dict(created_at=row.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                      actor_id=row.actor_id, actor_name=row.actor_name, action=row.action,
                      object_type=row.object_type, object_id=row.object_id, result=row.result,
                      source=row.source, detail=row.detail)
        assert row.hash == row_digest(prev_hash=row.prev_hash, **fields)
        assert row.hash != row_digest(prev_hash=GENESIS if row.prev_hash != GENESIS else "f" * 64, **fields)


@pytest.mark.django_db
def test_verify_detects_deleted_newest_rows():
    rows = _write(4)
    _disable_guard("delete")
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [rows[-1].pk])
    assert "newest rows were removed" in _verify_fails()


@pytest.mark.django_db
def test_verify_detects_deleted_oldest_rows():
    rows = _write(4)
    _disable_guard("delete")
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [rows[0].pk])
    err = _verify_fails()
    assert f"id={rows[1].pk}:" in err and "oldest rows were removed" in err


@pytest.mark.django_db
def test_verify_detects_an_emptied_log():
    rows = _write(3)
    _disable_guard("delete")
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id IN (%s, %s, %s)", [r.pk for r in rows])
    assert "newest rows were removed" in _verify_fails()


@pytest.mark.django_db
def test_model_refuses_to_change_or_delete_a_row():
    entry = _write(1)[0]
    entry.action = "test.changed"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="test.changed")
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.write0"
    assert audit_verify()[1] is None


@pytest.mark.django_db
def test_database_refuses_raw_update_and_delete():
    entry = _write(2)[0]
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET action = %s WHERE id = %s", ["test.changed", entry.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()  # the ORM's bulk delete bypasses the model
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.write0"
    assert AuditEntry.objects.count() == 2


@pytest.mark.django_db
def test_purge_keeps_rows_younger_than_180_days():
    with time_machine.travel(timezone.now() - timedelta(days=200)):
        old = _write(2)
    with time_machine.travel(timezone.now() - timedelta(days=170)):
        middle = _write(1)
    young = _write(1)
    removed = audit_purge(days=30)  # asks for less than the minimum: 180 days are kept regardless
    assert removed == 2
    remaining = set(AuditEntry.objects.values_list("pk", flat=True))
    assert remaining == {middle[0].pk, young[0].pk}
    assert not remaining & {r.pk for r in old}
    assert audit_verify()[1] is None  # purging the oldest rows does not break the chain
    assert AuditHead.objects.get(pk=1).anchor_hash == old[-1].hash


@pytest.mark.django_db
def test_business_write_fails_when_its_audit_row_cannot_be_written(tree):
    with mock.patch.object(AuditEntry.objects, "create", side_effect=DatabaseError("audit store down")):
        with pytest.raises(DatabaseError):
            person_create(name="张三明", place=tree["east_household"], phone="13812345678")
    assert not Person.objects.filter(name="张三明").exists()
    assert not AuditEntry.objects.filter(action="person.create").exists()


@pytest.mark.django_db
def test_login_fails_when_its_audit_row_cannot_be_written(tree):
    make_user("community_worker", tree["east"], username="worker")
    client = Client(raise_request_exception=False)
    with mock.patch.object(AuditEntry.objects, "create", side_effect=DatabaseError("audit store down")):
        response = client.post(reverse("accounts:login"), {"username": "worker", "password": PASSWORD})
    assert response.status_code == 500
    assert "_auth_user_id" not in client.session
