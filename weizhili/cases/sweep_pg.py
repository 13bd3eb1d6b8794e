"""The sweep's PostgreSQL path: each step is one statement. A data-modifying CTE locks and updates the due
rows once and feeds the same RETURNING rows to the INSERTs of their events, notifications and supervision
orders. Every updated row costs an entry in each index of the table, so writing each row once (instead of
mark, clock, final update) is what makes a large sweep fast.

The generic path in `sweep.py` (mark rows, then INSERT … SELECT, then UPDATE) stays for SQLite."""
import json

from django.db import connection

from weizhili.accounts.models import Role

from .models import RUNNING_STATUSES, Card, HandlerKind, Status, SupervisionReason, Tier

CASE, EVENT, SUPERVISION, NOTIFICATION, USER, PLACE = ("cases_case", "cases_event", "cases_supervision",
                                                       "cases_notification", "accounts_user", "places_place")
RUNNING = [str(s) for s in RUNNING_STATUSES]


def _in_street() -> str:
    return (f"c.status = ANY(%s) AND c.community_id IN (SELECT id FROM {PLACE} WHERE path LIKE %s AND depth = 2)")


def escalate(*, street, lower: str, upper: str, now, tier_due, clocks: dict[int, tuple], label: str) -> int:
    """Move every running case of `lower` whose tier deadline has passed to `upper`, with a fresh clock per
    category (`clocks`: category id → (due_at, yellow_at, red_at, provisional)), one event each, and a
    notification to the staff of the new tier."""
    if not clocks:
        return 0
    values = ", ".join(["(%s, %s::timestamptz, %s::timestamptz, %s::timestamptz, %s::boolean)"] * len(clocks))
    clock_params = [x for category_id, clock in clocks.items() for x in (category_id, *clock)]
    if upper == Tier.COMMUNITY:
        who, who_params = "u.place_id = upd.community_id", []
    else:
        who, who_params = "u.place_id = %s", [street.pk]
    sql = f"""
        WITH due AS (
            SELECT c.id, c.status FROM {CASE} c
            WHERE {_in_street()} AND c.tier = %s AND c.tier_due_at < %s
            FOR UPDATE OF c
        ), clock (category_id, due_at, yellow_at, red_at, provisional) AS (VALUES {values}),
        upd AS (
            UPDATE {CASE} c SET tier = %s, status = %s, assignee_id = NULL, escalations = c.escalations + 1,
                handler_kind = %s, tier_due_at = %s, dispatched_at = %s, signed_at = NULL, contacted_at = NULL,
                card = %s, extension_requested_days = 0, due_at = k.due_at, yellow_at = k.yellow_at,
                red_at = k.red_at, deadline_provisional = k.provisional, updated_at = %s
            FROM due d, clock k
            WHERE c.id = d.id AND k.category_id = c.category_id
            RETURNING c.id, d.status AS from_status, c.code, c.community_id
        ), ev AS (
            INSERT INTO {EVENT} (case_id, action, from_status, to_status, actor_id, actor_label, at, note, data,
                                 public)
            SELECT id, 'escalate', from_status, %s, NULL, %s, %s, '', CAST(%s AS jsonb), true FROM upd
        ), nt AS (
            INSERT INTO {NOTIFICATION} (user_id, case_id, text, created_at, read_at, emailed_at)
            SELECT u.id, upd.id, %s || upd.code, %s, NULL, NULL FROM upd JOIN {USER} u ON {who}
            WHERE u.role = %s AND u.is_active
        )
        SELECT count(*) FROM upd"""
    handler = HandlerKind.COMMUNITY if upper == Tier.COMMUNITY else HandlerKind.STREET
    text = "诉求已上报到社区：" if upper == Tier.COMMUNITY else "诉求已上报到街道："
    role = Role.COMMUNITY_WORKER if upper == Tier.COMMUNITY else Role.STREET_CADRE
    params = [RUNNING, f"{street.path}%", lower, now, *clock_params,
              upper, Status.DISPATCHED, handler, tier_due, now, Card.NONE, now,
              Status.DISPATCHED, label, now, json.dumps({"tier": upper, "from_tier": lower, "automatic": True}),
              text, now, *who_params, role]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def raise_cards(*, street, card: str, now, label: str) -> int:
    """Raise one card on every running case whose time for it has come, with its event (and, for red, its
    supervision order), in one statement."""
    if card == Card.RED:
        condition, params = "c.card <> %s AND c.red_at <= %s", [Card.RED, now]
        extra = (f", sv AS (INSERT INTO {SUPERVISION} (case_id, reason, note, created_at, created_by_id, closed_at) "
                 f"SELECT id, %s, '', %s, NULL, NULL FROM upd)")
        extra_params = [SupervisionReason.RED_CARD, now]
    else:
        condition, params = "c.card = %s AND c.yellow_at <= %s AND c.red_at > %s", [Card.NONE, now, now]
        extra, extra_params = "", []
    sql = f"""
        WITH upd AS (
            UPDATE {CASE} c SET card = %s, updated_at = %s
            WHERE {_in_street()} AND {condition}
            RETURNING c.id, c.status
        ), ev AS (
            INSERT INTO {EVENT} (case_id, action, from_status, to_status, actor_id, actor_label, at, note, data,
                                 public)
            SELECT id, 'card', status, status, NULL, %s, %s, '', CAST(%s AS jsonb), false FROM upd
        ){extra}
        SELECT count(*) FROM upd"""
    all_params = [card, now, RUNNING, f"{street.path}%", *params, label, now, json.dumps({"card": card}),
                  *extra_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, all_params)
        return cursor.fetchone()[0]
