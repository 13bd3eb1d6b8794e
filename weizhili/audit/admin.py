from django.contrib import admin

from weizhili.accounts.permissions import can_read_audit

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only for the audit and security administrators; nobody adds, changes or deletes rows."""

    list_display = ("created_at", "actor_name", "action", "object_type", "object_id", "result", "source")
    list_filter = ("result", "action")
    search_fields = ("actor_name", "action", "object_id")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_view_permission(self, request, obj=None):
        return can_read_audit(request.user)[0]

    def has_module_permission(self, request):
        return can_read_audit(request.user)[0]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
