from .context import Actor, reset_actor, set_actor


def client_address(request) -> str:
    # Behind a reverse proxy the deployment sets REMOTE_ADDR correctly (see docs/deploy); we do not trust
    # X-Forwarded-For by default, since anyone can send it.
    return request.META.get("REMOTE_ADDR", "")[:64]


class RequestContextMiddleware:
    """Makes the acting user and source address available to services for audit rows."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        authenticated = bool(user and user.is_authenticated)
        token = set_actor(Actor(
            user_id=user.pk if authenticated else None,
            username=user.get_username() if authenticated else "",
            source=client_address(request),
        ))
        try:
            return self.get_response(request)
        finally:
            reset_actor(token)
