from django.urls import path

from . import views

app_name = "party"
urlpatterns = [
    path("", views.browser, name="browser"),
    path("members/", views.member_list_view, name="members"),
    path("<int:org_id>/", views.org_detail, name="detail"),
]
