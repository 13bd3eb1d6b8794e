"""Data scope: a user sees their place node and everything below it. Selectors use these helpers so that no
view ever builds an unscoped queryset; out-of-scope objects answer 404 exactly like missing ones.

They live beside the place tree (the ground floor) and take either a materialised path or anything with a
`scope_path` attribute (an account), so that no room below `accounts` has to import it."""
from django.http import Http404


def scope_path(user_or_path) -> str | None:
    """The path that bounds what `user_or_path` may see; None = nothing (anonymous, or no data scope)."""
    if user_or_path is None or isinstance(user_or_path, str):
        return user_or_path
    if not getattr(user_or_path, "is_authenticated", False):
        return None
    return user_or_path.scope_path


def path_in_scope(path: str | None, user_or_path) -> bool:
    bound = scope_path(user_or_path)
    return bound is not None and path is not None and path.startswith(bound)


def within_scope(queryset, user_or_path, *, via: str = "place"):
    """Limit `queryset` to the scope. `via` names the Place foreign key ("" for Place itself)."""
    path = scope_path(user_or_path)
    if path is None:
        return queryset.none()
    lookup = f"{via}__path__startswith" if via else "path__startswith"
    return queryset.filter(**{lookup: path})


def get_in_scope_or_404(queryset, user_or_path, *, via: str = "place", **lookup):
    obj = within_scope(queryset, user_or_path, via=via).filter(**lookup).first()
    if obj is None:
        raise Http404("not found")
    return obj
