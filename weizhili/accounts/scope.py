"""Data scope: a user sees their place node and everything below it. Selectors use these helpers so that no
view ever builds an unscoped queryset; out-of-scope objects answer 404 exactly like missing ones."""
from django.http import Http404


def scope_path(user) -> str | None:
    if user is None or not user.is_authenticated:
        return None
    return user.scope_path


def within_scope(queryset, user, *, via: str = "place"):
    """Limit `queryset` to the user's scope. `via` names the Place foreign key ("" for Place itself)."""
    path = scope_path(user)
    if path is None:
        return queryset.none()
    lookup = f"{via}__path__startswith" if via else "path__startswith"
    return queryset.filter(**{lookup: path})


def get_in_scope_or_404(queryset, user, *, via: str = "place", **lookup):
    obj = within_scope(queryset, user, via=via).filter(**lookup).first()
    if obj is None:
        raise Http404("not found")
    return obj
