"""The resident-facing phone pages (H5), mounted at `r/` by the project's URLconf."""
from django.urls import path

from . import public_views as views

app_name = "public"
urlpatterns = [
    path("", views.report_view, name="report"),
    path("grid/", views.grid_view, name="grid"),
    path("grid/done/<str:code>/", views.grid_done_view, name="grid_done"),
    path("places/", views.places_view, name="places"),
    path("nearest/", views.nearest_view, name="nearest"),
    path("metoo/", views.metoo_view, name="metoo"),
    path("lookup/", views.lookup_view, name="lookup"),
    path("t/<str:token>/", views.track_view, name="track"),
    path("t/<str:token>/p/<int:pk>/", views.photo_view, name="photo"),
]
