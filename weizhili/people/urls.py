from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("", views.person_list_view, name="list"),
    path("<int:person_id>/", views.person_detail_view, name="detail"),
    path("<int:person_id>/unmask/", views.person_unmask_view, name="unmask"),
]
