from django.contrib import admin

from .models import AuditEntry

# The permission registry's action (accounts/permissions.py), named here: audit sits below accounts.
READ_AUDIT = "audit.read_log"


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only for the audit and security administrators; nobody adds, changes or deletes rows."""

    list_display = ("created_at", "actor_name", "action", "object_type", "object_id", "result", "source")
    list_filter = ("result", "action")
    search_fields = ("actor_name", "action", "object_id")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_view_permission(self, request, obj=None):
        return request.user.can(READ_AUDIT)[0]

    def has_module_permission(self, request):
        return request.user.can(READ_AUDIT)[0]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
