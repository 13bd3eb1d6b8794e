from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from weizhili.insight import views as insight_views

urlpatterns = [
    path("", include("weizhili.accounts.urls")),
    path("", include("weizhili.insight.urls")),
    path("places/", include("weizhili.places.urls")),
    path("places/<int:place_id>/", insight_views.place_detail, name="place_detail"),
    path("party/", include("weizhili.party.urls")),
    path("people/", include("weizhili.people.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
]
