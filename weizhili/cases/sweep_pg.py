"""The sweep's PostgreSQL path: each batch is one statement. A data-modifying CTE finds up to `limit` due rows,
updates them once and feeds the same RETURNING rows to the INSERTs of their events, notifications and
supervision orders. Every updated row costs an entry in each index of the table, so writing each row once
(instead of mark, clock, final update) is what makes a large sweep fast. The due rows are not locked first
(`FOR UPDATE` wrote every row, and dirtied its page, a second time): the UPDATE repeats the due condition, which
PostgreSQL re-checks on the current version of a row changed since the scan, so a case closed or stepped
meanwhile is left alone (and an escalation's from_status is the status the row still has). The escalation's SET list is compiled
from `escalation.escalation_columns`, the definition the transition service applies by hand.

The generic path in `sweep.py` (mark rows, then INSERT … SELECT, then UPDATE) serves SQLite."""
import json

from django.db import connection

from . import escalation, workflow
from .models import RUNNING_STATUSES, Card, Case, Event, Notification, Supervision, SupervisionReason

CASE, EVENT, SUPERVISION, NOTIFICATION = (Case._meta.db_table, Event._meta.db_table, Supervision._meta.db_table,
                                          Notification._meta.db_table)
USER = Case._meta.get_field("assignee").related_model._meta.db_table
PLACE = Case._meta.get_field("community").related_model._meta.db_table
RUNNING = [str(s) for s in RUNNING_STATUSES]
LABEL = workflow.SYSTEM


def _in_street() -> str:
    return f"c.status = ANY(%s) AND c.community_id IN (SELECT id FROM {PLACE} WHERE path LIKE %s AND depth = 2)"


def escalate(*, street, lower: str, upper: str, columns: dict, now, due, clocks: dict[int, dict], limit: int) -> int:
    """Move up to `limit` running cases of `lower` whose tier deadline has passed to `upper`: `columns` with a
    fresh round clock per category (`clocks`), one event each, a notification to the staff of the new tier."""
    from .sweep import recipients_join

    if not clocks:
        return 0
    values, clock_params = escalation.clock_values(clocks, connection)
    assignments, set_params = escalation.set_clause(columns, connection=connection, case_alias="c",
                                                    clock_alias="k", now=now, due=due)
    join, join_params = recipients_join(upper, street, "upd", "u")
    transition = workflow.TABLE[escalation.ACTION]
    sql = f"""
        WITH due AS (
            SELECT c.id, c.status FROM {CASE} c
            WHERE {_in_street()} AND c.tier = %s AND c.tier_due_at < %s
            LIMIT %s
        ), k (category_id, {', '.join(escalation.CLOCK_KEYS)}) AS (VALUES {values}),
        upd AS (
            UPDATE {CASE} c SET {assignments}
            FROM due d, k
            WHERE c.id = d.id AND k.category_id = c.category_id
              AND c.status = d.status AND c.tier = %s AND c.tier_due_at < %s
            RETURNING c.id, d.status AS from_status, c.code, c.community_id, c.compound_id
        ), ev AS (
            INSERT INTO {EVENT} (case_id, action, from_status, to_status, actor_id, actor_label, at, note, data,
                                 public)
            SELECT id, %s, from_status, %s, NULL, %s, %s, '', CAST(%s AS jsonb), %s FROM upd
        ), nt AS (
            INSERT INTO {NOTIFICATION} (user_id, case_id, kind, params, text, created_at, read_at, emailed_at)
            SELECT u.id, upd.id, %s, jsonb_build_object('code', upd.code), '', %s, NULL, NULL
            FROM upd JOIN {USER} u ON {join}
        )
        SELECT count(*) FROM upd"""
    params = [RUNNING, f"{street.path}%", lower, now, limit, *clock_params, *set_params, lower, now,
              escalation.ACTION, transition.target, LABEL, now,
              json.dumps(escalation.event_data(lower, upper, automatic=True)), transition.public,
              escalation.NOTIFICATION_KIND, now, *join_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def raise_cards(*, street, card: str, now, limit: int) -> int:
    """Raise one card on up to `limit` running cases whose time for it has come, with its event (and, for red,
    its supervision order), in one statement."""
    if card == Card.RED:
        # yellow_at < red_at always: the redundant bound lets the one card index (status, yellow_at, red_at) serve
        condition, params = "c.card <> %s AND c.yellow_at <= %s AND c.red_at <= %s", [Card.RED, now, now]
        extra = (f", sv AS (INSERT INTO {SUPERVISION} (case_id, reason, note, created_at, created_by_id, closed_at) "
                 f"SELECT id, %s, '', %s, NULL, NULL FROM upd)")
        extra_params = [SupervisionReason.RED_CARD, now]
    else:
        condition, params = "c.card = %s AND c.yellow_at <= %s AND c.red_at > %s", [Card.NONE, now, now]
        extra, extra_params = "", []
    sql = f"""
        WITH due AS (
            SELECT c.id FROM {CASE} c WHERE {_in_street()} AND {condition}
            LIMIT %s
        ), upd AS (
            UPDATE {CASE} c SET card = %s, updated_at = %s
            FROM due d WHERE c.id = d.id AND c.status = ANY(%s) AND {condition}
            RETURNING c.id, c.status
        ), ev AS (
            INSERT INTO {EVENT} (case_id, action, from_status, to_status, actor_id, actor_label, at, note, data,
                                 public)
            SELECT id, 'card', status, status, NULL, %s, %s, '', CAST(%s AS jsonb), false FROM upd
        ){extra}
        SELECT count(*) FROM upd"""
    all_params = [RUNNING, f"{street.path}%", *params, limit, card, now, RUNNING, *params, LABEL, now, json.dumps({"card": card}),
                  *extra_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, all_params)
        return cursor.fetchone()[0]
