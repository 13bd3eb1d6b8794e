"""Import a 12345 export: read and check each row, locate and classify it, stage it, then upsert in one statement.

Flow (set-based, streaming, no half state):
1. rows are read and parsed one at a time (`reading`), located by the street's gazetteer, classified in
   batches where the order came without a class, and written in chunks into a TEMP staging table
   (PostgreSQL: COPY; SQLite: executemany). Nothing of the street's data has changed yet: an interruption
   here leaves nothing behind (the temp table dies with the connection).
2. one transaction: one INSERT .. SELECT .. ON CONFLICT (street, order number) DO UPDATE moves the staged
   rows in (a re-import updates, never duplicates; a person's manual location is kept), repeat groups are
   recomputed for the months touched, and orders are linked to cases set-based.
Bad rows are reported by row number, column and reason in an error file; the rest imports.
"""
from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from weizhili.places.models import Place
from weizhili.text.address import Gazetteer

from . import reading
from .categories import CategoryMapper, category_map
from .classes import active_model
from .gazetteer import street_gazetteer
from .links import link_cases
from .models import ColumnMapping, HotlineOrder
from .repeats import repeats_refresh

logger = logging.getLogger(__name__)
CHUNK = 20_000
ADVISORY_LOCK_CLASS = 12345  # pg_advisory_xact_lock(class, street id): imports of one street run one at a time
Progress = Callable[[str, int, int | None], None]

ORDER_FIELDS = ("order_no", "received_at", "content", "category", "address", "handling_unit", "closed_at",
                "resolved", "satisfaction", "urgency", "responded_at")
LOCATION_FIELDS = ("place_id", "community_id", "compound_id", "building_id", "building_no", "unit_no", "room",
                   "locate_confidence", "locate_band", "locate_source")
CLASS_FIELDS = ("predicted_category", "predicted_confidence", "case_category")
STAGE_FIELDS = ORDER_FIELDS + LOCATION_FIELDS + CLASS_FIELDS

_PG_TYPES = {"received_at": "timestamptz", "closed_at": "timestamptz", "responded_at": "timestamptz",
             "resolved": "boolean", "place_id": "bigint", "community_id": "bigint", "compound_id": "bigint",
             "building_id": "bigint", "building_no": "integer", "unit_no": "integer",
             "locate_confidence": "double precision", "predicted_confidence": "double precision"}


class HeaderError(Exception):
    """The file's headers lack required fields; a person maps the unknown headers once, then it imports."""

    def __init__(self, header_map: reading.HeaderMap):
        self.header_map = header_map
        required = [f for f in header_map.missing if f not in reading.ONE_OF]
        either = [f for f in header_map.missing if f in reading.ONE_OF]
        parts = [reading.FIELD_LABELS[f] for f in required]
        if either:
            parts.append(_("或").join(reading.FIELD_LABELS[f] for f in either))
        labels = "、".join(parts)
        super().__init__(_("缺少必需的列：%(labels)s。请在页面上为未识别的表头指定对应字段。") % {"labels": labels})


@dataclass
class Summary:
    rows_read: int = 0
    imported: int = 0
    updated: int = 0
    failed: int = 0
    duplicates: int = 0
    located: dict[str, int] = field(default_factory=lambda: {"high": 0, "medium": 0, "low": 0, "none": 0})
    classified: int = 0
    repeat_groups: int = 0
    repeat_orders: int = 0
    linked_cases: int = 0
    created_cases: int = 0
    unknown_headers: list[str] = field(default_factory=list)
    error_file: str = ""
    cases_failed: int = 0  # open orders whose case could not be opened (named in cases_error)
    cases_error: str = ""  # opening cases failed after the orders were imported
    first_at: str = ""
    last_at: str = ""
    seconds: float = 0.0
    stage_seconds: dict[str, float] = field(default_factory=dict)

    def timed(self, stage: str, started: float) -> float:
        now = time.perf_counter()
        self.stage_seconds[stage] = round(self.stage_seconds.get(stage, 0.0) + now - started, 3)
        return now

    def as_dict(self) -> dict:
        return asdict(self)


def _silent(stage: str, done: int, total: int | None) -> None:
    pass


