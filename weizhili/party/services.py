"""Writes to the Party organisation, members and responsibility roles; each write is audited."""
from django.db import transaction
from django.utils import timezone

from weizhili.audit.services import audit_record

from .models import DEFAULT_ROLE_TYPES, PartyMember, RoleType


@transaction.atomic
def role_catalogue_ensure(*, street) -> list[RoleType]:
    """The street's role catalogue, created with the defaults (三长四员) the first time it is needed."""
    existing = list(RoleType.objects.filter(street=street))
    if existing:
        return existing
    RoleType.objects.bulk_create([
        RoleType(street=street, code=code, name=name, group=group, covers_kind=kind, sort_key=i)
        for i, (code, name, group, kind) in enumerate(DEFAULT_ROLE_TYPES)
    ], ignore_conflicts=True)
    audit_record(action="party.role_catalogue_create", obj=street)
    return list(RoleType.objects.filter(street=street))


@transaction.atomic
def member_identity_consent(*, member: PartyMember, shows: bool) -> PartyMember:
    """Record (or withdraw) a member's consent to be shown on the notice board (亮身份), with its time."""
    member.shows_identity = shows
    member.shows_identity_at = timezone.now()
    member.save(update_fields=["shows_identity", "shows_identity_at"])
    audit_record(action="party.member_consent", obj=member, detail={"shows_identity": shows})
    return member
