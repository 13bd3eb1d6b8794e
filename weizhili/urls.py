from urllib.parse import urlencode

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog

from weizhili.insight import views as insight_views

admin.site.site_header = _("微治理 管理后台")
admin.site.site_title = _("微治理")
admin.site.index_title = _("数据与账号管理")


def _admin_login(request, extra_context=None):
    # One login for the whole platform, so lockout, two-factor and audit apply to the admin as well.
    target = request.GET.get("next") or reverse("admin:index")
    return redirect(f"{reverse('accounts:login')}?{urlencode({'next': target})}")


admin.site.login = _admin_login
# A malformed query parameter the page needs answers 400 with its Chinese message (weizhili/params.py).
handler400 = "weizhili.params.bad_request"

urlpatterns = [
    path("", include("weizhili.accounts.urls")),
    path("", include("weizhili.insight.urls")),
    path("places/", include("weizhili.places.urls")),
    path("places/<int:place_id>/", insight_views.place_detail, name="place_detail"),
    path("party/", include("weizhili.party.urls")),
    path("people/", include("weizhili.people.urls")),
    path("cases/", include("weizhili.cases.urls")),
    path("hotline/", include("weizhili.hotline.urls")),
    path("r/", include("weizhili.cases.public_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
]
