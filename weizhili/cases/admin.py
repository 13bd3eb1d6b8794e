"""Per-street rules of the case loop, editable by street staff: categories, SLAs, the working-day overrides,
reply templates. Cases themselves are handled on the case pages, where every change goes through the
transition service; here they are read-only."""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from weizhili.people.masking import mask_name, mask_phone
from weizhili.places.admin_scope import ScopedAdminMixin

from .models import CalendarOverride, Case, Category, ReplyTemplate, StreetPolicy
from .services import deadlines_recompute_provisional


class StreetScoped(ScopedAdminMixin, admin.ModelAdmin):
    scope_via = "street"
    raw_id_fields = ("street",)


@admin.register(Category)
class CategoryAdmin(StreetScoped):
    list_display = ("name", "code", "handler_kind", "deadline_value", "deadline_unit", "active", "sort_key")
    list_filter = ("handler_kind", "deadline_unit", "active")
    list_editable = ("active", "sort_key")


@admin.register(StreetPolicy)
class StreetPolicyAdmin(StreetScoped):
    list_display = ("street", "compound_sla_workdays", "community_sla_workdays", "handle_workdays",
                    "max_extension_workdays")


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(StreetScoped):
    list_display = ("day", "is_workday", "note", "street")
    list_filter = ("is_workday",)
    date_hierarchy = "day"

    # A new or changed day (typically the State Council's notice for next year) settles deadlines that were
    # counted on provisional days: recompute them at once rather than leave them marked "临时".
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        deadlines_recompute_provisional(street=obj.street)

    def delete_model(self, request, obj):
        street = obj.street
        super().delete_model(request, obj)
        deadlines_recompute_provisional(street=street)

    def delete_queryset(self, request, queryset):
        streets = {o.street for o in queryset}
        super().delete_queryset(request, queryset)
        for street in streets:
            deadlines_recompute_provisional(street=street)


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(StreetScoped):
    list_display = ("title", "street")


@admin.register(Case)
class CaseAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_via = "place"
    list_display = ("code", "category", "status", "tier", "card", "created_at", "closed_at")
    list_filter = ("status", "tier", "card", "source")
    search_fields = ("code",)
    date_hierarchy = "created_at"
    # The reporter's contact is personal data: the admin shows it masked, like every staff page
    exclude = ("contact_phone", "contact_name")
    readonly_fields = ("contact_masked",)

    @admin.display(description=_("联系人"))
    def contact_masked(self, obj):
        return "—" if obj.anonymous else f"{mask_name(obj.contact_name)} {mask_phone(obj.contact_phone)}".strip()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