def saved_mapping(street: Place) -> dict[str, str]:
    return dict(ColumnMapping.objects.filter(street=street).values_list("header", "field"))


def import_file(*, path: str | Path, street: Place, job_id: int | None = None, progress: Progress = _silent,
                error_path: str | Path | None = None, language: str = "zh", create_cases: bool = True,
                gazetteer: Gazetteer | None = None) -> Summary:
    """Import one file for `street`. Raises reading.ReadError (unreadable file) or HeaderError (columns)."""
    started = time.perf_counter()
    summary = Summary()
    path = Path(path)
    saved = saved_mapping(street)
    sheet = reading.open_sheet(path, saved=saved)
    with connection.cursor() as cursor:
        try:
            header_map = sheet.map_headers(saved)
            summary.unknown_headers = list(header_map.unknown)
            if header_map.missing:
                raise HeaderError(header_map)
            gazetteer = gazetteer or street_gazetteer(street)
            model = active_model(street)
            mapper = CategoryMapper(category_map(street))
            problems: list[reading.RowProblem] = []
            total = sheet.total_rows or sheet.estimated_rows
            _stage_create(cursor)
            pg = connection.vendor == "postgresql"
            # PostgreSQL: one transaction from the first chunk (each chunk's upsert overlaps the parsing of the
            # next). SQLite: stage in the temp table first (no lock on the main database meanwhile, so the site
            # keeps working), then one short transaction moves everything in.
            with transaction.atomic() if pg else contextlib.nullcontext():
                if pg:  # one import per street at a time: two would regroup from each other's half-moved rows
                    cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [ADVISORY_LOCK_CLASS, street.pk])
                writer = _ChunkWriter(cursor, street, job_id, summary)
                try:
                    first, last = _stage_rows(writer, sheet, header_map, street, gazetteer, model, mapper,
                                              summary, problems, progress, total)
                    sheet.close()  # a workbook's cells are held in memory until here: free them now
                    del model
                    writer.finish()
                except BaseException:
                    writer.abandon()  # the connection must be idle before the rollback
                    raise
                with contextlib.nullcontext() if pg else transaction.atomic():
                    progress(_("写入数据库"), summary.rows_read, total)
                    writer.move_in()
                    if pg:
                        cursor.execute(f"ANALYZE {HotlineOrder._meta.db_table}")  # fresh statistics for what follows
                    t = time.perf_counter()
                    if first is not None and last is not None:
                        summary.first_at, summary.last_at = first.isoformat(), last.isoformat()
                        progress(_("查找重复工单"), summary.rows_read, total)
                        summary.repeat_groups, summary.repeat_orders = repeats_refresh(
                            street=street, start=first, end=last, timings=summary.stage_seconds)
                        t = summary.timed("repeats", t)
                    summary.linked_cases = link_cases(street=street)
                    summary.timed("link_cases", t)
        finally:
            sheet.close()
            cursor.execute("DROP TABLE IF EXISTS hotline_stage")
    if create_cases:
        from .links import cases_for_open_orders  # the case loop's services: only when asked

        progress(_("为未办结工单建案件"), summary.rows_read, total)
        t = time.perf_counter()
        try:
            opening = cases_for_open_orders(street=street)
        except Exception as exc:  # the orders are in (committed); say what did not happen instead of failing
            logger.exception("hotline: opening cases for open orders failed")
            summary.cases_error = str(exc)[:300]
        else:  # each order whose case could not be opened is named; the others' cases are open
            summary.created_cases, summary.cases_failed = opening.created, len(opening.failed)
            summary.cases_error = opening.message()[:300]
        summary.timed("create_cases", t)
    summary.failed = len(problems)
    if problems:
        target = Path(error_path) if error_path else path.with_name(path.stem + ".errors.xlsx")
        reading.write_problems(problems, target, language=language)
        summary.error_file = str(target)
    summary.seconds = round(time.perf_counter() - started, 2)
    progress(_("完成"), summary.rows_read, summary.rows_read)
    return summary


def _stage_create(cursor) -> None:
    cursor.execute("DROP TABLE IF EXISTS hotline_stage")
    if connection.vendor == "postgresql":
        columns = ", ".join(f"{f} {_PG_TYPES.get(f, 'text')}" for f in STAGE_FIELDS)
    else:
        columns = ", ".join(STAGE_FIELDS)
    cursor.execute(f"CREATE TEMP TABLE hotline_stage ({columns})")


