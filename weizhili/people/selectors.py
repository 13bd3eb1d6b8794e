from django.db.models import Q

from weizhili.places.scope import get_in_scope_or_404, within_scope

from .crypto import lookup_hash
from .models import Person


def person_list(*, user):
    return within_scope(Person.objects.select_related("place"), user)


def person_get(*, user, person_id: int) -> Person:
    return get_in_scope_or_404(Person.objects.select_related("place"), user, pk=person_id)


def identifier_kind(q: str) -> str:
    """"phone" or "id_number" when `q` is a full number (an exact lookup), else "" (a name fragment)."""
    digits = (q or "").strip().replace(" ", "").upper()
    if len(digits) == 18 and digits[:17].isdigit():
        return "id_number"
    if digits.isdigit() and len(digits) >= 7:
        return "phone"
    return ""


def person_search(*, user, q: str = ""):
    """Name fragment, or an exact phone / ID number (matched by keyed hash, never by decrypting)."""
    qs = person_list(user=user)
    q = (q or "").strip()
    if not q:
        return qs
    if identifier_kind(q):
        digits = q.replace(" ", "").upper()
        return qs.filter(Q(phone_hash=lookup_hash(digits)) | Q(id_hash=lookup_hash(digits)))
    return qs.filter(name__contains=q)
