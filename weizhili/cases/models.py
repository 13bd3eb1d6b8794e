"""The case loop: resident requests tracked from report to rating, tiered compound → community → street."""
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from weizhili.people.fields import EncryptedCharField


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("待受理")
    ACCEPTED = "accepted", _("已受理")
    REGISTERED = "registered", _("已立案")
    DISPATCHED = "dispatched", _("已派遣")
    HANDLING = "handling", _("处置中")
    REPORTED = "reported", _("已反馈")
    VERIFIED = "verified", _("已核查")
    CLOSED = "closed", _("已结案")
    PARKED = "parked", _("已挂起")
    MERGED = "merged", _("已合并")
    REJECTED = "rejected", _("不予受理")


OPEN_STATUSES = [Status.SUBMITTED, Status.ACCEPTED, Status.REGISTERED, Status.DISPATCHED, Status.HANDLING,
                 Status.REPORTED, Status.VERIFIED]
# States in which a handling unit's clock runs (escalation and cards apply).
RUNNING_STATUSES = [Status.REGISTERED, Status.DISPATCHED, Status.HANDLING]
FINAL_STATUSES = [Status.CLOSED, Status.MERGED, Status.REJECTED]


class Tier(models.TextChoices):
    COMPOUND = "compound", _("院落")
    COMMUNITY = "community", _("社区")
    STREET = "street", _("街道")


TIER_ORDER = [Tier.COMPOUND, Tier.COMMUNITY, Tier.STREET]


class HandlerKind(models.TextChoices):
    BRANCH = "branch", _("院落党支部及楼栋长")
    PROPERTY = "property", _("物业公司")
    MEDIATION = "mediation", _("民事调解小组")
    COMMUNITY = "community", _("社区")
    STREET = "street", _("街道")


class Source(models.TextChoices):
    RESIDENT = "resident", _("居民手机上报")
    GRID = "grid", _("网格员上报")
    WALK_IN = "walk_in", _("来访")
    PHONE = "phone", _("来电")
    HOTLINE = "hotline", _("12345热线")
    INSPECTION = "inspection", _("巡查发现")
    PROPERTY = "property", _("物业上报")


class DeadlineUnit(models.TextChoices):
    WORKDAYS = "workdays", _("工作日")
    HOURS = "hours", _("小时")


class Card(models.TextChoices):
    NONE = "none", _("正常")
    YELLOW = "yellow", _("黄牌")
    RED = "red", _("红牌")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


# The one table of default deadlines (docs/rules-and-metrics.md): StreetPolicy's fields and the default
# categories take their defaults from here; each street then edits its own copy in the admin.
SLA_DEFAULTS = {
    "tier_workdays": {Tier.COMPOUND: 2, Tier.COMMUNITY: 3, Tier.STREET: 5},  # 小事不出院落，矛盾不出社区
    "handle_workdays": 5,         # the case-level clock and most categories (Shandong hotline default)
    "max_extension_workdays": 10,
    "return_window_workdays": 2,  # a wrongly dispatched order may be returned within this many working days
    # per default category: (unit, value); urgent classes count natural hours
    "categories": {
        "property": (DeadlineUnit.WORKDAYS, 5), "sanitation": (DeadlineUnit.WORKDAYS, 3),
        "noise": (DeadlineUnit.WORKDAYS, 3), "parking": (DeadlineUnit.WORKDAYS, 5),
        "utilities": (DeadlineUnit.HOURS, 24), "dispute": (DeadlineUnit.WORKDAYS, 5),
        "safety": (DeadlineUnit.HOURS, 2), "repair": (DeadlineUnit.WORKDAYS, 5),
        "welfare": (DeadlineUnit.WORKDAYS, 5), "other": (DeadlineUnit.WORKDAYS, 5),
    },
}


