"""Local development and `make run`: SQLite, debug on, keys generated once into var/."""
import secrets

from .base import *  # noqa: F401,F403
from .base import VAR_DIR

DEBUG = True
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _local_secret(name: str, nbytes: int) -> str:
    """A key made once per checkout and kept in var/ (ignored by git), so restarts keep sessions and data."""
    path = VAR_DIR / name
    if not path.exists():
        path.write_text(secrets.token_urlsafe(nbytes))
        path.chmod(0o600)
    return path.read_text().strip()


if not SECRET_KEY:  # noqa: F405
    SECRET_KEY = _local_secret("secret.key", 48)
if not WEIZHILI_DATA_KEY:  # noqa: F405
    WEIZHILI_DATA_KEY = _local_secret("data.key", 32)
