import pytest
from django.urls import reverse

from weizhili.audit.models import AuditEntry

from .. import factories


@pytest.mark.django_db
def test_many_failures_from_one_address_are_throttled(client, settings, tree):
    settings.WEIZHILI_LOGIN_IP_LIMIT = 4
    factories.make_user("street_cadre", tree["street"], username="real")
    for i in range(4):  # different usernames, so no single account locks
        response = client.post(reverse("accounts:login"), {"username": f"guess{i}", "password": "Wrong-pass-1"})
        assert response.status_code == 200
    response = client.post(reverse("accounts:login"), {"username": "real", "password": factories.PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="login", result="denied").exists()
    # another address is not affected
    other = client.post(reverse("accounts:login"), {"username": "real", "password": factories.PASSWORD},
                        REMOTE_ADDR="10.9.8.7")
    assert other.status_code == 302


def test_production_settings_pass_the_deploy_check():
    import os
    import subprocess
    import sys

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "weizhili.settings.production",
           "SECRET_KEY": "x" * 20 + "-production-secret-key-with-enough-variety-0123456789",
           "WEIZHILI_DATA_KEY": "k" * 43, "ALLOWED_HOSTS": "weizhili.example.org"}
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the live-server browser tests only
    result = subprocess.run([sys.executable, "-m", "weizhili", "check", "--deploy", "--fail-level", "WARNING"],
                            env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
