"""Test settings: fast hasher, eager jobs, fixed keys. DATABASE_URL (or TEST_DATABASE_URL) selects PostgreSQL."""
import os

import dj_database_url

from .base import *  # noqa: F401,F403
from .base import PROJECT_DIR

_url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
if _url:
    DATABASES = {"default": dj_database_url.parse(_url)}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("WEIZHILI_TEST_DB_NAME") or None}

SECRET_KEY = "test-secret-key-not-for-production-0123456789abcdef"
WEIZHILI_DATA_KEY = "dGVzdC1kYXRhLWtleS0zMi1ieXRlcy1sb25nLW9rIQ"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
HUEY = {"huey_class": "huey.MemoryHuey", "name": "weizhili-test", "immediate": True}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
MEDIA_ROOT = PROJECT_DIR / "var" / "test-media"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
