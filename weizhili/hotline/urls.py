from django.urls import path

from . import views

app_name = "hotline"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("orders/", views.orders, name="orders"),
    path("orders/export.csv", views.export, name="export"),
    path("orders/<int:order_id>/", views.order_detail, name="order"),
    path("orders/<int:order_id>/locate/", views.order_locate_view, name="order_locate"),
    path("imports/", views.imports, name="imports"),
    path("imports/train/", views.train, name="train"),
    path("imports/<int:job_id>/", views.import_detail, name="import_detail"),
    path("imports/<int:job_id>/columns/", views.import_columns, name="import_columns"),
    path("imports/<int:job_id>/errors.xlsx", views.import_errors, name="import_errors"),
]
