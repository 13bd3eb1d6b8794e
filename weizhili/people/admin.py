"""Persons in the Django admin: personal data is shown masked only, and writes go through the services.

Phone and ID number never reach the page in plaintext: the form shows masked read-only values and offers
empty "correct to" fields; a correction is validated and saved by `person_update` (encrypted, re-hashed,
audited). Search matches an exact phone or ID number by its keyed hash, never by decrypting.
"""
from django import forms
from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from weizhili.places.admin_scope import ScopedAdminMixin

from .crypto import lookup_hash
from .models import Person
from .services import person_create, person_update
from .validation import normalize_phone, validate_id_number, validate_phone


class PersonAdminForm(forms.ModelForm):
    new_name = forms.CharField(label=_("姓名"), max_length=50, required=False,
                               help_text=_("修改时填写完整姓名；留空则不修改。"))
    new_phone = forms.CharField(label=_("更正手机号"), max_length=20, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "off"}),
                                help_text=_("留空则不修改；原号码不显示。"))
    new_id_number = forms.CharField(label=_("更正身份证号"), max_length=18, required=False,
                                    widget=forms.TextInput(attrs={"autocomplete": "off"}),
                                    help_text=_("留空则不修改；原号码不显示。"))

    class Meta:
        model = Person
        fields = ("gender", "birth_year", "place")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None and "new_name" in self.fields:
            self.fields["new_name"].required = True
            self.fields["new_name"].help_text = ""
            self.fields["new_phone"].label = _("手机号")
            self.fields["new_id_number"].label = _("身份证号")

    def clean_new_name(self):
        return self.cleaned_data["new_name"].strip()

    def clean_new_phone(self):
        value = self.cleaned_data["new_phone"].strip()
        return validate_phone(value) if value else ""

    def clean_new_id_number(self):
        value = self.cleaned_data["new_id_number"].strip()
        if not value:
            return ""
        number = validate_id_number(value)
        taken = Person.objects.filter(id_hash=lookup_hash(number))
        if self.instance.pk is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("该身份证号已登记。"), code="id_taken")
        return number


@admin.register(Person)
class PersonAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = PersonAdminForm
    list_display = ("masked_name_display", "gender", "birth_year", "masked_phone_display",
                    "masked_id_display", "place", "is_anonymised", "created_at")
    list_filter = ("gender", "is_anonymised")
    list_select_related = ("place",)
    search_fields = ("name",)
    raw_id_fields = ("place",)
    readonly_fields = ("masked_name_display", "masked_phone_display", "masked_id_display", "is_anonymised",
                       "created_at")
    fieldsets = (
        (None, {"fields": ("masked_name_display", "new_name", "gender", "birth_year", "place")}),
        (_("联系方式（脱敏显示）"), {"fields": ("masked_phone_display", "new_phone", "masked_id_display",
                                             "new_id_number")}),
        (_("状态"), {"fields": ("is_anonymised", "created_at")}),
    )
    add_fieldsets = (
        (None, {"fields": ("new_name", "gender", "birth_year", "place", "new_phone", "new_id_number")}),
    )

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else self.fieldsets

    @admin.display(description=_("姓名"), ordering="name")
    def masked_name_display(self, obj):
        return obj.masked_name

    @admin.display(description=_("手机号"))
    def masked_phone_display(self, obj):
        return obj.masked_phone or "—"

    @admin.display(description=_("身份证号"))
    def masked_id_display(self, obj):
        return obj.masked_id_number or "—"

    def has_delete_permission(self, request, obj=None):
        return False  # a person is erased by anonymisation (`person_erase`), never deleted

    def get_search_results(self, request, queryset, search_term):
        normalized = normalize_phone((search_term or "").strip()).upper()
        compact = normalized.replace("-", "")
        looks_like_number = (compact.isdigit() and len(compact) >= 7) or (
            len(compact) == 18 and compact[:17].isdigit())
        if looks_like_number:
            # Stored hashes are of the validated form: mobiles and IDs compact, landlines as written (0531-...).
            digests = {lookup_hash(normalized), lookup_hash(compact)}
            return queryset.filter(Q(phone_hash__in=digests) | Q(id_hash__in=digests)), False
        return super().get_search_results(request, queryset, search_term)

    def save_model(self, request, obj, form, change):
        """Through the services: they encrypt, keep the lookup hashes in step and write the audit row."""
        data = form.cleaned_data
        if not change:
            created = person_create(name=data["new_name"], place=data["place"], phone=data["new_phone"],
                                    id_number=data["new_id_number"], gender=data.get("gender") or "",
                                    birth_year=data.get("birth_year"))
            for field in Person._meta.concrete_fields:
                setattr(obj, field.attname, getattr(created, field.attname))
            obj._state.adding = False
            obj._state.db = created._state.db
            return
        changes = {name: data[name] for name in ("gender", "birth_year", "place") if name in form.changed_data}
        if data.get("new_name"):
            changes["name"] = data["new_name"]
        if data.get("new_phone"):
            changes["phone"] = data["new_phone"]
        if data.get("new_id_number"):
            changes["id_number"] = data["new_id_number"]
        if changes:
            person_update(person=obj, **changes)
