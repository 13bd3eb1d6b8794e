from django.urls import path

from . import views

app_name = "insight"
urlpatterns = [
    path("", views.home, name="home"),
    path("figures/cases/", views.case_figures_view, name="case_figures"),
]