def _stage_rows(writer, sheet, header_map, street, gazetteer, model, mapper, summary, problems, progress,
                total) -> tuple[datetime | None, datetime | None]:
    seen: dict[str, int] = {}
    first = last = None
    street_id = street.pk
    located = summary.located
    adapt = connection.ops.adapt_datetimefield_value if connection.vendor == "sqlite" else None
    match = gazetteer.match
    chunk: list[list] = []
    unclassified: list[int] = []  # positions in chunk whose order came without a class

    def flush() -> None:
        t = time.perf_counter()
        if unclassified and model is not None:
            texts = [chunk[i][2] or chunk[i][4] for i in unclassified]
            for i, prediction in zip(unclassified, model.predict(texts), strict=True):
                row = chunk[i]
                row[21], row[22] = prediction.label, round(prediction.confidence, 4)
                row[23] = mapper(prediction.label)
            summary.classified += len(unclassified)
        summary.timed("classify", t)
        writer.finish()  # the connection must be idle for the progress write (the job page reads it)
        progress(_("读取并定位"), summary.rows_read, total)
        writer.write(chunk)
        chunk.clear()
        unclassified.clear()

    loop_started = time.perf_counter()
    for item in reading.parse_rows(sheet, header_map):
        summary.rows_read += 1
        if isinstance(item, reading.RowProblem):
            problems.append(item)
            continue
        earlier = seen.get(item.order_no)
        if earlier is not None:
            summary.duplicates += 1
            problems.append(reading.RowProblem(item.row_no, reading.FIELD_LABELS["order_no"], item.order_no,
                                               format_lazy(_lazy("工单编号与第 {row} 行重复，本行未导入"), row=earlier)))
            continue
        seen[item.order_no] = item.row_no
        received = item.received_at
        if first is None or received < first:
            first = received
        if last is None or received > last:
            last = received
        m = match(item.address, item.content)
        located[m.band] += 1
        place_id = m.compound_id or m.community_id or street_id
        row = [
            item.order_no, received, item.content, item.category, item.address, item.handling_unit,
            item.closed_at, item.resolved, item.satisfaction, item.urgency, item.responded_at,
            place_id, m.community_id, m.compound_id, m.building_id, m.building_no, m.unit_no, m.room or "",
            round(m.confidence, 3), m.band, m.source, "", None, mapper(item.category),
        ]
        if adapt is not None:
            row[1] = adapt(received)
            row[6] = adapt(item.closed_at) if item.closed_at else None
            row[10] = adapt(item.responded_at) if item.responded_at else None
        if not item.category:
            unclassified.append(len(chunk))
        chunk.append(row)
        if len(chunk) >= CHUNK:
            flush()
    if chunk:
        flush()
    # what is left of the loop's time: reading, parsing and locating (measured as a whole, not per row)
    summary.stage_seconds["read_parse_locate"] = round(time.perf_counter() - loop_started - sum(
        summary.stage_seconds.get(k, 0.0) for k in ("classify", "stage_write", "upsert", "upsert_wait")), 3)
    return first, last


