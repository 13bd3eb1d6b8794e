"""Writes a person makes on the hotline pages: start an import, map headers, fix where an order is."""
from __future__ import annotations

import re
import secrets
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weizhili.audit.services import audit_record
from weizhili.places.models import Place, PlaceAlias, PlaceKind

from .models import Band, ColumnMapping, HotlineOrder, ImportJob, JobStatus, LocateSource
from .reading import FIELDS

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
MIN_ALIAS_LENGTH = 3  # "小区" or "东院" would send other compounds' orders here
ALLOWED_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".csv", ".txt", ".ods"}


class HotlineError(ValueError):
    pass


def upload_dir() -> Path:
    return settings.VAR_DIR / "hotline" / "uploads"


def import_job_create(*, street: Place, user, upload) -> ImportJob:
    """Store the uploaded file privately and queue its import (the worker runs it)."""
    name = Path(upload.name or "file").name[:200]
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise HotlineError(_("只能上传 xlsx、xls 或 csv 文件"))
    if upload.size > MAX_UPLOAD_BYTES:
        raise HotlineError(_("文件超过 200 MB，请分月导出后分别上传"))
    folder = upload_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stored = folder / f"{timezone.now():%Y%m%d%H%M%S}-{secrets.token_hex(6)}{suffix}"
    with stored.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    job = ImportJob.objects.create(street=street, created_by=user, file_name=name, stored_path=str(stored))
    audit_record(action="hotline.upload", obj=job, user=user, detail={"file": name, "bytes": upload.size})
    from .tasks import import_job_run  # the task module imports the importer; keep this module light

    transaction.on_commit(lambda: import_job_run(job.pk))
    return job


def import_file_recorded(*, path, street: Place, user=None, **options):
    """Import a file outside the upload page (the `import-hotline` command, the demo) and record it as a job
    like an upload, so that the import history lists every import and the orders point to it
    (`last_import`). Returns (job, summary); a failed import is recorded as failed, then raised."""
    from .importing import import_file  # the importer pulls in the reader and the classifier: only when used

    job = ImportJob.objects.create(street=street, created_by=user, file_name=Path(path).name[:200],
                                   status=JobStatus.RUNNING, stage=_("命令行导入"))
    try:
        summary = import_file(path=path, street=street, job_id=job.pk, **options)
    except Exception as exc:
        ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, finished_at=timezone.now(),
                                                   message=str(exc)[:1000])
        raise
    ImportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.DONE, stage=_("完成"), rows_done=summary.rows_read, rows_total=summary.rows_read,
        summary=summary.as_dict(), error_path=summary.error_file, finished_at=timezone.now())
    job.refresh_from_db()
    return job, summary


def column_mapping_save(*, job: ImportJob, user, choices: dict[str, str]) -> None:
    """Remember what the unknown headers mean for this street, then queue the import again."""
    for field in choices.values():
        if field and field not in FIELDS:
            raise HotlineError(_("未知字段：%(field)s") % {"field": field})
    with transaction.atomic():
        for header, field in choices.items():
            ColumnMapping.objects.update_or_create(street=job.street, header=header[:100], defaults={"field": field})
        job.status = JobStatus.QUEUED
        job.message = ""
        job.save(update_fields=["status", "message"])
        audit_record(action="hotline.columns", obj=job, user=user, detail=choices)
    from .tasks import import_job_run

    transaction.on_commit(lambda: import_job_run(job.pk))


_ROOM_TAIL = re.compile(r"\d+(?:号楼|栋|幢|#|单元|室|-).*$")


@transaction.atomic
def order_locate(*, order: HotlineOrder, compound: Place, user, add_alias: str = "") -> HotlineOrder:
    """A person says where the order is; optionally the address's place name becomes an alias of the compound,
    so the next import finds it by itself."""
    if compound.kind != PlaceKind.COMPOUND or not compound.path.startswith(order.street.path):
        raise HotlineError(_("请选择本街道的一个院落"))
    community = Place.objects.filter(path=compound.parent_path).first()
    order.compound = compound
    order.community = community
    order.place = compound
    order.building = None
    order.building_no = order.unit_no = None  # they were read for the old place
    order.room = ""
    order.repeat_group = order.pk  # regrouped with its new neighbours by the next import
    order.locate_confidence = 1.0
    order.locate_band = Band.HIGH
    order.locate_source = LocateSource.MANUAL
    order.updated_at = timezone.now()
    order.save(update_fields=["compound", "community", "place", "building", "building_no", "unit_no", "room",
                              "repeat_group", "locate_confidence", "locate_band", "locate_source", "updated_at"])
    alias = add_alias.strip()[:100]
    if alias and len(alias) < MIN_ALIAS_LENGTH:
        raise HotlineError(_("别名至少 %(n)d 个字，太短会把别处的工单也认成这个院落") % {"n": MIN_ALIAS_LENGTH})
    if alias:
        PlaceAlias.objects.get_or_create(place=compound, name=alias)
    audit_record(action="hotline.locate", obj=order, user=user,
                 detail={"compound": compound.pk, "alias": alias})
    return order


def alias_suggestion(address: str, street: Place) -> str:
    """The part of an address after the street's name and before the building/room numbers, e.g.
    "济南市章丘区明水街道君临天下3#2-501" → "君临天下"."""
    text = address.strip()
    cut = text.find(street.name)
    if cut >= 0:
        text = text[cut + len(street.name):]
    return _ROOM_TAIL.sub("", text)[:30]
