"""One row per order, for Excel or another system: where it was found, its classes, its repeat group and case."""
from __future__ import annotations

from collections.abc import Iterable
from typing import IO

from django.utils import timezone

from weizhili import exports
from weizhili.places.models import Place, PlaceKind

from .models import HotlineOrder

HEADERS = ("工单编号", "来电时间", "社区", "院落", "楼栋", "单元", "定位置信度", "问题分类", "预测分类", "预测置信度",
           "重复组", "关联案件")


def export_rows(orders) -> Iterable[tuple]:
    """Rows of HEADERS for a queryset of orders (already limited to the reader's scope), streamed."""
    names = dict(Place.objects.filter(kind__in=[PlaceKind.COMMUNITY, PlaceKind.COMPOUND]).values_list("id", "name"))
    fields = ("order_no", "received_at", "community_id", "compound_id", "building_no", "unit_no",
              "locate_confidence", "category", "predicted_category", "predicted_confidence", "repeat_group",
              "case__code")
    for (order_no, received, community, compound, building, unit, confidence, category, predicted, p_conf,
         group, case) in orders.order_by("received_at", "id").values_list(*fields).iterator(chunk_size=5000):
        yield (order_no, timezone.localtime(received).strftime("%Y-%m-%d %H:%M:%S") if received else "",
               names.get(community, ""), names.get(compound, ""),
               building if building is not None else "", unit if unit is not None else "",
               f"{confidence:.2f}", category, predicted, f"{p_conf:.2f}" if p_conf is not None else "",
               group if group is not None else "", case or "")


def write_csv(out: IO[str], orders) -> int:
    """Write the CSV to a file opened by the caller (its encoding chooses the BOM); returns the orders written."""
    return exports.csv_write(out, export_rows(orders), header=HEADERS)


def street_orders(street: Place):
    return HotlineOrder.objects.filter(street=street)
