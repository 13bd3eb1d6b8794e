"""Password rules (docs/security.md): 8+ characters, 3 of 4 classes, not the username, not a weak one."""
import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from weizhili.accounts.models import User
from weizhili.accounts.services import password_generate


def _codes(password: str, user=None) -> set[str]:
    with pytest.raises(ValidationError) as exc:
        validate_password(password, user)
    return {error.code for error in exc.value.error_list}


def test_too_short_is_rejected():
    assert "password_too_short" in _codes("Ab1!xyz")  # 7 characters, 4 classes


@pytest.mark.parametrize("password", ["guozhiwenming", "zhiwen12345678", "GUOZHIWEN12", "zhi!@#$wenming"])
def test_fewer_than_three_classes_is_rejected(password):
    assert _codes(password) == {"password_classes"}


def test_equal_to_username_is_rejected():
    user = User(username="Zhang.San2024")
    assert "password_is_username" in _codes("Zhang.San2024", user)
    assert "password_is_username" in _codes("zhang.san2024", user)  # case does not help
    assert "password_is_username" in _codes("4202naS.gnahZ", user)  # nor does reversing it


@pytest.mark.parametrize("password", ["Zhangsanfeng#1", "zhangsanfeng-2024", "Zhang.Sanfeng9"])
def test_close_to_the_username_or_email_is_rejected(password):
    user = User(username="zhangsanfeng", email="zhangsanfeng@jiedao.example")
    assert "password_too_similar" in _codes(password, user)


def test_close_to_the_name_is_rejected():
    user = User(username="u1001", first_name="Wang", last_name="Xiaoming")
    assert "password_too_similar" in _codes("Xiaoming#1", user)


@pytest.mark.parametrize("password", ["P@ssw0rd", "Iloveyou1", "Woaini1314"])
def test_common_passwords_are_rejected(password):
    assert "password_too_common" in _codes(password)


@pytest.mark.parametrize("password", ["Password1", "Password123", "Qwerty123"])
def test_password_on_the_weak_list_is_rejected(password):
    assert "password_too_common" in _codes(password)


@pytest.mark.parametrize("password", ["Xy7!pass-word", "gUo-zhi-2024", "Tian4An9Men#"])
def test_good_password_passes(password):
    validate_password(password, User(username="someone"))


@settings(max_examples=200, deadline=None)
@given(length=st.integers(min_value=8, max_value=40))
def test_generated_passwords_always_pass(length):
    password = password_generate(length)
    assert len(password) == length
    validate_password(password, User(username="generated"))


def test_generated_passwords_differ():
    assert len({password_generate() for _ in range(50)}) == 50
