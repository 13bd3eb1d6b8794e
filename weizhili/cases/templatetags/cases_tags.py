from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ..models import Card, Satisfaction, Tier
from ..workflow import TABLE

register = template.Library()

_EXTRA = {"create": gettext_noop("上报"), "me_too": gettext_noop("附议"), "merge_in": gettext_noop("合并重复诉求"),
          "summary": gettext_noop("公开摘要")}


@register.filter
def action_label(action: str) -> str:
    if action in TABLE:
        return str(TABLE[action].label)
    return _(_EXTRA.get(action, action))


@register.filter
def tier_label(value: str) -> str:
    return str(Tier(value).label) if value in Tier.values else value


@register.filter
def card_label(value: str) -> str:
    return str(Card(value).label) if value in Card.values else value


@register.filter
def satisfaction_label(value: str) -> str:
    return str(Satisfaction(value).label) if value in Satisfaction.values else value


@register.filter
def actor_label(event) -> str:
    """System and resident events name no person; staff are shown by role and account."""
    if event.actor_label == "system":
        return _("系统")
    if event.actor_label == "resident":
        return _("居民")
    return event.actor_label