class StreetPolicy(models.Model):
    """Per-street rules with the defaults of docs/rules-and-metrics.md; editable in the admin."""

    street = models.OneToOneField("places.Place", on_delete=models.CASCADE, related_name="case_policy",
                                  verbose_name=_("街道"))
    compound_sla_workdays = models.PositiveSmallIntegerField(_("院落层级办理时限（工作日）"),
                                                             default=SLA_DEFAULTS["tier_workdays"][Tier.COMPOUND])
    community_sla_workdays = models.PositiveSmallIntegerField(_("社区层级办理时限（工作日）"),
                                                              default=SLA_DEFAULTS["tier_workdays"][Tier.COMMUNITY])
    street_sla_workdays = models.PositiveSmallIntegerField(_("街道层级办理时限（工作日）"),
                                                           default=SLA_DEFAULTS["tier_workdays"][Tier.STREET])
    handle_workdays = models.PositiveSmallIntegerField(_("案件办理时限（工作日）"),
                                                       default=SLA_DEFAULTS["handle_workdays"])
    max_extension_workdays = models.PositiveSmallIntegerField(_("最长延期（工作日）"),
                                                              default=SLA_DEFAULTS["max_extension_workdays"])
    return_window_workdays = models.PositiveSmallIntegerField(_("退回时限（工作日）"),
                                                              default=SLA_DEFAULTS["return_window_workdays"])
    basic_satisfaction_weight = models.DecimalField(_("基本满意折算系数"), max_digits=3, decimal_places=2,
                                                    default=1)
    weight_response = models.PositiveSmallIntegerField(_("响应率权重"), default=30)
    weight_resolution = models.PositiveSmallIntegerField(_("解决率权重"), default=35)
    weight_satisfaction = models.PositiveSmallIntegerField(_("满意率权重"), default=35)
    reopen_window_days = models.PositiveSmallIntegerField(
        _("满意后可申请重办的期限（天）"), default=30,
        help_text=_("结案后这么多天内，问题复发的居民可在进度页申请重办"))

    class Meta:
        verbose_name = _("诉求办理规则")
        verbose_name_plural = _("诉求办理规则")

    def __str__(self) -> str:
        return str(self.street)

    def tier_sla(self, tier: str) -> int:
        return {Tier.COMPOUND: self.compound_sla_workdays, Tier.COMMUNITY: self.community_sla_workdays,
                Tier.STREET: self.street_sla_workdays}[tier]


class CalendarOverride(models.Model):
    """A day the street declares working or not (the State Council's notice, local arrangements); wins over
    the holiday package."""

    street = models.ForeignKey("places.Place", on_delete=models.CASCADE, related_name="calendar_overrides",
                               verbose_name=_("街道"))
    day = models.DateField(_("日期"))
    is_workday = models.BooleanField(_("是否工作日"))
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("工作日调整")
        verbose_name_plural = _("工作日调整")
        constraints = [models.UniqueConstraint(fields=["street", "day"], name="uniq_calendar_override")]

    def __str__(self) -> str:
        return f"{self.day} {'班' if self.is_workday else '休'}"


class Category(models.Model):
    """A per-street case category with its default handler, deadline and optional extra questions."""

    street = models.ForeignKey("places.Place", on_delete=models.CASCADE, related_name="case_categories",
                               verbose_name=_("街道"))
    code = models.SlugField(_("代码"), max_length=30)
    name = models.CharField(_("名称"), max_length=30)
    handler_kind = models.CharField(_("默认处置单位"), max_length=12, choices=HandlerKind.choices,
                                    default=HandlerKind.BRANCH)
    deadline_unit = models.CharField(_("时限单位"), max_length=10, choices=DeadlineUnit.choices,
                                     default=DeadlineUnit.WORKDAYS)
    deadline_value = models.PositiveSmallIntegerField(_("办理时限"), default=SLA_DEFAULTS["handle_workdays"])
    questions = models.JSONField(_("补充问题"), default=list, blank=True,
                                 help_text=_("如 [{\"code\": \"floor\", \"label\": \"几楼？\"}]"))
    sort_key = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("诉求分类")
        verbose_name_plural = _("诉求分类")
        ordering = ["sort_key", "id"]
        constraints = [models.UniqueConstraint(fields=["street", "code"], name="uniq_case_category_code")]

    def __str__(self) -> str:
        return self.name


