"""Forms of the resident-facing phone pages (H5). Everything is validated here, on the server: the browser's
selects, `accept` attributes and JavaScript are conveniences, never checks."""
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from weizhili.params import parse_int
from weizhili.people.validation import validate_phone
from weizhili.places.models import Place, PlaceKind

from .models import Category, Satisfaction
from .uploads import photos_prepare

ANSWER_MAX = 200


def question_list(category: Category) -> list[dict]:
    """A category's extra questions, tolerating hand-edited JSON: only {code, label} entries with text."""
    out = []
    for item in category.questions or []:
        if isinstance(item, dict) and str(item.get("code") or "").strip() and str(item.get("label") or "").strip():
            out.append({"code": str(item["code"]).strip()[:30], "label": str(item["label"]).strip()})
    return out


def question_field_name(category: Category, code: str) -> str:
    return f"q{category.pk}_{code}"


def parse_id(value) -> int | None:
    return parse_int(value)  # the parameter layer's rule: ASCII digits, 1 .. 2**63-1


def child_of(parent: Place, node_id, kind: str) -> Place | None:
    """The direct child `node_id` of `parent` if it has the expected kind; None for anything else (unknown id,
    another street, a household posted as a building...)."""
    number = parse_id(node_id)
    if number is None:
        return None
    return parent.children_qs().filter(pk=number, kind=kind).first()


