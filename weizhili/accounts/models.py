from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from weizhili.people.fields import EncryptedCharField


class Role(models.TextChoices):
    STREET_CADRE = "street_cadre", _("街道干部")
    COMMUNITY_WORKER = "community_worker", _("社区工作者")
    BRANCH_SECRETARY = "branch_secretary", _("院落党支部书记")
    BUILDING_LEADER = "building_leader", _("楼栋长/三长四员")
    GRID_WORKER = "grid_worker", _("流动网格员")
    VOLUNTEER = "volunteer", _("志愿者")
    RESIDENT = "resident", _("居民")
    PARTNER_UNIT = "partner_unit", _("共建单位")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDIT_ADMIN = "audit_admin", _("审计管理员")


ADMIN_ROLES = {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN}
# Accounts that must use two-factor login where WEIZHILI_TOTP_REQUIRED is on.
TOTP_REQUIRED_ROLES = {Role.STREET_CADRE} | ADMIN_ROLES


class EmailMode(models.TextChoices):
    OFF = "off", _("不发邮件")
    INSTANT = "instant", _("每条通知即时发送")
    DAILY = "daily", _("每天早上汇总一封")


class User(AbstractUser):
    """An account: one person, one role, one place node. Data scope = that node and everything below it."""

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.RESIDENT)
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="users", verbose_name=_("管辖范围"))
    person = models.ForeignKey("people.Person", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="accounts", verbose_name=_("对应人员"))
    is_demo = models.BooleanField(_("演示账号"), default=False)
    must_change_password = models.BooleanField(_("下次登录须改密码"), default=True)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)
    failed_logins = models.PositiveSmallIntegerField(_("连续登录失败次数"), default=0)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)
    totp_secret = EncryptedCharField(_("动态口令密钥"), blank=True)
    totp_confirmed = models.BooleanField(_("已启用动态口令"), default=False)
    totp_last_counter = models.BigIntegerField(default=0, editable=False)
    email_mode = models.CharField(_("邮件通知"), max_length=8, choices=EmailMode.choices, default=EmailMode.OFF)
    # The language notifications are mailed in (blank: the site's default); pages follow the browser.
    language = models.CharField(_("通知语言"), max_length=10, choices=settings.LANGUAGES, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    @property
    def is_admin_role(self) -> bool:
        return self.role in ADMIN_ROLES

    def can(self, action, obj=None) -> tuple[bool, str]:
        """The permission registry (`permissions.can`), reachable from the rooms below `accounts` without
        importing it: `request.user.can("people.open_ledger")`."""
        from .permissions import can

        return can(self, action, obj)

    @property
    def scope_path(self) -> str | None:
        """The materialised path that bounds what this user may see; None = no domain data at all."""
        if self.place_id is None or self.role in (Role.SECURITY_ADMIN, Role.AUDIT_ADMIN):
            return None
        return self.place.path