class _ChunkWriter:
    """Moves each chunk in: COPY into the staging table, then one INSERT … ON CONFLICT (PostgreSQL); on SQLite
    chunks are only staged and `move_in` moves them all at the end.

    On PostgreSQL the INSERT is sent without waiting for it (libpq's asynchronous send): the server works on it
    on the other core while this process reads, locates and classifies the next chunk; its result is collected
    before the next chunk is staged. Everything runs inside the caller's transaction, so an interruption still
    leaves nothing behind."""

    def __init__(self, cursor, street: Place, job_id: int | None, summary: Summary) -> None:
        self.cursor, self.street, self.job_id, self.summary = cursor, street, job_id, summary
        self.pg = connection.vendor == "postgresql"
        self.pending = False
        self.sql = _upsert_sql(self.pg)

    def write(self, rows: list[list]) -> None:
        self.finish()
        t = time.perf_counter()
        cursor = self.cursor
        if self.pg:
            cursor.execute("TRUNCATE hotline_stage")
            with cursor.cursor.copy(f"COPY hotline_stage ({', '.join(STAGE_FIELDS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            t = self.summary.timed("stage_write", t)
            pgconn = cursor.cursor.connection.pgconn
            params = [str(self.street.pk).encode(), str(self.job_id).encode() if self.job_id else None,
                      timezone.now().isoformat().encode(), HotlineOrder._meta.db_table.encode()]
            pgconn.send_query_params(self.sql.encode(), params)
            self.pending = True
            return
        marks = ", ".join(["%s"] * len(STAGE_FIELDS))
        cursor.executemany(f"INSERT INTO hotline_stage VALUES ({marks})", rows)
        self.summary.timed("stage_write", t)

    def move_in(self) -> None:
        """SQLite: move every staged row in with one statement (PostgreSQL moved each chunk already)."""
        if self.pg:
            return
        t = time.perf_counter()
        cursor = self.cursor
        table = HotlineOrder._meta.db_table
        cursor.execute(f"SELECT count(*) FROM hotline_stage s JOIN {table} o "
                       "ON o.street_id = %s AND o.order_no = s.order_no", [self.street.pk])
        updated = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM hotline_stage")
        staged = cursor.fetchone()[0]
        cursor.execute(self.sql, [self.street.pk, self.job_id,
                                  connection.ops.adapt_datetimefield_value(timezone.now())])
        self.summary.updated += updated
        self.summary.imported += staged - updated
        self.summary.timed("upsert", t)

    def finish(self) -> None:
        """Collect the result of the INSERT in flight, if any (PostgreSQL)."""
        if not self.pending:
            return
        from psycopg import pq

        t = time.perf_counter()
        pgconn = self.cursor.cursor.connection.pgconn
        error = None
        while (result := pgconn.get_result()) is not None:
            if result.status != pq.ExecStatus.TUPLES_OK:
                error = error or (result.error_message or b"").decode(errors="replace")
                continue
            inserted, total = (int(result.get_value(0, i) or 0) for i in (0, 1))
            self.summary.imported += inserted
            self.summary.updated += total - inserted
        self.pending = False  # only once drained: an interruption mid-drain leaves it for abandon()
        self.summary.timed("upsert_wait", t)
        if error:
            raise DatabaseError(error)

    def abandon(self) -> None:
        """Collect what is in flight and drop it: the transaction is being rolled back anyway."""
        try:
            self.finish()
        except DatabaseError:
            pass


def _upsert_sql(pg: bool) -> str:
    table = HotlineOrder._meta.db_table
    kept = {f: f"CASE WHEN {table}.locate_source = 'manual' THEN {table}.{f} ELSE excluded.{f} END"
            for f in LOCATION_FIELDS}
    sets = [f"{f} = excluded.{f}" for f in ORDER_FIELDS[1:] + CLASS_FIELDS] + [f"{f} = {kept[f]}" for f in kept]
    sets += ["last_import_id = excluded.last_import_id", "updated_at = excluded.updated_at"]
    columns = ", ".join(STAGE_FIELDS)
    conflict = f"ON CONFLICT (street_id, order_no) DO UPDATE SET {', '.join(sets)}"
    if pg:
        # A new order is its own repeat group from the start (its id, drawn here), so that regrouping later
        # writes only the orders that do repeat something. xmax = 0 tells a new row from an updated one.
        # Positional parameters: the statement is sent with libpq's asynchronous send, not through Django.
        return (f"WITH moved AS (INSERT INTO {table} (id, repeat_group, street_id, {columns}, last_import_id, "
                f"updated_at) SELECT x.n, x.n, $1::bigint, {columns}, $2::bigint, $3::timestamptz FROM "
                f"(SELECT nextval(pg_get_serial_sequence($4, 'id')) AS n, s.* FROM hotline_stage s) x "
                f"{conflict} RETURNING (xmax = 0) AS inserted) "
                f"SELECT count(*) FILTER (WHERE inserted), count(*) FROM moved")
    return (f"INSERT INTO {table} (street_id, {columns}, last_import_id, updated_at) "
            f"SELECT %s, {columns}, %s, %s FROM hotline_stage WHERE true {conflict}")
