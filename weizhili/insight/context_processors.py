from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from weizhili.accounts.models import Role
from weizhili.cases.models import Notification
from weizhili.hotline.access import READERS as HOTLINE_READERS

_DOMAIN_ROLES = {Role.STREET_CADRE, Role.COMMUNITY_WORKER, Role.BRANCH_SECRETARY, Role.BUILDING_LEADER}


def navigation(request):
    """The menu a user sees (only pages their role can use) and their unread notifications."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {"nav_items": []}
    items = [(reverse("insight:home"), _("首页"))]
    if user.role in _DOMAIN_ROLES | {Role.GRID_WORKER} and user.scope_path is not None:
        items.append((reverse("cases:queue"), _("诉求")))
    if user.role in _DOMAIN_ROLES and user.scope_path is not None:
        items.append((reverse("insight:case_figures"), _("指标")))
    if user.role in HOTLINE_READERS and user.scope_path is not None:
        items.append((reverse("hotline:overview"), _("12345热线")))
    if user.scope_path is not None:
        items.append((reverse("places:browser"), _("区划")))
        items.append((reverse("party:browser"), _("党组织")))
    if user.role in _DOMAIN_ROLES or user.is_superuser:
        items.append((reverse("people:list"), _("人员")))
        items.append((reverse("party:members"), _("党员")))
    if user.is_staff:
        items.append((reverse("admin:index"), _("管理后台")))
    unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
    return {"nav_items": items, "unread_notifications": unread}
