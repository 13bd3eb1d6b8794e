"""Writes to persons. Hashes are kept in step with the encrypted fields here, and every write is audited."""
from django.db import transaction

from weizhili.audit.services import audit_record

from .crypto import lookup_hash
from .models import Person
from .validation import validate_id_number, validate_phone


def person_fields_clean(*, phone: str = "", id_number: str = "") -> dict:
    """Validate and normalise phone and ID; returns the model fields to set, hashes included."""
    out: dict = {}
    out["phone"] = validate_phone(phone) if phone else ""
    out["phone_hash"] = lookup_hash(out["phone"])
    out["id_number"] = validate_id_number(id_number) if id_number else ""
    out["id_hash"] = lookup_hash(out["id_number"])
    return out


@transaction.atomic
def person_create(*, name: str, place, phone: str = "", id_number: str = "", gender: str = "",
                  birth_year: int | None = None) -> Person:
    person = Person.objects.create(name=name.strip(), place=place, gender=gender, birth_year=birth_year,
                                   **person_fields_clean(phone=phone, id_number=id_number))
    audit_record(action="person.create", obj=person)
    return person


@transaction.atomic
def person_update(*, person: Person, **changes) -> Person:
    contact = {k: changes.pop(k) for k in ("phone", "id_number") if k in changes}
    if contact:
        cleaned = person_fields_clean(phone=contact.get("phone", person.phone),
                                      id_number=contact.get("id_number", person.id_number))
        changes.update(cleaned)
    for key, value in changes.items():
        setattr(person, key, value)
    person.save()
    audit_record(action="person.update", obj=person, detail={"fields": sorted(changes)})
    return person


@transaction.atomic
def person_unmask(*, person: Person, user) -> dict:
    """Return the full phone and ID for a permitted user; the look is audited (PIPL)."""
    audit_record(action="person.unmask", obj=person, user=user)
    return {"phone": person.phone, "id_number": person.id_number}


@transaction.atomic
def person_erase(*, person: Person) -> Person:
    """Anonymise a person on request: the record stays (other records point at it), the identity goes."""
    person.name = "已注销"
    person.phone = ""
    person.phone_hash = ""
    person.id_number = ""
    person.id_hash = ""
    person.birth_year = None
    person.is_anonymised = True
    person.save()
    audit_record(action="person.erase", obj=person)
    return person


def person_find_by_phone(queryset, phone: str):
    return queryset.filter(phone_hash=lookup_hash(phone)) if phone else queryset.none()
