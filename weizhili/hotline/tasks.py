"""The import runs in the worker; the page polls the job row for its stage and progress."""
import time
from pathlib import Path

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _
from huey.contrib.djhuey import db_task

from weizhili.audit.services import audit_record

from .models import ImportJob, JobStatus

PROGRESS_EVERY = 1.0  # seconds between progress writes
PROGRESS_TTL = 6 * 3600


def progress_key(job_id: int) -> str:
    return f"hotline-import-progress-{job_id}"


def _discard_upload(job: ImportJob) -> None:
    """The uploaded export may carry callers' names and numbers the platform does not keep: delete it once the
    import has finished or failed (kept only while headers still need mapping)."""
    Path(job.stored_path).unlink(missing_ok=True)


@db_task()
def import_job_run(job_id: int) -> str:
    from .importing import HeaderError, import_file
    from .reading import ReadError

    job = ImportJob.objects.select_related("street").get(pk=job_id)
    if not job.stored_path or not Path(job.stored_path).is_file():
        ImportJob.objects.filter(pk=job_id).update(status=JobStatus.FAILED, finished_at=timezone.now(),
                                                   message=_("上传的文件已不存在，请重新上传"))
        return "failed"
    ImportJob.objects.filter(pk=job_id).update(status=JobStatus.RUNNING, stage=_("读取文件"), rows_done=0)
    last = 0.0

    def progress(stage: str, done: int, total: int | None) -> None:
        # The import runs in one transaction: a write to the job row would not be seen before it commits.
        # The page reads the progress from the cache (Redis in production) instead.
        nonlocal last
        now = time.monotonic()
        if now - last >= PROGRESS_EVERY or stage != job.stage:
            last = now
            job.stage = stage
            cache.set(progress_key(job_id), {"stage": str(stage)[:40], "rows_done": done, "rows_total": total},
                      PROGRESS_TTL)

    error_path = job.stored_path + ".errors.xlsx"
    try:
        summary = import_file(path=job.stored_path, street=job.street, job_id=job.pk, progress=progress,
                              error_path=error_path)
    except HeaderError as exc:
        ImportJob.objects.filter(pk=job_id).update(
            status=JobStatus.NEEDS_MAPPING, message=str(exc), finished_at=timezone.now(),
            summary={"unknown_headers": exc.header_map.unknown, "missing": exc.header_map.missing})
        return "mapping"
    except ReadError as exc:
        ImportJob.objects.filter(pk=job_id).update(status=JobStatus.FAILED, message=str(exc),
                                                   finished_at=timezone.now())
        _discard_upload(job)
        return "failed"
    except Exception as exc:  # the import rolled back; say so on the page, keep the trace in the worker log
        ImportJob.objects.filter(pk=job_id).update(
            status=JobStatus.FAILED, finished_at=timezone.now(),
            message=_("导入中断，数据未做任何改动，可重新导入：%(error)s") % {"error": exc})
        _discard_upload(job)
        raise
    _discard_upload(job)
    cache.delete(progress_key(job_id))
    result = summary.as_dict()
    ImportJob.objects.filter(pk=job_id).update(
        status=JobStatus.DONE, stage=_("完成"), rows_done=summary.rows_read, rows_total=summary.rows_read,
        summary=result, error_path=summary.error_file, finished_at=timezone.now(), message="")
    audit_record(action="hotline.import", obj=job, user=job.created_by, detail={
        k: result[k] for k in ("rows_read", "imported", "updated", "failed")})
    return "done"


@db_task()
def model_train_run(street_id: int, user_id: int | None) -> str:
    from weizhili.accounts.models import User
    from weizhili.places.models import Place

    from .classes import category_model_train, orders_reclassify

    street = Place.objects.get(pk=street_id)
    record = category_model_train(street=street, user=User.objects.filter(pk=user_id).first())
    orders_reclassify(street=street)
    return f"{record.accuracy:.4f}"
