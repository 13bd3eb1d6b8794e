from django import forms
from django.utils.translation import gettext_lazy as _

from weizhili.people.validation import validate_phone

from .models import Category, Source

STAFF_SOURCES = [(s.value, s.label) for s in (Source.WALK_IN, Source.PHONE, Source.INSPECTION, Source.PROPERTY)]


class StaffIntakeForm(forms.Form):
    """Walk-ins, calls, inspections and property reports entered by staff."""

    place = forms.IntegerField(label=_("发生地点"), widget=forms.HiddenInput)
    category = forms.ModelChoiceField(label=_("分类"), queryset=Category.objects.none())
    source = forms.ChoiceField(label=_("来源"), choices=STAFF_SOURCES)
    description = forms.CharField(label=_("问题描述"), min_length=4, max_length=2000, widget=forms.Textarea(
        attrs={"rows": 4}))
    contact_name = forms.CharField(label=_("联系人"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    anonymous = forms.BooleanField(label=_("对处置人员匿名"), required=False)

    def __init__(self, *args, categories=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories if categories is not None else Category.objects.none()

    def clean_contact_phone(self):
        value = self.cleaned_data["contact_phone"].strip()
        return validate_phone(value) if value else ""


# The case page has one form: a note, the fields some actions need, and one button per action. Each action
# reads only its own fields, so a value left in another action's field is not recorded with it.
ACTION_FIELDS = {
    "dispatch": ("handler_kind", "assignee"),
    "sign": ("contacted",),
    "request_extension": ("days",),
    "merge": ("parent",),
    "rate": ("satisfaction", "resolved"),
}


class ActionForm(forms.Form):
    """The case page's action form; the pressed button (name="action") says which action."""

    action = forms.CharField(max_length=24)
    note = forms.CharField(max_length=2000, required=False)
    expected_status = forms.CharField(max_length=12, required=False)
    days = forms.IntegerField(required=False, min_value=1, max_value=30)
    handler_kind = forms.CharField(max_length=12, required=False)
    assignee = forms.IntegerField(required=False)
    parent = forms.CharField(max_length=20, required=False)
    satisfaction = forms.CharField(max_length=12, required=False)
    resolved = forms.BooleanField(required=False)
    contacted = forms.BooleanField(required=False)

    def action_data(self) -> dict:
        """The chosen action's own fields that were filled in."""
        wanted = ACTION_FIELDS.get(self.cleaned_data["action"], ())
        return {k: v for k, v in self.cleaned_data.items() if k in wanted and v not in (None, "")}
