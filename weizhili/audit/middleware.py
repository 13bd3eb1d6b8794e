import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .context import Actor, reset_actor, set_actor

_Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    try:
        return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)
    except ValueError as exc:
        raise ImproperlyConfigured(f"WEIZHILI_TRUSTED_PROXIES: {exc}") from exc


def _address(text: str) -> _Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    return getattr(address, "ipv4_mapped", None) or address


def client_address(request) -> str:
    """The address of the client behind the configured reverse proxies: every throttle and the audit log use it.

    Starting from the peer that actually connected (REMOTE_ADDR), each hop of X-Forwarded-For is believed only
    while the hop that reported it is a trusted proxy (settings.WEIZHILI_TRUSTED_PROXIES, addresses or networks),
    reading from the right, as nginx's `real_ip_recursive` does. So a client that reaches the app directly, or
    through an untrusted hop, cannot choose its address by sending the header. (django-ipware matches its proxy
    list against the entries of the header itself, which such a client writes, so it is not used here.)"""
    peer = request.META.get("REMOTE_ADDR", "")
    trusted = _networks(tuple(getattr(settings, "WEIZHILI_TRUSTED_PROXIES", ())))
    current = _address(peer)
    if current is None or not trusted:
        return peer[:64]
    hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    while hops and any(current in network for network in trusted):
        hop = _address(hops.pop())
        if hop is None:  # a malformed entry: keep the last address a trusted proxy vouched for
            break
        current = hop
    return str(current)[:64]


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
