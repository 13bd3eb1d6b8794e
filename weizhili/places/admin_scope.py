"""The scope and audit mixins every domain admin uses (people, places, party, cases, hotline, accounts).

Non-superusers see and touch only objects inside their scope, and every related field (foreign keys, raw ids,
many-to-many) is limited to it: the choices, the validation of a raw id typed by hand, the label the raw-id
widget prints beside the id, and the admin's autocomplete (which searches the related admin's queryset).
Every add, change and delete made through the admin is audited in the same transaction."""
from django.contrib.admin.widgets import ForeignKeyRawIdWidget, RelatedFieldWidgetWrapper
from django.core.exceptions import ValidationError
from django.db import transaction

from weizhili.audit.services import audit_record

from .scope import within_scope

# How each related model reaches its place node ("" = it is a place). Keyed by label so that this module,
# which sits on the ground floor in the import floors, needs no import of the apps above it.
SCOPE_VIA = {
    "places.place": "",
    "people.person": "place",
    "accounts.user": "place",
    "party.partyorg": "place",
    "party.partymember": "place",
    "party.roleholder": "place",
    "party.roletype": "street",
    "party.servicestation": "place",
}


class ScopedRawIdWidget(ForeignKeyRawIdWidget):
    """Django's raw-id widget looks the typed id up in the whole table to print its label; this one looks it up
    only in the field's limited queryset, so an out-of-scope id shows no name (and the form refuses it)."""

    def __init__(self, rel, admin_site, attrs=None, using=None, *, queryset):
        super().__init__(rel, admin_site, attrs=attrs, using=using)
        self.queryset = queryset

    def label_and_url_for_value(self, value):
        key = self.rel.get_related_field().name
        try:
            if not self.queryset.filter(**{key: value}).exists():
                return "", ""
        except (ValueError, TypeError, ValidationError):
            return "", ""
        return super().label_and_url_for_value(value)


def _audit_action(obj, verb: str) -> str:
    return f"{obj._meta.model_name}.{verb}"


def _scope_raw_id_widget(formfield) -> None:
    wrapper = formfield.widget if isinstance(formfield.widget, RelatedFieldWidgetWrapper) else None
    widget = wrapper.widget if wrapper is not None else formfield.widget
    if type(widget) is not ForeignKeyRawIdWidget:  # many-to-many raw ids print no label
        return
    scoped = ScopedRawIdWidget(widget.rel, widget.admin_site, attrs=widget.attrs, using=widget.db,
                               queryset=formfield.queryset)
    if wrapper is not None:
        wrapper.widget = scoped
    else:
        formfield.widget = scoped


class ScopedFieldsMixin:
    """Limits the choices of every related field (foreign keys, raw ids, many-to-many) to the acting user's
    scope, so a scoped administrator cannot attach an object to a place, person or organisation outside it
    (a raw id typed by hand is validated against the same limited queryset). Usable on inlines too."""

    def limit(self, request, queryset, via: str | None = None):
        """`queryset` bounded by the acting user's scope; superusers are not bounded."""
        if request.user.is_superuser:
            return queryset
        if via is None:
            via = SCOPE_VIA.get(queryset.model._meta.label_lower, "place")
        return within_scope(queryset, request.user, via=via)

    def _limit_field(self, request, db_field, formfield):
        label = db_field.related_model._meta.label_lower
        if formfield is not None and label in SCOPE_VIA and hasattr(formfield, "queryset"):
            formfield.queryset = self.limit(request, formfield.queryset, via=SCOPE_VIA[label])
            _scope_raw_id_widget(formfield)
        return formfield

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return self._limit_field(request, db_field, formfield)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        formfield = super().formfield_for_manytomany(db_field, request, **kwargs)
        return self._limit_field(request, db_field, formfield)


class ScopedAdminMixin(ScopedFieldsMixin):
    """For a ModelAdmin: non-superusers see and touch only objects in their scope (`within_scope`), and every
    add, change and delete made through the admin is audited in the same transaction."""

    scope_via: str | None = None  # None: looked up in SCOPE_VIA by the admin's model

    def get_queryset(self, request):
        return self.limit(request, super().get_queryset(request), via=self.scope_via)

    def in_scope(self, request, obj) -> bool:
        if obj is None or obj.pk is None or request.user.is_superuser:
            return True
        return self.limit(request, type(obj)._default_manager.filter(pk=obj.pk), via=self.scope_via).exists()

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self.in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self.in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self.in_scope(request, obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(action=_audit_action(obj, "update" if change else "create"), obj=obj,
                     detail={"via": "admin", "fields": sorted(form.changed_data)})

    def save_formset(self, request, form, formset, change):
        deleted = [(f.instance._meta.label_lower, f.instance.pk, _audit_action(f.instance, "delete"))
                   for f in formset.deleted_forms if f.instance.pk is not None]
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            audit_record(action=_audit_action(obj, "create"), obj=obj, detail={"via": "admin"})
        for obj, fields in formset.changed_objects:
            audit_record(action=_audit_action(obj, "update"), obj=obj,
                         detail={"via": "admin", "fields": sorted(fields)})
        for object_type, object_id, action in deleted:
            audit_record(action=action, object_type=object_type, object_id=object_id, detail={"via": "admin"})

    def delete_model(self, request, obj):
        object_type, object_id, action = obj._meta.label_lower, obj.pk, _audit_action(obj, "delete")
        super().delete_model(request, obj)
        audit_record(action=action, object_type=object_type, object_id=object_id, detail={"via": "admin"})

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            rows = [(o._meta.label_lower, o.pk, _audit_action(o, "delete")) for o in queryset]
            super().delete_queryset(request, queryset)
            for object_type, object_id, action in rows:
                audit_record(action=action, object_type=object_type, object_id=object_id,
                             detail={"via": "admin"})
