"""Settings shared by every environment. Per-street policy lives in the database, not here."""
import ipaddress
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_int, env_list, env_str, tile_sources

PACKAGE_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = PACKAGE_DIR.parent
VAR_DIR = Path(env_str("WEIZHILI_VAR_DIR", str(PROJECT_DIR / "var")))

DEBUG = False
WEIZHILI_PRODUCTION = False  # True only in settings/production.py
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "treebeard",
    "huey.contrib.djhuey",
    "weizhili.audit",
    "weizhili.places",
    "weizhili.people",
    "weizhili.accounts",
    "weizhili.party",
    "weizhili.cases",
    "weizhili.hotline",
    "weizhili.insight",
    "weizhili.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "weizhili.audit.middleware.RequestContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "weizhili.params.RejectNulMiddleware",
    "weizhili.accounts.middleware.LoginPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "weizhili.urls"
WSGI_APPLICATION = "weizhili.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "weizhili.insight.context_processors.navigation",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'weizhili.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the web server and the job worker read while the other writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "weizhili.accounts.backends.RolePermissionBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "insight:home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "weizhili.accounts.passwords.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "weizhili.accounts.passwords.NotUsernameValidator"},
    # Near the username, name or e-mail (zhangsan → Zhangsan#2024), not just equal to it.
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
     "OPTIONS": {"user_attributes": ("username", "first_name", "last_name", "email")}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Login policy (docs/security.md). Numbers are the defaults the tests pin.
WEIZHILI_LOCKOUT_FAILURES = env_int("WEIZHILI_LOCKOUT_FAILURES", 5)
WEIZHILI_LOCKOUT_MINUTES = env_int("WEIZHILI_LOCKOUT_MINUTES", 30)
WEIZHILI_LOGIN_IP_LIMIT = env_int("WEIZHILI_LOGIN_IP_LIMIT", 20)  # failed logins per address per window
WEIZHILI_LOGIN_IP_WINDOW_MINUTES = env_int("WEIZHILI_LOGIN_IP_WINDOW_MINUTES", 10)
# Reverse proxies (addresses or networks, e.g. "127.0.0.1,10.0.0.0/8") whose X-Forwarded-For is believed when
# telling clients apart for rate limits and the audit log (audit/middleware.py:client_address). Empty: the
# connecting address is the client, and X-Forwarded-For is ignored.
WEIZHILI_TRUSTED_PROXIES = env_list("WEIZHILI_TRUSTED_PROXIES")
for _proxy in WEIZHILI_TRUSTED_PROXIES:  # a typo fails at start, not on the first request
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as _exc:
        raise ImproperlyConfigured(f"WEIZHILI_TRUSTED_PROXIES: {_exc}") from None
WEIZHILI_IDLE_MINUTES = env_int("WEIZHILI_IDLE_MINUTES", 30)
WEIZHILI_PASSWORD_MAX_AGE_DAYS = env_int("WEIZHILI_PASSWORD_MAX_AGE_DAYS", 90)
WEIZHILI_TOTP_REQUIRED = env_bool("WEIZHILI_TOTP_REQUIRED", False)
WEIZHILI_AUDIT_RETENTION_DAYS = max(180, env_int("WEIZHILI_AUDIT_RETENTION_DAYS", 180))

SESSION_COOKIE_AGE = WEIZHILI_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024

SECRET_KEY = env_str("SECRET_KEY", "")
WEIZHILI_DATA_KEY = env_str("WEIZHILI_DATA_KEY", "")

REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    HUEY = {"huey_class": "huey.RedisHuey", "name": "weizhili", "url": REDIS_URL, "immediate": False}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # SqliteHuey opens its file as soon as huey is configured
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "weizhili",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": False,
    }

# E-mail (notifications and daily digests): SMTP settings from the environment; without a host, nothing leaves
# the machine (the console backend prints mails in development).
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "weizhili@localhost")
EMAIL_BACKEND = ("django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST
                 else "django.core.mail.backends.console.EmailBackend")

# Counters for rate limits must be shared by every web process: Redis where there is one, else files in var/.
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                          "LOCATION": str(VAR_DIR / "cache")}}

# Map: polygons on a blank background work offline; a tile URL may be set where tiles are reachable.
WEIZHILI_MAP_TILE_URL = env_str("WEIZHILI_MAP_TILE_URL", "")

# Content-Security-Policy (django-csp 4): every asset is served by the platform itself, so nothing else is
# allowed; no inline scripts (behaviour lives in static/weizhili/*.js, data in <script type="application/json">).
# Inline style *attributes* stay allowed: the charts' tooltips and a few bars set widths and heights that way,
# while <style> elements and style sheets must come from the site. Map tiles, when configured, add their host.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:", *tile_sources(WEIZHILI_MAP_TILE_URL)],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [SELF],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

