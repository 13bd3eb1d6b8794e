from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("new/", views.intake, name="intake"),
    path("places/", views.place_options, name="place_options"),
    path("map/", views.case_map, name="map"),
    path("export.xlsx", views.export, name="export"),
    path("notifications/", views.notifications, name="notifications"),
    path("<int:case_id>/", views.detail, name="detail"),
    path("<int:case_id>/act/", views.act, name="act"),
    path("<int:case_id>/summary/", views.summary, name="summary"),
    path("<int:case_id>/photo/<int:attachment_id>/", views.photo, name="photo"),
]
