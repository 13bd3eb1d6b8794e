"""Strict helpers for reading settings from the environment."""
import os
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"environment variable {name} is required")
    return value


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def tile_sources(url: str) -> list[str]:
    """The Content-Security-Policy source for a map tile URL template: https://{s}.tile.example/{z}/{x}/{y}.png
    → https://*.tile.example (nothing when no tiles are configured)."""
    if not url:
        return []
    parts = urlsplit(url.replace("{s}", "x-subdomain"))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ImproperlyConfigured(f"WEIZHILI_MAP_TILE_URL must be an http(s) URL, not {url!r}")
    host = parts.netloc.replace("x-subdomain", "*")
    return [f"{parts.scheme}://{host}"]
