from django.db import models
from django.utils.translation import gettext_lazy as _

from .fields import EncryptedCharField
from .masking import mask_id_number, mask_name, mask_phone


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")
    UNKNOWN = "", _("未填")


class PersonQuerySet(models.QuerySet):
    def within(self, path: str):
        return self.filter(place__path__startswith=path)


class Person(models.Model):
    """A natural person. Phone and ID number are encrypted at rest; `*_hash` allows exact lookup."""

    name = models.CharField(_("姓名"), max_length=50, db_index=True)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("出生年份"), null=True, blank=True)
    phone = EncryptedCharField(_("手机号"), blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    id_number = EncryptedCharField(_("身份证号"), blank=True)
    id_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    # Where the person belongs: a household for residents, a higher node for staff and partners.
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="people",
                              verbose_name=_("所属区划"))
    is_anonymised = models.BooleanField(_("已匿名化"), default=False)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        permissions = [("unmask_person", _("可查看完整的手机号和身份证号"))]
        constraints = [
            models.UniqueConstraint(fields=["id_hash"], condition=~models.Q(id_hash=""), name="uniq_person_id_hash"),
        ]

    def __str__(self) -> str:
        return self.masked_name

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)
