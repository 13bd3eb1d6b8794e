from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node


class OrgLevel(models.TextChoices):
    STREET_COMMITTEE = "street", _("街道党工委")
    COMMUNITY_BRANCH = "community", _("社区党总支")
    COMPOUND_BRANCH = "compound", _("院落党支部")
    BUILDING_GROUP = "building", _("楼栋党小组")
    CENTRAL_HOUSEHOLD = "household", _("党员中心户")


# The place kind each level is anchored to (its `place`).
LEVEL_PLACE_KIND = {
    OrgLevel.STREET_COMMITTEE: "street",
    OrgLevel.COMMUNITY_BRANCH: "community",
    OrgLevel.COMPOUND_BRANCH: "compound",
    OrgLevel.BUILDING_GROUP: "building",
    OrgLevel.CENTRAL_HOUSEHOLD: "household",
}
LEVEL_ORDER = list(OrgLevel)


class OrgKind(models.TextChoices):
    REGULAR = "regular", _("常规")
    BUSINESS_ALLIANCE = "business_alliance", _("商圈联盟党支部")


class PartyOrg(MP_Node):
    """A node of the five-level organisation tree, anchored to a place; a compound branch may cover several
    adjacent compounds (`covers`)."""

    level = models.CharField(_("层级"), max_length=12, choices=OrgLevel.choices, db_index=True)
    kind = models.CharField(_("类型"), max_length=20, choices=OrgKind.choices, default=OrgKind.REGULAR)
    name = models.CharField(_("名称"), max_length=100)
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="party_orgs",
                              verbose_name=_("所在区划"))
    covers = models.ManyToManyField("places.Place", blank=True, related_name="covering_orgs",
                                    verbose_name=_("覆盖区划"))
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)

    node_order_by = None

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")

    def __str__(self) -> str:
        return self.name


class CommitteeMember(models.Model):
    org = models.ForeignKey(PartyOrg, on_delete=models.CASCADE, related_name="committee", verbose_name=_("党组织"))
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="committee_roles",
                               verbose_name=_("人员"))
    role = models.CharField(_("职务"), max_length=30)
    term_start = models.DateField(_("任期开始"), null=True, blank=True)
    term_end = models.DateField(_("任期结束"), null=True, blank=True)

    class Meta:
        verbose_name = _("支委成员")
        verbose_name_plural = _("支委成员")

    def __str__(self) -> str:
        return f"{self.org} {self.role}"


class ServiceStation(models.Model):
    """党群服务驿站, e.g. the business-district alliance branch's station."""

    org = models.ForeignKey(PartyOrg, on_delete=models.CASCADE, related_name="stations", verbose_name=_("党组织"))
    name = models.CharField(_("名称"), max_length=100)
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="stations",
                              verbose_name=_("所在区划"))
    services = models.CharField(_("服务内容"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("党群服务驿站")
        verbose_name_plural = _("党群服务驿站")

    def __str__(self) -> str:
        return self.name


class Registration(models.TextChoices):
    LOCAL = "local", _("组织关系在本支部")
    ELSEWHERE = "elsewhere", _("在职党员（双报到）")


class MemberStatus(models.TextChoices):
    FULL = "full", _("正式党员")
    PROBATIONARY = "probationary", _("预备党员")
    ACTIVIST = "activist", _("入党积极分子")


class PartyMember(models.Model):
    person = models.OneToOneField("people.Person", on_delete=models.PROTECT, related_name="membership",
                                  verbose_name=_("人员"))
    org = models.ForeignKey(PartyOrg, on_delete=models.PROTECT, related_name="members",
                            verbose_name=_("所在（报到）支部"))
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="party_members",
                              verbose_name=_("居住区划"))
    registration = models.CharField(_("组织关系"), max_length=12, choices=Registration.choices,
                                    default=Registration.LOCAL)
    registered_with = models.CharField(_("组织关系所在单位"), max_length=100, blank=True)
    status = models.CharField(_("状态"), max_length=14, choices=MemberStatus.choices, default=MemberStatus.FULL)
    joined_on = models.DateField(_("入党日期"), null=True, blank=True)
    reported_on = models.DateField(_("报到日期"), null=True, blank=True)
    shows_identity = models.BooleanField(_("同意亮身份"), default=False)
    shows_identity_at = models.DateTimeField(_("亮身份同意时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")

    def __str__(self) -> str:
        return str(self.person)


class RoleGroup(models.TextChoices):
    THREE_HEADS = "heads", _("三长")
    FOUR_AIDES = "aides", _("四员")
    OTHER = "other", _("其他")


class RoleType(models.Model):
    """A per-street catalogue of responsibility roles (三长四员 by default)."""

    street = models.ForeignKey("places.Place", on_delete=models.CASCADE, related_name="role_types",
                               verbose_name=_("街道"))
    code = models.SlugField(_("代码"), max_length=30)
    name = models.CharField(_("名称"), max_length=30)
    group = models.CharField(_("类别"), max_length=8, choices=RoleGroup.choices, default=RoleGroup.OTHER)
    covers_kind = models.CharField(_("包干层级"), max_length=12, default="building")
    sort_key = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("三长四员角色")
        verbose_name_plural = _("三长四员角色")
        ordering = ["sort_key", "id"]
        constraints = [models.UniqueConstraint(fields=["street", "code"], name="uniq_role_type_code")]

    def __str__(self) -> str:
        return self.name


DEFAULT_ROLE_TYPES = [
    ("grid_head", "网格长", RoleGroup.THREE_HEADS, "compound"),
    ("building_head", "楼长", RoleGroup.THREE_HEADS, "building"),
    ("unit_head", "单元长", RoleGroup.THREE_HEADS, "unit"),
    ("informant", "信息员", RoleGroup.FOUR_AIDES, "building"),
    ("publicist", "宣传员", RoleGroup.FOUR_AIDES, "building"),
    ("mediator", "调解员", RoleGroup.FOUR_AIDES, "building"),
    ("server", "服务员", RoleGroup.FOUR_AIDES, "building"),
]


class RoleHolder(models.Model):
    """A person holding a role in a compound, with the places they answer for (责任制包干)."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="roles",
                               verbose_name=_("人员"))
    role = models.ForeignKey(RoleType, on_delete=models.PROTECT, related_name="holders", verbose_name=_("角色"))
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="role_holders",
                              verbose_name=_("所在院落"))
    areas = models.ManyToManyField("places.Place", related_name="responsible_holders", blank=True,
                                   verbose_name=_("包干区划"))
    since = models.DateField(_("任职日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("三长四员")
        verbose_name_plural = _("三长四员")
        constraints = [models.UniqueConstraint(fields=["person", "role", "place"], name="uniq_role_holder")]

    def __str__(self) -> str:
        return f"{self.role} {self.person}"
