from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet


class PlaceKind(models.TextChoices):
    STREET = "street", _("街道")
    COMMUNITY = "community", _("社区")
    COMPOUND = "compound", _("院落")
    BUILDING = "building", _("楼栋")
    UNIT = "unit", _("单元")
    HOUSEHOLD = "household", _("户")


# The one allowed child kind per kind: the tree's shape is fixed.
CHILD_KIND = {
    PlaceKind.STREET: PlaceKind.COMMUNITY,
    PlaceKind.COMMUNITY: PlaceKind.COMPOUND,
    PlaceKind.COMPOUND: PlaceKind.BUILDING,
    PlaceKind.BUILDING: PlaceKind.UNIT,
    PlaceKind.UNIT: PlaceKind.HOUSEHOLD,
}


class CompoundKind(models.TextChoices):
    RESIDENTIAL = "residential", _("住宅小区")
    DORMITORY = "dormitory", _("宿舍")
    BUSINESS = "business", _("商圈")


class PlaceQuerySet(MP_NodeQuerySet):
    def within(self, path: str):
        """This node and everything below it: one indexed prefix query."""
        return self.filter(path__startswith=path)

    def of_kind(self, kind: str):
        return self.filter(kind=kind)


class PlaceManager(MP_NodeManager.from_queryset(PlaceQuerySet)):
    def get_queryset(self):
        return PlaceQuerySet(self.model, using=self._db).order_by("path")


class Place(MP_Node):
    """A node of the street's one place tree (street → community → compound → building → unit → household)."""

    kind = models.CharField(_("层级"), max_length=12, choices=PlaceKind.choices, db_index=True)
    name = models.CharField(_("名称"), max_length=100)
    compound_kind = models.CharField(_("院落类型"), max_length=12, choices=CompoundKind.choices, blank=True)
    property_company = models.CharField(_("物业公司"), max_length=100, blank=True)
    owners_committee = models.CharField(_("业主委员会"), max_length=100, blank=True)
    resident_count = models.PositiveIntegerField(_("居民数"), null=True, blank=True)
    household_count = models.PositiveIntegerField(_("户数"), null=True, blank=True)
    boundary = models.JSONField(_("边界 (GeoJSON)"), null=True, blank=True)
    centroid_lat = models.FloatField(_("中心纬度"), null=True, blank=True)
    centroid_lng = models.FloatField(_("中心经度"), null=True, blank=True)
    sort_key = models.PositiveIntegerField(_("排序"), default=0)

    node_order_by = None
    objects = PlaceManager()

    class Meta:
        verbose_name = _("区划节点")
        verbose_name_plural = _("区划节点")
        indexes = [models.Index(fields=["kind", "path"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_compound(self) -> bool:
        return self.kind == PlaceKind.COMPOUND

    # --- tree arithmetic: the one place that knows a path is `steplen` characters per level ---------------
    @classmethod
    def path_at(cls, path: str, depth: int) -> str:
        """The path of the ancestor at `depth` (1 = street) of the node whose path is `path`."""
        return path[: depth * cls.steplen]

    @classmethod
    def parent_path_of(cls, path: str) -> str:
        return path[: -cls.steplen]

    @classmethod
    def depth_of(cls, path: str) -> int:
        return len(path) // cls.steplen

    def ancestor_path(self, depth: int) -> str:
        return self.path_at(self.path, depth)

    @property
    def street_path(self) -> str:
        return self.ancestor_path(KIND_DEPTH[PlaceKind.STREET])

    @property
    def parent_path(self) -> str:
        return self.parent_path_of(self.path)

    def ancestor_paths(self, first: int = 1, last: int | None = None) -> list[str]:
        """Paths of the ancestors from depth `first` to depth `last` (default: the parent), top down."""
        last = self.depth - 1 if last is None else min(last, self.depth)
        return [self.ancestor_path(d) for d in range(first, last + 1)]

    def ancestor_of_kind(self, kind: str) -> "Place | None":
        """This node or its ancestor of `kind` (one query unless it is this node); None above that level."""
        depth = KIND_DEPTH[kind]
        if self.depth < depth:
            return None
        if self.depth == depth:
            return self
        return Place.objects.get(path=self.ancestor_path(depth))

    def children_qs(self):
        """The direct children, in tree order (one indexed prefix query)."""
        return Place.objects.filter(path__startswith=self.path, depth=self.depth + 1).order_by("path")

    def child_path_width(self) -> int:
        """How many characters of a descendant's path name the child it lies under."""
        return (self.depth + 1) * self.steplen


# The fixed depth of each kind (the tree's shape is fixed: see CHILD_KIND).
KIND_DEPTH = {PlaceKind.STREET: 1, PlaceKind.COMMUNITY: 2, PlaceKind.COMPOUND: 3, PlaceKind.BUILDING: 4,
              PlaceKind.UNIT: 5, PlaceKind.HOUSEHOLD: 6}


class PlaceAlias(models.Model):
    """Another name of a compound (people and hotline operators write names many ways)."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="aliases", verbose_name=_("院落"))
    name = models.CharField(_("别名"), max_length=100)

    class Meta:
        verbose_name = _("别名")
        verbose_name_plural = _("别名")
        constraints = [models.UniqueConstraint(fields=["place", "name"], name="uniq_place_alias")]

    def __str__(self) -> str:
        return self.name
