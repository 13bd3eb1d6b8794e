"""Writing and verifying the audit log. Every service calls `audit_record` inside its own transaction,
so a business write fails when its audit row cannot be written."""
import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from .chain import GENESIS, row_digest
from .context import current_actor
from .models import AuditEntry, AuditHead, AuditResult


def _stamp(value) -> str:
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@transaction.atomic
def audit_record(*, action: str, obj=None, object_type: str = "", object_id: str | int = "",
                 result: str = AuditResult.OK, detail: dict | None = None, user=None,
                 username: str | None = None) -> AuditEntry:
    actor = current_actor()
    actor_id = getattr(user, "pk", None) if user is not None else actor.user_id
    actor_name = username if username is not None else (user.get_username() if user is not None else actor.username)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    head, _created = AuditHead.objects.select_for_update().get_or_create(pk=1, defaults={"last_hash": GENESIS})
    now = timezone.now()
    fields = dict(
        created_at=now, actor_id=actor_id, actor_name=actor_name or "", action=action,
        object_type=object_type, object_id=str(object_id or ""), result=str(result), source=actor.source,
        detail=detail or {},
    )
    digest = row_digest(prev_hash=head.last_hash, **{**fields, "created_at": _stamp(now)})
    entry = AuditEntry.objects.create(prev_hash=head.last_hash, hash=digest, **fields)
    AuditHead.objects.filter(pk=1).update(last_hash=digest)
    return entry


@dataclass
class ChainBreak:
    entry_id: int
    reason: str


def audit_verify(batch: int = 5000) -> tuple[int, ChainBreak | None]:
    """Walk the chain in id order; return (rows checked, first break or None)."""
    head = AuditHead.objects.filter(pk=1).first()
    anchor = head.anchor_hash if head else GENESIS
    checked = 0
    prev: str = anchor
    for row in _iter_rows(batch):
        if row.prev_hash != prev:
            reason = ("the oldest rows were removed (the first row does not follow the chain's anchor)"
                      if checked == 0 else "prev_hash does not match the previous row (a row was removed or reordered)")
            return checked, ChainBreak(row.id, reason)
        expected = row_digest(
            prev_hash=row.prev_hash, created_at=_stamp(row.created_at), actor_id=row.actor_id,
            actor_name=row.actor_name, action=row.action, object_type=row.object_type, object_id=row.object_id,
            result=row.result, source=row.source, detail=row.detail,
        )
        if expected != row.hash:
            return checked, ChainBreak(row.id, "content does not match its hash (the row was altered)")
        prev = row.hash
        checked += 1
    if head and head.last_hash != prev:
        return checked, ChainBreak(0, "the newest rows were removed (chain head does not match the last row)")
    return checked, None


def _iter_rows(batch: int) -> Iterator[AuditEntry]:
    last_id = 0
    while True:
        rows = list(AuditEntry.objects.filter(id__gt=last_id).order_by("id")[:batch])
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id


def audit_purge(*, days: int) -> int:
    """Delete rows older than the retention period; never rows younger than 180 days. The chain's anchor moves
    to the first kept row, so verification still notices any other removal."""
    days = max(days, 180)
    cutoff = timezone.now() - timedelta(days=days)
    with transaction.atomic():
        head = AuditHead.objects.select_for_update().filter(pk=1).first()
        old = AuditEntry.objects.filter(created_at__lt=cutoff)
        last_old = old.order_by("-id").values_list("hash", flat=True).first()
        if last_old is None or head is None:
            return 0
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {AuditEntry._meta.db_table} WHERE created_at < %s", [cutoff])
            removed = cursor.rowcount
        AuditHead.objects.filter(pk=1).update(anchor_hash=last_old)
        return removed
