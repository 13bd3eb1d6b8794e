"""Per-street hotline settings in the admin: header and class mappings, and the trained models (read-only)."""
from django.contrib import admin

from weizhili.cases.admin import StreetScoped

from .models import CategoryMapping, CategoryModel, ColumnMapping


@admin.register(CategoryMapping)
class CategoryMappingAdmin(StreetScoped):
    list_display = ("hotline_category", "case_category", "street")
    search_fields = ("hotline_category",)


@admin.register(ColumnMapping)
class ColumnMappingAdmin(StreetScoped):
    list_display = ("header", "field", "street")


@admin.register(CategoryModel)
class CategoryModelAdmin(StreetScoped):
    list_display = ("trained_at", "samples", "labels", "accuracy", "macro_f1", "active", "street")
    readonly_fields = ("path", "trained_at", "samples", "labels", "accuracy", "macro_f1")

    def has_add_permission(self, request):
        return False
