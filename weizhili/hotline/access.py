"""Who may use the hotline pages, and the querysets they may read (always limited to their data scope)."""
from django.http import Http404

from weizhili.accounts.permissions import Action, allowed
from weizhili.places.scope import get_in_scope_or_404, within_scope

from .models import HotlineOrder, ImportJob


def can_read(user) -> bool:
    return allowed(user, Action.VIEW_HOTLINE)


def can_locate(user) -> bool:
    return can_read(user) and allowed(user, Action.LOCATE_HOTLINE_ORDER)


def can_import(user) -> bool:
    return can_read(user) and allowed(user, Action.IMPORT_HOTLINE)


def require_reader(user) -> None:
    if not can_read(user):
        raise Http404("not for this role")


def require_importer(user) -> None:
    if not can_import(user):
        raise Http404("not for this role")


def order_list(*, user):
    """Orders located inside the user's scope (an unlocated order sits at its street: street cadres only)."""
    if not can_read(user):
        return HotlineOrder.objects.none()
    return within_scope(HotlineOrder.objects.all(), user, via="place")


def order_get(*, user, order_id: int) -> HotlineOrder:
    require_reader(user)
    return get_in_scope_or_404(HotlineOrder.objects.select_related("place", "compound", "community", "case"),
                               user, via="place", pk=order_id)


def job_list(*, user):
    if not can_import(user):
        return ImportJob.objects.none()
    return within_scope(ImportJob.objects.all(), user, via="street")


def job_get(*, user, job_id: int) -> ImportJob:
    require_importer(user)
    return get_in_scope_or_404(ImportJob.objects.all(), user, via="street", pk=job_id)
