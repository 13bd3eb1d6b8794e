"""Personal data at rest and on screen: encrypted phone and ID, keyed-hash lookup, masking, validation."""
import re
from datetime import date, timedelta

import pytest
from cryptography.exceptions import InvalidTag
from django.core.exceptions import ValidationError
from django.db import connection

from weizhili.accounts.services import totp_begin
from weizhili.people.crypto import decrypt, encrypt, lookup_hash
from weizhili.people.masking import mask_id_number, mask_name, mask_phone, mask_room
from weizhili.people.models import Person
from weizhili.people.selectors import person_search
from weizhili.people.services import person_create, person_erase, person_find_by_phone, person_update
from weizhili.people.validation import id_check_digit, validate_id_number, validate_phone

PHONE = "13812345678"


def valid_id(prefix: str = "370181", serial: str = "123", check: str | None = None) -> str:
    """An ID number with a correct checksum; with `check`, the first birthday giving that check digit."""
    day = date(1990, 1, 1)
    while True:
        first17 = f"{prefix}{day:%Y%m%d}{serial}"
        digit = id_check_digit(first17)
        if check is None or digit == check:
            return first17 + digit
        day += timedelta(days=1)


ID_NUMBER = valid_id(check="4")  # 370181YYYYMMDD1234


def _all_text_in_database() -> list[tuple[str, str, str]]:
    """Every value of every column of every table, as text: what a raw dump would show."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if value is None:
                        continue
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value).decode("utf-8", "replace")
                    found.append((table, column, str(value)))
    return found


@pytest.mark.django_db
def test_phone_and_id_are_encrypted_at_rest(tree):
    person = person_create(name="张三明", place=tree["east_household"], phone=PHONE, id_number=ID_NUMBER)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Person._meta.db_table} WHERE id = %s", [person.pk])
        columns = [c[0] for c in cursor.description]
        row = dict(zip(columns, cursor.fetchone(), strict=True))
    raw = " ".join(str(v) for v in row.values())
    assert PHONE not in raw and ID_NUMBER not in raw
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", str(row["phone"]) + str(row["id_number"]))
    assert row["phone"].startswith("g1:") and row["id_number"].startswith("g1:")
    assert row["phone_hash"] == lookup_hash(PHONE) and row["id_hash"] == lookup_hash(ID_NUMBER)
    # ... and the application still reads them
    person = Person.objects.get(pk=person.pk)
    assert person.phone == PHONE and person.id_number == ID_NUMBER


@pytest.mark.django_db
def test_no_table_holds_plaintext_phone_or_id(personas, tree):
    person = person_create(name="张三明", place=tree["east_household"], phone=PHONE, id_number=ID_NUMBER)
    other_phone, other_id = "13987654321", valid_id(prefix="110105", serial="456")
    person_update(person=person, phone=other_phone, id_number=other_id)
    person_create(name="李四", place=tree["west_household"], phone=PHONE, id_number=ID_NUMBER)
    secret = totp_begin(user=personas["street_cadre"])

    values = _all_text_in_database()
    assert any(table == Person._meta.db_table for table, _c, _v in values)  # the scan does see the rows
    for needle in (PHONE, ID_NUMBER, other_phone, other_id, ID_NUMBER[:17], secret):
        leaks = [(table, column) for table, column, value in values if needle in value]
        assert leaks == [], f"{needle} found in {leaks}"


def test_encryption_is_randomised_and_authenticated():
    first, second = encrypt(PHONE), encrypt(PHONE)
    assert first != second  # a fresh nonce each time: equal phones do not look equal on disk
    assert decrypt(first) == decrypt(second) == PHONE
    tampered = first[:-4] + ("AAAA" if not first.endswith("AAAA") else "BBBB")
    with pytest.raises(InvalidTag):  # AES-GCM refuses any altered ciphertext
        decrypt(tampered)
    assert lookup_hash(PHONE) == lookup_hash(f" {PHONE} ")
    assert lookup_hash("37018119900101123x") == lookup_hash("37018119900101123X")


@pytest.mark.django_db
def test_lookup_by_phone_and_id_uses_the_keyed_hash(personas, tree):
    person = person_create(name="张三明", place=tree["east_household"], phone=PHONE, id_number=ID_NUMBER)
    person_create(name="李四", place=tree["east_household"], phone="13987654321")
    assert list(person_find_by_phone(Person.objects.all(), PHONE)) == [person]
    assert list(person_find_by_phone(Person.objects.all(), "")) == []

    cadre = personas["street_cadre"]
    assert list(person_search(user=cadre, q=PHONE)) == [person]
    assert list(person_search(user=cadre, q="138 1234 5678")) == [person]
    assert list(person_search(user=cadre, q=ID_NUMBER)) == [person]
    assert list(person_search(user=cadre, q="三明")) == [person]
    assert list(person_search(user=cadre, q="1381234")) == []  # only exact numbers match, not fragments
    # the search is bounded by scope like every other read
    assert list(person_search(user=personas["branch_secretary"], q=PHONE)) == [person]
    west = person_create(name="王五", place=tree["west_household"], phone="13700001111")
    assert list(person_search(user=personas["community_worker"], q="13700001111")) == []
    assert list(person_search(user=cadre, q="13700001111")) == [west]


@pytest.mark.django_db
def test_erase_removes_identity_and_lookup(tree):
    person = person_create(name="张三明", place=tree["east_household"], phone=PHONE, id_number=ID_NUMBER)
    person_erase(person=person)
    person.refresh_from_db()
    assert person.is_anonymised and person.name != "张三明"
    assert person.phone == "" and person.id_number == "" and person.phone_hash == "" and person.id_hash == ""
    assert not person_find_by_phone(Person.objects.all(), PHONE).exists()


def test_masking():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number("370181199001011234") == "370181********1234"
    assert mask_id_number(ID_NUMBER) == "370181********1234"
    assert mask_name("张三明") == "张*明"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳中华") == "欧**华"
    assert mask_room("君临天下 3号楼 2单元 501") == "君临天下 3号楼 2单元 ***"
    assert mask_phone("") == mask_id_number("") == mask_name("") == ""


@pytest.mark.django_db
def test_model_shows_masked_values(tree):
    person = person_create(name="张三明", place=tree["east_household"], phone=PHONE, id_number=ID_NUMBER)
    assert str(person) == "张*明"
    assert person.masked_phone == "138****5678"
    assert person.masked_id_number == "370181********1234"


def test_id_checksum():
    first17 = "11010519491231002"
    good = first17 + id_check_digit(first17)
    assert good == "11010519491231002X"  # the standard's own example
    assert validate_id_number(good.lower()) == good
    assert validate_id_number(ID_NUMBER) == ID_NUMBER
    wrong = ID_NUMBER[:17] + str((int(ID_NUMBER[17]) + 1) % 10)
    with pytest.raises(ValidationError) as exc:
        validate_id_number(wrong)
    assert exc.value.code == "id_checksum"
    for bad in ("37018119900101123", "3701811990010112345", "37018119900101123Y", ""):
        with pytest.raises(ValidationError):
            validate_id_number(bad)


def test_phone_format():
    assert validate_phone("13812345678") == "13812345678"
    assert validate_phone("+86 138 1234 5678") == "13812345678"
    assert validate_phone("0531-88776655") == "0531-88776655"
    for bad in ("12812345678", "1381234567", "138123456789", "1381234567a", "phone", "8877665"):
        with pytest.raises(ValidationError) as exc:
            validate_phone(bad)
        assert exc.value.code == "phone"


@pytest.mark.django_db
def test_bad_input_changes_nothing(tree):
    with pytest.raises(ValidationError):
        person_create(name="张三明", place=tree["east_household"], phone="12345")
    wrong = ID_NUMBER[:17] + str((int(ID_NUMBER[17]) + 1) % 10)
    with pytest.raises(ValidationError):
        person_create(name="张三明", place=tree["east_household"], id_number=wrong)
    assert not Person.objects.exists()
