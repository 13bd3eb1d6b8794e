from django.urls import path

from . import views

app_name = "places"
urlpatterns = [
    path("", views.browser, name="browser"),
    path("<int:place_id>/children/", views.children, name="children"),
]
