"""Admin for the place tree: scoped browsing and editing of nodes, compound aliases, and the gazetteer import."""
from io import BytesIO

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from weizhili.audit.services import audit_record

from .importer import HEADERS, LIMITS, TEMPLATE_FILENAME, ImportFileError, build_template, places_import
from .models import Place, PlaceAlias
from .scope import within_scope

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
UPLOAD_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".csv", ".txt")


class PlaceImportForm(forms.Form):
    file = forms.FileField(
        label=_("区划文件"),
        help_text=_("Excel（.xlsx）或 CSV 文件，第一行为表头，一行一个院落。"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(UPLOAD_EXTENSIONS)}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(UPLOAD_EXTENSIONS):
            raise forms.ValidationError(_("只支持 .xlsx 或 .csv 文件"))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件太大（上限 50 MB）"))
        return upload


# The permission registry's actions (accounts/permissions.py), named here: places sits below accounts.
IMPORT_PLACES = "places.import"
IMPORT_PLACES_ANY_STREET = "places.import_any_street"


def _may_edit_places(user) -> bool:
    return user.can(IMPORT_PLACES)[0]


class PlaceAliasInline(admin.TabularInline):
    model = PlaceAlias
    extra = 1

    def has_view_permission(self, request, obj=None):
        return _may_edit_places(request.user) or super().has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return _may_edit_places(request.user) or super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return _may_edit_places(request.user) or super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _may_edit_places(request.user) or super().has_delete_permission(request, obj)


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    """Street cadres and system administrators see and edit the nodes inside their scope. Nodes are added by the
    gazetteer import (or the tree services), never here: a node needs its place in the materialised path."""

    list_display = ("name", "kind", "compound_kind", "property_company")
    list_filter = ("kind",)
    search_fields = ("name",)
    ordering = ("path",)
    readonly_fields = ("kind",)
    fields = ("name", "kind", "compound_kind", "property_company", "owners_committee", "resident_count",
              "household_count", "boundary", "centroid_lat", "centroid_lng", "sort_key")
    change_list_template = "admin/places/place_change_list.html"
    import_template = "admin/places/import.html"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return within_scope(queryset, request.user, via="")

    def get_inlines(self, request, obj):
        return [PlaceAliasInline] if obj is not None and obj.is_compound else []

    # -- permissions: the place roles of the permission registry, plus Django's model permissions
    def has_module_permission(self, request):
        return _may_edit_places(request.user) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return _may_edit_places(request.user) or super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return _may_edit_places(request.user) or super().has_change_permission(request, obj)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    # -- every admin write leaves an audit row in the same transaction
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(action="places.change", obj=obj, user=request.user, detail={"fields": form.changed_data})

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.has_changed():
            audit_record(action="places.aliases_change", obj=form.instance, user=request.user, detail={
                "added": [a.name for a in formset.new_objects],
                "changed": [a.name for a, _fields in formset.changed_objects],
                "deleted": [a.name for a in formset.deleted_objects],
            })

    def delete_model(self, request, obj):
        audit_record(action="places.delete", obj=obj, user=request.user, detail={"name": obj.name})
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        audit_record(action="places.delete", object_type="places.place", user=request.user,
                     detail={"ids": list(queryset.values_list("pk", flat=True)[:1000])})
        super().delete_queryset(request, queryset)

    # -- the gazetteer import
    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name=f"{prefix}_import"),
            path("import-template/", self.admin_site.admin_view(self.import_template_view),
                 name=f"{prefix}_import_template"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_import_places": _may_edit_places(request.user)}
        return super().changelist_view(request, extra_context=extra_context)

    @staticmethod
    def _import_scope(user) -> str | None:
        """None = any street; otherwise rows must name an existing street inside this path."""
        if user.can(IMPORT_PLACES_ANY_STREET)[0]:
            return None
        if user.scope_path is None:
            raise PermissionDenied(gettext("您的账号没有管辖范围，不能导入区划"))
        return user.scope_path

    def import_view(self, request):
        allowed, reason = request.user.can(IMPORT_PLACES)
        if not allowed:
            raise PermissionDenied(reason)
        scope_path = self._import_scope(request.user)
        result = None
        if request.method == "POST":
            form = PlaceImportForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                try:
                    result = places_import(source=upload.read(), filename=upload.name, user=request.user,
                                           scope_path=scope_path)
                except ImportFileError as exc:
                    form.add_error("file", str(exc))
                else:
                    level = messages.WARNING if result.errors else messages.SUCCESS
                    self.message_user(request, gettext("导入完成：新建院落 %(created)d 个，更新 %(updated)d 个，"
                                                       "出错 %(errors)d 行") % {
                        "created": result.compounds_created, "updated": result.compounds_updated,
                        "errors": len(result.error_rows)}, level)
        else:
            form = PlaceImportForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("导入区划"),
            "form": form,
            "result": result,
            "headers": HEADERS,
            "limits": LIMITS,
            "has_view_permission": self.has_view_permission(request),
        }
        return TemplateResponse(request, self.import_template, context)

    def import_template_view(self, request):
        allowed, reason = request.user.can(IMPORT_PLACES)
        if not allowed:
            raise PermissionDenied(reason)
        return FileResponse(BytesIO(build_template()), as_attachment=True, filename=TEMPLATE_FILENAME,
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
