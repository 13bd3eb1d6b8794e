from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from weizhili.accounts.permissions import Action, allowed
from weizhili.cases.models import Notification

# The menu: each page with the registry's action that opens it, in menu order.
_MENU = [
    ("cases:queue", _("诉求"), Action.OPEN_CASE_QUEUE),
    ("insight:case_figures", _("指标"), Action.VIEW_CASE_FIGURES),
    ("hotline:overview", _("12345热线"), Action.VIEW_HOTLINE),
    ("places:browser", _("区划"), Action.BROWSE_PLACES),
    ("party:browser", _("党组织"), Action.BROWSE_PARTY),
    ("people:list", _("人员"), Action.OPEN_PEOPLE_LEDGER),
    ("party:members", _("党员"), Action.OPEN_MEMBER_LIST),
]


def navigation(request):
    """The menu a user sees (only pages their role can use) and their unread notifications."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {"nav_items": []}
    items = [(reverse("insight:home"), _("首页"))]
    items += [(reverse(name), label) for name, label, action in _MENU if allowed(user, action)]
    if user.is_staff:
        items.append((reverse("admin:index"), _("管理后台")))
    unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
    return {"nav_items": items, "unread_notifications": unread}
