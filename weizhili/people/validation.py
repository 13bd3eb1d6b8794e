"""Validators for Chinese phone numbers and resident ID numbers (GB 11643-1999 checksum)."""
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
_ID = re.compile(r"^\d{17}[\dX]$")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def normalize_phone(value: str) -> str:
    value = re.sub(r"[\s()（）]", "", value or "")
    if value.startswith("+86"):
        value = value[3:]
    return value


def validate_phone(value: str) -> str:
    phone = normalize_phone(value)
    if not (_MOBILE.match(phone) or _LANDLINE.match(phone)):
        raise ValidationError(_("手机号格式不正确：应为11位手机号或带区号的固定电话"), code="phone")
    return phone


def id_check_digit(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def validate_id_number(value: str) -> str:
    number = (value or "").strip().upper()
    if not _ID.match(number):
        raise ValidationError(_("身份证号格式不正确：应为18位"), code="id_format")
    if id_check_digit(number[:17]) != number[17]:
        raise ValidationError(_("身份证号校验位不正确"), code="id_checksum")
    return number