class ReportForm(forms.Form):
    """A resident's (or, with `grid=True`, a grid worker's) report. Place fields are ids checked against the
    street's tree in `clean`; `cleaned_data["place"]` is the deepest chosen node."""

    community = forms.CharField(required=False)
    compound = forms.CharField(required=False)
    building = forms.CharField(required=False)
    unit_room = forms.CharField(required=False, max_length=40, strip=True,
                                error_messages={"max_length": _("单元和门牌号最多40个字")})
    category = forms.CharField(error_messages={"required": _("请选择问题分类")})
    description = forms.CharField(
        min_length=4, max_length=2000, strip=True,
        error_messages={"required": _("请填写问题描述"), "min_length": _("请把问题描述清楚（至少4个字）"),
                        "max_length": _("问题描述最多2000字")})
    contact_name = forms.CharField(required=False, max_length=50, strip=True,
                                   error_messages={"max_length": _("联系人姓名最多50个字")})
    contact_phone = forms.CharField(required=False, max_length=20, strip=True,
                                    error_messages={"max_length": _("手机号格式不正确")})
    anonymous = forms.BooleanField(required=False)
    keep_location = forms.BooleanField(required=False)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90,
                           error_messages={"invalid": _("位置信息无效"), "min_value": _("位置信息无效"),
                                           "max_value": _("位置信息无效")})
    lng = forms.FloatField(required=False, min_value=-180, max_value=180,
                           error_messages={"invalid": _("位置信息无效"), "min_value": _("位置信息无效"),
                                           "max_value": _("位置信息无效")})
    confirm_new = forms.BooleanField(required=False)
    # grid workers only: the complainant agreed that their name and phone are recorded
    consent = forms.BooleanField(required=False)

    def __init__(self, *args, street: Place, categories: list[Category], grid: bool = False,
                 scope: Place | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.street = street
        self.categories = categories
        self.grid = grid
        self.scope = scope  # a grid worker reports only within their own area
        if not grid:
            del self.fields["consent"]

    def clean_contact_phone(self):
        phone = self.cleaned_data.get("contact_phone", "")
        return validate_phone(phone) if phone else ""

    def clean_category(self):
        number = parse_id(self.cleaned_data.get("category"))
        for category in self.categories:
            if category.pk == number:
                return category
        raise ValidationError(_("请选择问题分类"))

    def _clean_place(self) -> Place | None:
        community = child_of(self.street, self.data.get("community"), PlaceKind.COMMUNITY)
        if community is None:
            self.add_error("community", _("请选择所在社区"))
            return None
        place = community
        if parse_id(self.data.get("compound")):
            compound = child_of(community, self.data.get("compound"), PlaceKind.COMPOUND)
            if compound is None:
                self.add_error("compound", _("所选院落不属于该社区，请重新选择"))
                return None
            place = compound
        elif (self.data.get("compound") or "").strip():
            self.add_error("compound", _("所选院落不属于该社区，请重新选择"))
            return None
        if (self.data.get("building") or "").strip():
            building = child_of(place, self.data.get("building"), PlaceKind.BUILDING) \
                if place.kind == PlaceKind.COMPOUND else None
            if building is None:
                self.add_error("building", _("所选楼栋不属于该院落，请重新选择"))
                return None
            place = building
        if self.scope is not None and not place.path.startswith(self.scope.path):
            self.add_error("compound", _("只能上报您负责范围内的院落"))
            return None
        return place

    def clean(self):
        data = super().clean()
        data["place"] = self._clean_place()
        category = data.get("category")
        answers: dict[str, str] = {}
        if isinstance(category, Category):
            for question in question_list(category):
                value = (self.data.get(question_field_name(category, question["code"])) or "").strip()
                if len(value) > ANSWER_MAX:
                    self.add_error(None, _("“%(label)s”的回答最多%(n)d个字")
                                   % {"label": question["label"], "n": ANSWER_MAX})
                elif value:
                    answers[question["code"]] = value
        if data.get("unit_room"):
            answers["unit_room"] = data["unit_room"]
        data["answers"] = answers
        if self.grid and (data.get("contact_name") or data.get("contact_phone")) and not data.get("consent"):
            self.add_error("consent", _("记录居民的姓名或电话前，请先征得居民同意并勾选"))
        if (data.get("lat") is None) != (data.get("lng") is None):
            data["lat"] = data["lng"] = None
        data["photos"] = []
        files = self.files.getlist("photos") if self.files else []
        if files and not self.errors:  # decode images only for an otherwise valid report
            try:
                data["photos"] = photos_prepare(files, keep_location=bool(data.get("keep_location")))
            except ValidationError as exc:
                self.add_error(None, exc)
        return data


class RateForm(forms.Form):
    satisfaction = forms.ChoiceField(choices=Satisfaction.choices,
                                     error_messages={"required": _("请选择满意、基本满意或不满意"),
                                                     "invalid_choice": _("请选择满意、基本满意或不满意")})
    resolved = forms.ChoiceField(choices=[("1", _("已解决")), ("0", _("未解决"))],
                                 error_messages={"required": _("请选择问题是否解决"),
                                                 "invalid_choice": _("请选择问题是否解决")})
    note = forms.CharField(required=False, max_length=500, strip=True,
                           error_messages={"max_length": _("意见最多500字")})


class NoteForm(forms.Form):
    note = forms.CharField(max_length=2000, strip=True,
                           error_messages={"required": _("请填写补充的内容"), "max_length": _("补充内容最多2000字")})


class LookupForm(forms.Form):
    code = forms.CharField(max_length=20, strip=True, error_messages={"required": _("请填写诉求编号")})
    last4 = forms.RegexField(regex=r"^\d{4}$", strip=True,
                             error_messages={"required": _("请填写手机号后4位"), "invalid": _("请填写手机号后4位数字")})


class MeTooForm(forms.Form):
    """附议: one per person, so the phone is asked for (only its keyed hash is kept)."""

    ticket = forms.CharField(max_length=500)
    phone = forms.CharField(max_length=20, strip=True,
                            error_messages={"required": _("请填写手机号（每人只能附议一次，号码不会保存）"),
                                            "max_length": _("手机号格式不正确")})

    def clean_phone(self):
        return validate_phone(self.cleaned_data["phone"])


class ReopenForm(forms.Form):
    note = forms.CharField(max_length=2000, strip=True,
                           error_messages={"required": _("请说明问题又出现的情况"),
                                           "max_length": _("说明最多2000字")})
