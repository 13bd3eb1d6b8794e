"""Site hardening: a Content-Security-Policy on every page (no inline scripts anywhere in the templates),
Chinese 404/500 pages (the 500 page needs neither a database nor a request context), and no demo data under
production settings."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.template import loader
from django.test import Client, override_settings
from django.urls import reverse

import weizhili
from weizhili.settings.env import tile_sources

TEMPLATES = Path(weizhili.__file__).parent / "templates"


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in header.split(";")) if d}


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/accounts/login/", "/r/", "/does-not-exist/"])
def test_every_page_carries_the_policy(client, url):
    policy = _policy(client.get(url))
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no CDN
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'self'"] and policy["base-uri"] == ["'self'"]


@pytest.mark.django_db
def test_staff_pages_carry_the_policy(personas, tree):
    client = Client()
    client.force_login(personas["street_cadre"])
    for name in ("insight:home", "places:browser", "people:list"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert "script-src 'self'" in response["Content-Security-Policy"], name


def test_map_tiles_add_only_their_host():
    assert tile_sources("") == []
    assert tile_sources("https://{s}.tile.example.org/{z}/{x}/{y}.png") == ["https://*.tile.example.org"]
    assert tile_sources("http://10.1.2.3:8080/t/{z}/{x}/{y}.png") == ["http://10.1.2.3:8080"]


def test_no_inline_scripts_or_handlers_in_the_templates():
    """CSP would silently refuse them: behaviour belongs in static/weizhili/*.js, data in JSON blocks."""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<script\b([^>]*)>", text):
            attrs = match.group(1)
            if "src=" not in attrs and 'type="application/json"' not in attrs:
                offenders.append(f"{path.relative_to(TEMPLATES)}: <script{attrs}>")
        for match in re.finditer(r"\son[a-z]+\s*=\s*[\"']|javascript:|<style\b", text):
            offenders.append(f"{path.relative_to(TEMPLATES)}: {match.group(0).strip()}")
    assert offenders == []


@pytest.mark.django_db
def test_404_page_is_ours_and_in_chinese(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "页面不存在" in body and "回到首页" in body
    assert "Not Found" not in body


@pytest.mark.django_db
def test_403_page_says_why(personas):
    client = Client()
    client.force_login(personas["volunteer"])
    response = client.get(reverse("people:list"))
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()


def test_500_page_renders_without_request_or_database(django_db_blocker, rf):
    from django.views.defaults import server_error

    with django_db_blocker.block():  # any query would raise here
        body = loader.get_template("500.html").render()
        response = server_error(rf.get("/"))
    assert "服务器出错" in body and "回到首页" in body
    assert response.status_code == 500 and "服务器出错" in response.content.decode()


@override_settings(WEIZHILI_PRODUCTION=True)
@pytest.mark.django_db
def test_demo_refuses_under_production_settings():
    from weizhili.places.models import Place

    with pytest.raises(CommandError, match="生产环境"):
        call_command("demo")
    assert not Place.objects.exists()


def test_demo_command_exits_non_zero_with_production_settings(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "weizhili.settings.production",
           "SECRET_KEY": "x" * 60, "WEIZHILI_DATA_KEY": "dGVzdC1kYXRhLWtleS0zMi1ieXRlcy1sb25nLW9rIQ",
           "WEIZHILI_VAR_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    env.pop("TEST_DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-m", "weizhili", "demo"], env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode != 0
    assert "生产环境" in result.stderr and "production" in result.stderr
    assert not (tmp_path / "db.sqlite3").exists() or (tmp_path / "db.sqlite3").stat().st_size == 0
