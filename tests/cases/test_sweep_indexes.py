"""What the sweep's writes cost in indexes: an escalation changes indexed columns, so the case row gets a new
entry in every index of the table whose condition it meets. Open cases (all the sweep updates) must not enter
the indexes that only closed cases need, and the two cards share one index."""
from datetime import timedelta

import pytest
from django.db import connection

from weizhili.cases.models import Case, Status, Tier
from weizhili.cases.selectors import case_queue
from weizhili.cases.services import case_create
from weizhili.cases.sweep import sweep

from .conftest import T0

pytestmark = pytest.mark.django_db


def _index_predicates() -> dict[str, tuple[list[str], str | None]]:
    """Every index of the case table: its columns and its condition (None: every row), from the database."""
    table = Case._meta.db_table
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
        result = {}
        for name, info in constraints.items():
            if not (info["index"] or info["unique"] or info["primary_key"]):
                continue
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_get_expr(indpred, indrelid) FROM pg_index "
                               "WHERE indexrelid = CAST(%s AS regclass)", [connection.ops.quote_name(name)])
                row = cursor.fetchone()
                if row is None:
                    continue
                predicate = row[0]
            else:
                cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = %s", [name])
                row = cursor.fetchone()
                if row is None or row[0] is None:  # the rowid (primary key) has no index of its own
                    continue
                sql = row[0]
                predicate = sql[sql.upper().index(" WHERE ") + 7:] if " WHERE " in sql.upper() else None
            result[name] = (info["columns"], predicate)
    return result


def _entered_by(pk: int) -> dict[str, list[str]]:
    """The indexes whose condition the case row `pk` meets (a non-HOT update writes an entry in each)."""
    entered = {}
    with connection.cursor() as cursor:
        for name, (columns, predicate) in _index_predicates().items():
            where = f" AND ({predicate})" if predicate else ""
            cursor.execute(f"SELECT count(*) FROM {Case._meta.db_table} WHERE id = %s{where}", [pk])
            if cursor.fetchone()[0]:
                entered[name] = columns
    return entered


def test_an_escalated_open_case_enters_no_closed_at_index_and_one_card_index(tree, categories):
    case = case_create(place=tree["east_household"], category=categories["sanitation"], description="楼道堆放杂物很多",
                       now=T0)
    assert sweep(now=T0 + timedelta(days=2, hours=16)).escalated == {Tier.COMMUNITY: 1}
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED and case.closed_at is None
    entered = _entered_by(case.pk)
    assert not [name for name, columns in entered.items() if "closed_at" in columns], entered
    card_indexes = [name for name, columns in entered.items() if {"yellow_at", "red_at"} & set(columns)]
    assert len(card_indexes) == 1, entered
    # the closed cases' index still exists, for the figures and the closed list
    assert any("closed_at" in columns for columns, _predicate in _index_predicates().values())


def _plan_uses(qs, index: str) -> str:
    """The plan of `qs` when it is made to use `index` (PostgreSQL: with sorting and sequential scans priced out;
    SQLite: INDEXED BY, which fails with "no query solution" when the query does not imply the index's
    condition)."""
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            table = connection.ops.quote_name(Case._meta.db_table)
            sql = sql.replace(f"FROM {table}", f"FROM {table} INDEXED BY {index}", 1)
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return " ".join(str(row) for row in cursor.fetchall())


def test_the_closed_cases_readers_can_use_the_partial_closed_at_index(tree, categories, personas):
    """The figures count cases by closing time in a range, and the closed list is ordered by closing time (status
    closed): both imply the partial index's condition, so neither sorts or scans every case."""
    in_month = Case.objects.filter(closed_at__gte=T0, closed_at__lt=T0 + timedelta(days=31)).order_by()
    assert "case_closed_at_idx" in _plan_uses(in_month, "case_closed_at_idx")
    if connection.vendor == "postgresql":  # SQLite matches `status = 'closed'` only when written as a literal
        closed_list = case_queue(user=personas["street_cadre"], view="closed", now=T0)
        assert "case_closed_at_idx" in _plan_uses(closed_list, "case_closed_at_idx")


def test_each_batch_writes_a_stepped_row_once(tree, categories):
    """A batch statement that locks its due rows first (FOR UPDATE) writes each row, and dirties its page, twice:
    the lock and the update. The UPDATE repeats the due condition instead (re-checked by PostgreSQL on a row
    changed since the scan), so no locking pass. On SQLite the sweep marks rows in separate statements."""
    for _ in range(3):
        case_create(place=tree["east_household"], category=categories["sanitation"], description="楼道堆放杂物很多",
                    now=T0)
    batches = []

    def capture(execute, sql, params, many, context):
        if sql.lstrip().startswith("WITH due AS"):
            batches.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        result = sweep(now=T0 + timedelta(days=2, hours=16))
    assert result.escalated == {Tier.COMMUNITY: 3}
    if connection.vendor != "postgresql":
        assert batches == [] and not Case.objects.exclude(sweep_mark="").exists()
        return
    assert batches
    with connection.cursor() as cursor:
        for sql, params in batches:
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "LockRows" not in plan, plan