DEFAULT_CATEGORIES = [
    # code, name, handler, unit, value (from SLA_DEFAULTS), questions
    (code, name, handler, *SLA_DEFAULTS["categories"][code], questions)
    for code, name, handler, questions in [
        ("property", "物业服务", HandlerKind.PROPERTY, []),
        ("sanitation", "环境卫生", HandlerKind.BRANCH, []),
        ("noise", "噪音扰民", HandlerKind.BRANCH, [{"code": "time", "label": "一般在什么时间？"}]),
        ("parking", "停车与交通", HandlerKind.BRANCH, []),
        ("utilities", "水电暖气", HandlerKind.PROPERTY, [{"code": "scope", "label": "影响几户？"}]),
        ("dispute", "邻里纠纷", HandlerKind.MEDIATION, []),
        ("safety", "公共安全", HandlerKind.BRANCH, []),
        ("repair", "设施维修", HandlerKind.PROPERTY, []),
        ("welfare", "养老与困难帮扶", HandlerKind.COMMUNITY, []),
        ("other", "其他", HandlerKind.BRANCH, []),
    ]
]


def _tracking_token() -> str:
    return secrets.token_urlsafe(18)


class CaseQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def within(self, path: str):
        return self.filter(place__path__startswith=path)


class Case(models.Model):
    code = models.CharField(_("编号"), max_length=20)
    token = models.CharField(max_length=32, default=_tracking_token, editable=False)
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="cases",
                              verbose_name=_("发生地点"))
    compound = models.ForeignKey("places.Place", on_delete=models.PROTECT, null=True, blank=True, db_index=False,
                                 related_name="compound_cases", verbose_name=_("院落"))
    community = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="community_cases",
                                  db_index=False, verbose_name=_("社区"))
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="cases", db_index=False,
                                 verbose_name=_("分类"))
    description = models.TextField(_("问题描述"), max_length=2000)
    answers = models.JSONField(_("补充信息"), default=dict, blank=True)
    source = models.CharField(_("来源"), max_length=12, choices=Source.choices, default=Source.RESIDENT)
    reporter = models.ForeignKey("people.Person", on_delete=models.SET_NULL, null=True, blank=True, db_index=False,
                                 related_name="reported_cases", verbose_name=_("反映人"))
    reporter_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                      db_index=False, related_name="reported_cases", verbose_name=_("上报账号"))
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = EncryptedCharField(_("联系电话"), blank=True)
    anonymous = models.BooleanField(_("匿名"), default=False)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    external_ref = models.CharField(_("外部编号"), max_length=40, blank=True)
    # When the resident agreed that a grid worker records their name and phone (PIPL: consent recorded).
    contact_consent_at = models.DateTimeField(_("同意记录联系方式时间"), null=True, blank=True)
    # The only free text shown on public pages: written or approved by case staff, never the raw description.
    public_summary = models.CharField(_("公开摘要"), max_length=200, blank=True,
                                      help_text=_("工作人员撰写或审定，在公开页面显示；不要写姓名、电话、门牌号"))

    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    parked_from = models.CharField(max_length=12, choices=Status.choices, blank=True, editable=False)
    tier = models.CharField(_("层级"), max_length=10, choices=Tier.choices, default=Tier.COMPOUND)
    handler_kind = models.CharField(_("处置单位"), max_length=12, choices=HandlerKind.choices,
                                    default=HandlerKind.BRANCH)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 db_index=False, related_name="assigned_cases", verbose_name=_("承办人"))
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
                               db_index=False, verbose_name=_("合并至"))

    created_at = models.DateTimeField(_("上报时间"), db_index=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("派遣时间"), null=True, blank=True)
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    contacted_at = models.DateTimeField(_("联系居民时间"), null=True, blank=True)
    reported_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    # The case-level clock (from accept) and the current handling round's clock (from dispatch).
    case_due_at = models.DateTimeField(_("案件办结时限"), null=True, blank=True, db_index=True)
    due_at = models.DateTimeField(_("本轮办理时限"), null=True, blank=True)
    yellow_at = models.DateTimeField(null=True, blank=True, editable=False)
    red_at = models.DateTimeField(null=True, blank=True, editable=False)
    tier_due_at = models.DateTimeField(_("本层级时限"), null=True, blank=True)
    deadline_provisional = models.BooleanField(_("时限按临时日历计算"), default=False)
    card = models.CharField(_("警示"), max_length=6, choices=Card.choices, default=Card.NONE)

    round = models.PositiveSmallIntegerField(_("办理轮次"), default=1)
    escalations = models.PositiveSmallIntegerField(_("上报次数"), default=0)
    extensions = models.PositiveSmallIntegerField(_("延期次数"), default=0)
    extension_requested_days = models.PositiveSmallIntegerField(default=0, editable=False)
    reworks = models.PositiveSmallIntegerField(_("返工次数"), default=0)
    me_too = models.PositiveIntegerField(_("附议人数"), default=0)
    resolved_tier = models.CharField(_("化解层级"), max_length=10, choices=Tier.choices, blank=True)
    closed_on_time = models.BooleanField(_("按期办结"), null=True, blank=True)
    exempt = models.BooleanField(_("不计入考核"), default=False,
                                 help_text=_("经认定的不合理诉求或申诉成功的工单不计入分母"))
    first_satisfaction = models.CharField(_("首次满意度"), max_length=12, choices=Satisfaction.choices, blank=True)
    final_satisfaction = models.CharField(_("最终满意度"), max_length=12, choices=Satisfaction.choices, blank=True)
    sweep_mark = models.CharField(max_length=32, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("诉求")
        verbose_name_plural = _("诉求")
        # Every index costs each updated row an entry (the sweep updates rows in bulk), so only what the
        # queue, the sweep, the figures and the look-ups use; rarely-set columns get partial indexes.
        constraints = [
            models.UniqueConstraint(fields=["code"], name="uniq_case_code"),
            models.UniqueConstraint(fields=["token"], name="uniq_case_token"),
        ]
        indexes = [
            models.Index(fields=["status", "tier", "tier_due_at"], name="case_sweep_idx"),
            # one index for both cards: yellow_at < red_at always (calendar.cards), so the red query can range
            # over yellow_at too; one index fewer for every escalated row to enter
            models.Index(fields=["status", "yellow_at", "red_at"], name="case_card_due_idx"),
            models.Index(fields=["community", "status"], name="case_community_status_idx"),
            models.Index(fields=["compound", "status"], name="case_compound_status_idx"),
            models.Index(fields=["assignee", "status"], name="case_assignee_status_idx",
                         condition=models.Q(assignee__isnull=False)),
            models.Index(fields=["parent"], name="case_parent_idx", condition=models.Q(parent__isnull=False)),
            models.Index(fields=["reporter_user"], name="case_reporter_user_idx",
                         condition=models.Q(reporter_user__isnull=False)),
            models.Index(fields=["reporter"], name="case_reporter_idx", condition=models.Q(reporter__isnull=False)),
            models.Index(fields=["external_ref"], name="case_external_ref_idx", condition=~models.Q(external_ref="")),
            models.Index(fields=["sweep_mark"], name="case_sweep_mark_idx", condition=~models.Q(sweep_mark="")),
            models.Index(fields=["category"], name="case_category_idx"),
            # open cases (all that the sweep updates) have no closing time: leaving them out of the index saves
            # each escalation an entry. The condition is what the readers already say: a closing time in a range
            # (the figures) or the status closed (the closed list, newest first)
            models.Index(fields=["closed_at"], name="case_closed_at_idx",
                         condition=models.Q(closed_at__isnull=False) | models.Q(status=Status.CLOSED)),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class MeToo(models.Model):
    """One "me too" (附议) per person and case: the person is a keyed hash of their phone, so a second me-too
    by the same phone adds nothing and the phone itself is not stored."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="me_toos", verbose_name=_("诉求"))
    phone_hash = models.CharField(max_length=64, editable=False)
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("附议")
        verbose_name_plural = _("附议")
        constraints = [models.UniqueConstraint(fields=["case", "phone_hash"], name="uniq_metoo_person")]

    def __str__(self) -> str:
        return f"{self.case_id} +1"


class Event(models.Model):
    """One line of a case's timeline: every transition and action, with actor, time and note."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("诉求"))
    action = models.CharField(_("动作"), max_length=24)
    from_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("操作人"))
    actor_label = models.CharField(_("操作人"), max_length=60, blank=True)
    at = models.DateTimeField(_("时间"), db_index=True)
    note = models.TextField(_("说明"), blank=True, max_length=2000)
    data = models.JSONField(default=dict, blank=True)
    public = models.BooleanField(_("居民可见"), default=True)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action}"


class Attachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("诉求"))
    event = models.ForeignKey(Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="attachments")
    file = models.FileField(_("文件"), upload_to="cases/%Y/%m/")
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    public = models.BooleanField(_("居民可见"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.file.name


class FollowUp(models.Model):
    """回访: the resident's satisfaction and whether the problem was solved, one per handling round."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="followups", verbose_name=_("诉求"))
    round = models.PositiveSmallIntegerField(_("办理轮次"))
    satisfaction = models.CharField(_("满意度"), max_length=12, choices=Satisfaction.choices)
    resolved = models.BooleanField(_("是否解决"))
    valid = models.BooleanField(_("有效回访"), default=True)
    note = models.CharField(_("意见"), max_length=500, blank=True)
    at = models.DateTimeField(_("回访时间"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                           related_name="+")

    class Meta:
        verbose_name = _("回访")
        verbose_name_plural = _("回访")
        constraints = [models.UniqueConstraint(fields=["case", "round"], name="uniq_followup_round")]

    def __str__(self) -> str:
        return f"{self.case_id} #{self.round} {self.satisfaction}"


class SupervisionReason(models.TextChoices):
    RED_CARD = "red_card", _("红牌超期")
    UNSATISFIED = "unsatisfied", _("重办后仍不满意")
    MANUAL = "manual", _("领导督办")


class Supervision(models.Model):
    """督办单."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="supervisions", verbose_name=_("诉求"))
    reason = models.CharField(_("原因"), max_length=12, choices=SupervisionReason.choices)
    note = models.CharField(_("督办意见"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("督办时间"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("督办单")
        verbose_name_plural = _("督办单")
        constraints = [models.UniqueConstraint(fields=["case", "reason", "created_at"], name="uniq_supervision")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.reason}"


class Notification(models.Model):
    """A message to one user, kept as a message kind and its parameters and rendered when it is shown or
    mailed, in the reader's language (`notify.MESSAGES`)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notifications", null=True, blank=True)
    kind = models.CharField(max_length=24, blank=True)
    params = models.JSONField(default=dict, blank=True)
    text = models.CharField(max_length=200, blank=True)  # rows written before `kind`: already rendered
    created_at = models.DateTimeField(db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return self.message

    @property
    def message(self) -> str:
        """The text in the active language (a page: its reader's; a mail: `notify.render` activates the
        recipient's)."""
        from .notify import render

        return render(self)


class ReplyTemplate(models.Model):
    street = models.ForeignKey("places.Place", on_delete=models.CASCADE, related_name="reply_templates")
    title = models.CharField(_("标题"), max_length=40)
    text = models.TextField(_("内容"), max_length=1000)

    class Meta:
        verbose_name = _("回复模板")
        verbose_name_plural = _("回复模板")

    def __str__(self) -> str:
        return self.title
