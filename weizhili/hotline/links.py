"""Orders ↔ cases. Linking is set-based: an order whose number a hotline case carries as its external reference
belongs to that case, and a repeat group shares one case. New cases are made only for open orders that were
located to a compound and have no case yet (one per repeat group), through the case loop's own service."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weizhili.cases.models import Case, Source
from weizhili.cases.services import SYSTEM_ACTOR, CaseError, case_create, categories_ensure
from weizhili.people.masking import mask_numbers_in_text
from weizhili.places.models import Place

from .models import HotlineOrder

logger = logging.getLogger(__name__)

OPEN_ORDER_MAX_AGE = timedelta(days=30)  # older open orders are the hotline's backlog, not new work here
CASES_PER_RUN = 500


def link_cases(*, street: Place) -> int:
    """Link the street's orders to cases; returns how many orders were linked by this call."""
    table = HotlineOrder._meta.db_table
    cases = Case._meta.db_table
    places = Place._meta.db_table
    with connection.cursor() as cursor:
        # order numbers are unique per street only: the case must lie in the same street
        cursor.execute(
            f"UPDATE {table} SET case_id = c.id FROM {cases} c JOIN {places} p ON p.id = c.place_id "
            f"WHERE {table}.street_id = %s AND {table}.case_id IS NULL AND c.external_ref = {table}.order_no "
            f"AND c.source = %s AND p.path LIKE %s",
            [street.pk, Source.HOTLINE, street.path + "%"])
        linked = cursor.rowcount
        cursor.execute(
            f"UPDATE {table} SET case_id = g.case_id FROM (SELECT repeat_group, MIN(case_id) AS case_id "
            f"FROM {table} WHERE street_id = %s AND case_id IS NOT NULL GROUP BY repeat_group) g "
            f"WHERE {table}.street_id = %s AND {table}.case_id IS NULL AND {table}.repeat_group = g.repeat_group",
            [street.pk, street.pk])
        linked += cursor.rowcount
    return linked


@dataclass
class CaseOpening:
    """What `cases_for_open_orders` did: cases opened, groups another import got to first, and the orders whose
    case could not be opened (order number, reason); one failure does not stop the others."""

    created: int = 0
    already_open: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)

    def message(self, shown: int = 5) -> str:
        if not self.failed:
            return ""
        listed = "；".join(f"{order_no}：{reason}" for order_no, reason in self.failed[:shown])
        more = "…" if len(self.failed) > shown else ""
        return _("%(n)d 个工单未能建案件（%(list)s%(more)s）") % {"n": len(self.failed), "list": listed,
                                                           "more": more}


def cases_for_open_orders(*, street: Place, now=None, limit: int = CASES_PER_RUN) -> CaseOpening:
    """One case per repeat group with a recent open order located to a compound and no case yet."""
    now = now or timezone.now()
    result = CaseOpening()
    open_orders = (HotlineOrder.objects
                   .filter(street=street, case__isnull=True, closed_at__isnull=True, compound__isnull=False,
                           received_at__gte=now - OPEN_ORDER_MAX_AGE)
                   .order_by("repeat_group", "received_at", "id"))
    firsts: list[HotlineOrder] = []
    seen: set[int] = set()
    for order in open_orders.only("id", "order_no", "repeat_group", "compound_id", "building_id", "content",
                                  "address", "case_category").iterator(chunk_size=2000):
        if order.repeat_group is not None and order.repeat_group in seen:
            continue
        seen.add(order.repeat_group)
        firsts.append(order)
        if len(firsts) >= limit:
            break
    if not firsts:
        return result
    categories = {c.code: c for c in categories_ensure(street=street)}
    fallback = categories.get("other") or next(iter(categories.values()))
    places = Place.objects.in_bulk({o.building_id or o.compound_id for o in firsts})
    for order in firsts:
        # the case is read by building leaders and grid workers too: no caller's number in it
        description = mask_numbers_in_text(order.content or order.address)
        if len((description or "").strip()) < 4:
            description = f"12345 工单 {order.order_no}：{order.address}"
        group = (HotlineOrder.objects.filter(street=street, repeat_group=order.repeat_group)
                 if order.repeat_group is not None else HotlineOrder.objects.filter(pk=order.pk))
        try:
            with transaction.atomic():
                # Lock the group's orders that still have no case. A concurrent import that opened the group's
                # case first has linked them: after its commit they no longer match, so no second case is opened.
                waiting = list(group.filter(case__isnull=True).select_for_update().order_by("id")
                               .values_list("id", flat=True))
                if order.pk not in waiting:
                    result.already_open += 1
                    continue
                case = case_create(place=places[order.building_id or order.compound_id],
                                   category=categories.get(order.case_category, fallback),
                                   description=description, source=Source.HOTLINE, actor=SYSTEM_ACTOR,
                                   external_ref=order.order_no, now=now)
                HotlineOrder.objects.filter(pk__in=waiting).update(case=case)
        except (CaseError, DatabaseError) as exc:  # this group's case is not opened; the next ones still are
            logger.exception("hotline: no case for order %s", order.order_no)
            result.failed.append((order.order_no, str(exc)[:120]))
            continue
        result.created += 1
    return result


__all__ = ["CaseOpening", "cases_for_open_orders", "link_cases"]
