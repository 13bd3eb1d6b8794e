from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotlineConfig(AppConfig):
    name = "weizhili.hotline"
    verbose_name = _("12345 热线工单")
