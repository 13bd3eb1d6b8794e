"""Who may use the hotline pages, and the querysets they may read (always limited to their data scope)."""
from django.http import Http404

from weizhili.accounts.models import Role
from weizhili.accounts.scope import get_in_scope_or_404, within_scope

from .models import HotlineOrder, ImportJob

READERS = {Role.STREET_CADRE, Role.COMMUNITY_WORKER, Role.BRANCH_SECRETARY}
LOCATORS = {Role.STREET_CADRE, Role.COMMUNITY_WORKER}  # fix where an order is
IMPORTERS = {Role.STREET_CADRE}  # a street's whole file: the street's own cadres


def can_read(user) -> bool:
    return bool(user.is_authenticated and user.role in READERS and user.scope_path is not None)


def can_locate(user) -> bool:
    return can_read(user) and user.role in LOCATORS


def can_import(user) -> bool:
    return can_read(user) and user.role in IMPORTERS


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
