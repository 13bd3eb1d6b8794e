"""Party organisations, members and role holders in the Django admin, bounded by the acting user's scope.

Foreign keys to places and persons are raw ids (a street has ~25k place nodes); the ids a scoped user may
enter are limited to their own scope. Every admin write is audited (ScopedAdminMixin)."""
from django import forms
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from weizhili.params import param_int, parse_int
from weizhili.places.admin_scope import ScopedAdminMixin, ScopedFieldsMixin

from .models import CommitteeMember, PartyMember, PartyOrg, RoleHolder, RoleType, ServiceStation

_CHILD_POSITIONS = {"first-child", "last-child", "sorted-child"}


class CommitteeMemberInline(ScopedFieldsMixin, admin.TabularInline):
    model = CommitteeMember
    raw_id_fields = ("person",)
    extra = 0


class ServiceStationInline(ScopedFieldsMixin, admin.TabularInline):
    model = ServiceStation
    raw_id_fields = ("place",)
    extra = 0


@admin.register(PartyOrg)
class PartyOrgAdmin(ScopedAdminMixin, TreeAdmin):
    form = movenodeform_factory(PartyOrg)
    list_display = ("name", "level", "kind", "place", "founded_on")
    list_filter = ("level", "kind")
    search_fields = ("name",)
    raw_id_fields = ("place", "covers")
    inlines = [CommitteeMemberInline, ServiceStationInline]

    def children_view(self, request, parent_id):
        # treebeard's view lets a non-numeric parent id or an unknown filter parameter escape as a server error
        if parse_int(parent_id) is None:
            raise Http404("no such organisation")
        try:
            return super().children_view(request, parent_id)
        except (IncorrectLookupParameters, OverflowError):  # the changelist's filters, passed on unchecked
            return HttpResponseBadRequest(_("筛选条件无效"))

    def changelist_view(self, request, extra_context=None):
        # treebeard sets the level being shown only for GET: a POST (an action with nothing selected, a
        # stray form) re-renders the tree without it and fails. The whole tree is the level of a POST.
        if not hasattr(request, "_treebeard_parent"):
            request._treebeard_parent = None
        try:
            return super().changelist_view(request, extra_context)
        except OverflowError:  # ?place=<30 digits>: the tree is rendered outside the admin's own guard
            return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")

    def get_deleted_objects(self, objs, request):
        # treebeard deletes a node's whole subtree by path, which the admin's collector cannot see: list the
        # descendants too, so that their protected members show on the confirmation page instead of a 500
        objs = list(objs)
        descendants = [d for obj in objs for d in PartyOrg.objects.get_descendants(obj)]
        return super().get_deleted_objects(objs + descendants, request)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        showing_roots = (hasattr(request, "_treebeard_parent_id") and not request._treebeard_parent_id
                         and not getattr(request, "_ignore_treebeard_filters", False)
                         and not self.is_filtered(request))
        if showing_roots and not request.user.is_superuser:
            # The tree's roots lie above a scoped user's node: start at the top of their own part of the tree.
            scoped = self.limit(request, PartyOrg.objects.all())
            paths = set(scoped.values_list("path", flat=True))
            tops = [p for p in paths if p[:-PartyOrg.steplen] not in paths]
            qs = scoped.filter(path__in=tops).order_by("path")
        return qs

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if request.user.is_superuser:
            return form
        admin_ = self

        class ScopedMoveNodeForm(form):
            """A scoped user places a node only inside their own part of the tree."""

            def __init__(self, *args, **kw):
                super().__init__(*args, **kw)
                field = self.fields["treebeard_ref_node"]
                self._initial_ref = self.initial.get("treebeard_ref_node")
                allowed = admin_.limit(request, field.queryset)
                if self._initial_ref is not None:  # keep the current position valid when it is left alone
                    allowed = field.queryset.filter(pk__in=[*allowed.values_list("pk", flat=True),
                                                            self._initial_ref.pk])
                field.queryset = allowed

            def clean(self):
                data = super().clean()
                moved = {"treebeard_ref_node", "treebeard_position"} & set(self.changed_data)
                if moved or self.instance.pk is None:
                    ref, position = data.get("treebeard_ref_node"), data.get("treebeard_position")
                    if position in _CHILD_POSITIONS or ref is None:
                        parent = ref
                    else:
                        parent = PartyOrg.objects.get_parent(ref)
                    if parent is None or not admin_.in_scope(request, parent):
                        raise forms.ValidationError(_("只能在您管辖范围内的党组织下添加或移动。"))
                return data

        return ScopedMoveNodeForm

    def move_node(self, request):
        if not request.user.is_superuser:
            ids = {param_int(request, name, data=request.POST) for name in ("node", "target")} - {None}
            if len(ids) != 2 or self.limit(request, PartyOrg.objects.filter(pk__in=ids)).count() != 2:
                raise PermissionDenied
        return super().move_node(request)


@admin.register(PartyMember)
class PartyMemberAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "org", "place", "registration", "status", "joined_on", "shows_identity")
    list_filter = ("registration", "status", "shows_identity")
    list_select_related = ("person", "org", "place")
    search_fields = ("person__name", "org__name", "registered_with")
    raw_id_fields = ("person", "org", "place")


@admin.register(RoleType)
class RoleTypeAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_via = "street"
    list_display = ("name", "code", "group", "covers_kind", "street", "sort_key")
    list_filter = ("group",)
    search_fields = ("name", "code")
    raw_id_fields = ("street",)


@admin.register(RoleHolder)
class RoleHolderAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("role", "__str__", "place", "since")
    list_filter = ("role__group",)
    list_select_related = ("person", "role", "place")
    search_fields = ("person__name", "role__name", "place__name")
    raw_id_fields = ("person", "place", "areas")
