"""The scope helpers' edge: only an authenticated account (or a path) has a scope (found by mutation testing)."""
from types import SimpleNamespace

from weizhili.places.scope import path_in_scope, scope_path


def test_an_object_that_does_not_say_it_is_authenticated_has_no_scope():
    # a scope_path alone is not enough: without is_authenticated it sees nothing
    assert scope_path(SimpleNamespace(scope_path="0001")) is None
    assert scope_path(SimpleNamespace(scope_path="0001", is_authenticated=False)) is None
    assert scope_path(SimpleNamespace(scope_path="0001", is_authenticated=True)) == "0001"
    assert not path_in_scope("00010002", SimpleNamespace(scope_path="0001"))
