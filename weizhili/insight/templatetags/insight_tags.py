from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def pct(value) -> str:
    """0.9372 → 93.72%; no data → —."""
    if value is None:
        return "—"
    return f"{Decimal(value) * 100:.2f}%"
