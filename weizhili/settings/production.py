"""Production: every secret from the environment, secure cookies, TOTP required for street and admin accounts."""
from .base import *  # noqa: F401,F403
from .env import env_bool, env_int, env_str

DEBUG = False
WEIZHILI_PRODUCTION = True  # e.g. `weizhili demo` refuses to run here
SECRET_KEY = env_str("SECRET_KEY")
WEIZHILI_DATA_KEY = env_str("WEIZHILI_DATA_KEY")
WEIZHILI_TOTP_REQUIRED = env_bool("WEIZHILI_TOTP_REQUIRED", True)

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
