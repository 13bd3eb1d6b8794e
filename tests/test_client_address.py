"""One client address for every throttle and the audit log, honouring only the configured trusted proxies."""
import pytest
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse

from weizhili.audit.middleware import client_address
from weizhili.audit.models import AuditEntry

from . import factories

PROXY = "10.0.0.2"  # nginx in front of the app


def _address(remote, forwarded=None, **meta):
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_address(RequestFactory().get("/", REMOTE_ADDR=remote, **meta))


@pytest.mark.parametrize(("trusted", "remote", "forwarded", "expected"), [
    # no proxy configured: the header is ignored, whoever sends it
    ([], "203.0.113.5", "198.51.100.1", "203.0.113.5"),
    # the proxy vouches for the hop it appended
    ([PROXY], PROXY, "198.51.100.1", "198.51.100.1"),
    # what the client itself wrote further left is not believed
    ([PROXY], PROXY, "1.2.3.4, 198.51.100.1", "198.51.100.1"),
    # an untrusted peer cannot name an address, not even by forging a trusted hop into the header
    ([PROXY], "203.0.113.5", "1.2.3.4", "203.0.113.5"),
    ([PROXY], "203.0.113.5", "1.2.3.4, 10.0.0.2", "203.0.113.5"),
    # two trusted proxies in a row (a load balancer, then nginx), given as a network
    (["10.0.0.0/8"], "10.0.0.2", "1.2.3.4, 198.51.100.1, 10.1.1.1", "198.51.100.1"),
    # a proxy on the same host, IPv6, ports
    (["127.0.0.1", "::1"], "::1", "[2001:db8::7]:5678", "2001:db8::7"),
    (["127.0.0.1"], "127.0.0.1", "198.51.100.1:5678", "198.51.100.1"),
    # a malformed hop: the last address a trusted proxy vouched for
    ([PROXY], PROXY, "not-an-ip", PROXY),
    # a request from the proxy itself (health check): the proxy
    ([PROXY], PROXY, None, PROXY),
])
def test_client_address(settings, trusted, remote, forwarded, expected):
    settings.WEIZHILI_TRUSTED_PROXIES = trusted
    assert _address(remote, forwarded) == expected


def _login(client, username, password, **meta):
    return client.post(reverse("accounts:login"), {"username": username, "password": password}, **meta)


@pytest.mark.django_db
def test_behind_a_trusted_proxy_each_client_has_its_own_login_limit(client, settings, tree):
    settings.WEIZHILI_TRUSTED_PROXIES = [PROXY]
    settings.WEIZHILI_LOGIN_IP_LIMIT = 3
    factories.make_user("street_cadre", tree["street"], username="real")
    first = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.1"}
    for i in range(3):
        assert _login(client, f"guess{i}", "Wrong-pass-1", **first).status_code == 200
    assert _login(client, "real", factories.PASSWORD, **first).status_code == 429
    # the audit log names the client, not the proxy
    assert set(AuditEntry.objects.filter(action="login").values_list("source", flat=True)) == {"198.51.100.1"}
    # another client behind the same proxy is not held back by the first one's failures
    second = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.2"}
    assert _login(client, "real", factories.PASSWORD, **second).status_code == 302


@pytest.mark.django_db
def test_an_untrusted_peer_cannot_escape_the_limit_by_sending_the_header(client, settings, tree):
    settings.WEIZHILI_TRUSTED_PROXIES = [PROXY]
    settings.WEIZHILI_LOGIN_IP_LIMIT = 3
    factories.make_user("street_cadre", tree["street"], username="real")
    for i in range(3):
        spoofed = {"REMOTE_ADDR": "203.0.113.9", "HTTP_X_FORWARDED_FOR": f"198.51.100.{10 + i}, {PROXY}"}
        assert _login(client, f"guess{i}", "Wrong-pass-1", **spoofed).status_code == 200
    again = {"REMOTE_ADDR": "203.0.113.9", "HTTP_X_FORWARDED_FOR": "198.51.100.99"}
    assert _login(client, "real", factories.PASSWORD, **again).status_code == 429
    assert set(AuditEntry.objects.filter(action="login").values_list("source", flat=True)) == {"203.0.113.9"}


@pytest.mark.django_db
@pytest.mark.urls("tests.cases.public_test_urls")
def test_the_public_lookup_limit_is_per_client_behind_the_proxy(client, settings, tree):
    from weizhili.cases.public_views import LOOKUP_LIMIT

    settings.WEIZHILI_TRUSTED_PROXIES = [PROXY]
    cache.clear()
    url = reverse("public:lookup")
    first = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.1"}
    for _ in range(LOOKUP_LIMIT):
        assert client.post(url, {"code": "WZ000000000000", "last4": "0000"}, **first).status_code == 200
    assert client.post(url, {"code": "WZ000000000000", "last4": "0000"}, **first).status_code == 429
    second = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.2"}
    assert client.post(url, {"code": "WZ000000000000", "last4": "0000"}, **second).status_code == 200
    cache.clear()


def test_a_mistyped_proxy_stops_the_start(monkeypatch):
    import os
    import subprocess
    import sys

    env = {**os.environ, "WEIZHILI_TRUSTED_PROXIES": "10.0.0.0/8,nginx.local"}
    result = subprocess.run([sys.executable, "-m", "weizhili", "check"], env=env, capture_output=True, text=True)
    assert result.returncode != 0 and "WEIZHILI_TRUSTED_PROXIES" in result.stderr
