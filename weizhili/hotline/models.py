"""12345 hotline work orders as the street imports them, where each one was found, its class and its repeats.

An order is identified by (street, order number): a re-import of the same number updates the row. `place` is the
most specific place the order was located to (compound, else community, else the street): it carries the data
scope, as on cases.

The foreign keys of an order have no database constraint (`db_constraint=False`): a million-row import spent
more time in PostgreSQL's per-row foreign-key triggers at commit than in the insert itself (bench/
bench_hotline_import.py). The ids come from the street's own place tree read moments before, and deleting a
place an order points to is still refused by Django (PROTECT), as everywhere else."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Band(models.TextChoices):
    HIGH = "high", _("高")
    MEDIUM = "medium", _("中")
    LOW = "low", _("低")
    NONE = "none", _("未定位")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")
    NONE = "", _("未评价")


class LocateSource(models.TextChoices):
    ADDRESS = "address", _("地址")
    DESCRIPTION = "description", _("诉求内容")
    FUZZY = "fuzzy", _("近似匹配")
    MANUAL = "manual", _("人工指定")
    NONE = "", _("—")


class HotlineOrder(models.Model):
    street = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="hotline_orders",
                               db_constraint=False, db_index=False)  # the (street, …) indexes below serve it
    order_no = models.CharField(_("工单编号"), max_length=40)
    received_at = models.DateTimeField(_("来电时间"))
    content = models.TextField(_("诉求内容"), blank=True)
    category = models.CharField(_("问题分类"), max_length=100, blank=True)
    address = models.CharField(_("事发地址"), max_length=200, blank=True)
    handling_unit = models.CharField(_("承办单位"), max_length=100, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    resolved = models.BooleanField(_("是否解决"), null=True, blank=True)
    satisfaction = models.CharField(_("满意度"), max_length=12, choices=Satisfaction.choices, blank=True)
    urgency = models.CharField(_("紧急程度"), max_length=20, blank=True)
    responded_at = models.DateTimeField(_("签收时间"), null=True, blank=True)

    # Where: filled by the address matcher, or by a person (source "manual", never overwritten by a re-import).
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+", db_index=False,
                              db_constraint=False)
    community = models.ForeignKey("places.Place", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", db_index=False, db_constraint=False)
    compound = models.ForeignKey("places.Place", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", db_index=False, db_constraint=False)
    building = models.ForeignKey("places.Place", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", db_index=False, db_constraint=False)
    building_no = models.PositiveIntegerField(_("楼号"), null=True, blank=True)
    unit_no = models.PositiveIntegerField(_("单元"), null=True, blank=True)
    room = models.CharField(_("室"), max_length=12, blank=True)
    locate_confidence = models.FloatField(_("定位置信度"), default=0)
    locate_band = models.CharField(_("定位可信度"), max_length=6, choices=Band.choices, default=Band.NONE)
    locate_source = models.CharField(_("定位来源"), max_length=12, choices=LocateSource.choices, blank=True)

    # What: the predicted class when the order came without one; the case-taxonomy code from either.
    predicted_category = models.CharField(_("预测分类"), max_length=100, blank=True)
    predicted_confidence = models.FloatField(_("预测置信度"), null=True, blank=True)
    case_category = models.CharField(_("案件分类"), max_length=20, blank=True)

    # Repeats: the id of the group's first order (itself when it repeats nothing); one case per group.
    # Not indexed, on purpose: regrouping rewrites this column for every repeat after an import, and with no
    # index on it (and free space in each page, migration 0002) those are HOT updates with no index entries.
    # Group lookups are narrowed by place and time first.
    repeat_group = models.BigIntegerField(_("重复组"), null=True, blank=True)
    case = models.ForeignKey("cases.Case", on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="hotline_orders", verbose_name=_("关联案件"), db_index=False,
                             db_constraint=False)
    last_import = models.ForeignKey("hotline.ImportJob", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", db_index=False, db_constraint=False)
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("热线工单")
        verbose_name_plural = _("热线工单")
        constraints = [models.UniqueConstraint(fields=["street", "order_no"], name="hotline_order_no_uniq")]
        indexes = [
            # Few indexes: each costs every imported row an entry. Figures, lists and scope all filter by the
            # place subtree and a time range; the import's regrouping by street and time.
            models.Index(fields=["street", "received_at"], name="hotline_street_time_idx"),
            models.Index(fields=["place", "received_at"], name="hotline_place_time_idx"),
            models.Index(fields=["case"], name="hotline_case_idx", condition=models.Q(case__isnull=False)),
        ]

    def __str__(self):
        return self.order_no


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("进行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")
    NEEDS_MAPPING = "mapping", _("待对应表头")


class ImportJob(models.Model):
    """One upload (or one command-line run): its progress while it runs and its summary afterwards."""
    street = models.ForeignKey("places.Place", on_delete=models.CASCADE, related_name="hotline_imports")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    file_name = models.CharField(_("文件名"), max_length=200)
    stored_path = models.CharField(max_length=400, blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=JobStatus.choices, default=JobStatus.QUEUED)
    stage = models.CharField(_("步骤"), max_length=40, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    error_path = models.CharField(max_length=400, blank=True)
    message = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("工单导入")
        verbose_name_plural = _("工单导入")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 100 if self.status == JobStatus.DONE else 0
        return min(100, round(100 * self.rows_done / self.rows_total))


class ColumnMapping(models.Model):
    """A header the reader did not know, mapped once by a person to a field (or to "" = ignore)."""
    street = models.ForeignKey("places.Place", on_delete=models.CASCADE, related_name="hotline_columns")
    header = models.CharField(_("表头"), max_length=100)
    field = models.CharField(_("对应字段"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("表头对应")
        verbose_name_plural = _("表头对应")
        constraints = [models.UniqueConstraint(fields=["street", "header"], name="hotline_column_uniq")]

    def __str__(self):
        return f"{self.header} → {self.field or '—'}"


class CategoryMapping(models.Model):
    """A hotline class (or its leading levels, e.g. 城乡建设-供热) mapped onto the case taxonomy."""
    street = models.ForeignKey("places.Place", on_delete=models.CASCADE, related_name="hotline_category_map")
    hotline_category = models.CharField(_("热线分类"), max_length=100)
    case_category = models.CharField(_("案件分类代码"), max_length=20)

    class Meta:
        verbose_name = _("分类对应")
        verbose_name_plural = _("分类对应")
        constraints = [models.UniqueConstraint(fields=["street", "hotline_category"], name="hotline_catmap_uniq")]

    def __str__(self):
        return f"{self.hotline_category} → {self.case_category}"


class CategoryModel(models.Model):
    """A trained classifier file for one street, with when it was trained and how well it did on held-out orders."""
    street = models.ForeignKey("places.Place", on_delete=models.CASCADE, related_name="hotline_models")
    path = models.CharField(max_length=400)
    trained_at = models.DateTimeField(_("训练时间"))
    samples = models.PositiveIntegerField(_("样本数"))
    labels = models.PositiveIntegerField(_("类别数"))
    accuracy = models.FloatField(_("准确率"))
    macro_f1 = models.FloatField(_("宏平均F1"))
    # python, scikit-learn, numpy and scipy versions that made the file (a pickle is tied to them)
    libraries = models.JSONField(_("训练所用库版本"), default=dict, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("分类模型")
        verbose_name_plural = _("分类模型")
        ordering = ["-trained_at"]

    def __str__(self):
        return f"{self.trained_at:%Y-%m-%d %H:%M} ({self.accuracy:.1%})"
