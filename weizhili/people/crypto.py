"""Field encryption for personal data: AES-256-GCM with a key from WEIZHILI_DATA_KEY, plus a keyed hash
(HMAC-SHA256 under a derived key) so exact lookups work without decrypting."""
import base64
import hashlib
import hmac
import os
from functools import cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_PREFIX = "g1:"  # format version, so the scheme can change without guessing


@cache
def _keys(raw: str) -> tuple[bytes, bytes]:
    if not raw:
        raise ImproperlyConfigured("WEIZHILI_DATA_KEY is not set: personal data cannot be encrypted")
    master = hashlib.sha256(raw.encode("utf-8")).digest()
    enc = hmac.new(master, b"weizhili/aes-gcm", hashlib.sha256).digest()
    mac = hmac.new(master, b"weizhili/lookup-hash", hashlib.sha256).digest()
    return enc, mac


def encrypt(plaintext: str) -> str:
    if plaintext in (None, ""):
        return ""
    enc, _mac = _keys(settings.WEIZHILI_DATA_KEY)
    nonce = os.urandom(12)
    sealed = AESGCM(enc).encrypt(nonce, plaintext.encode("utf-8"), None)
    return _PREFIX + base64.b64encode(nonce + sealed).decode("ascii")


def decrypt(token: str) -> str:
    if not token:
        return ""
    if not token.startswith(_PREFIX):
        raise ValueError("not an encrypted value")
    enc, _mac = _keys(settings.WEIZHILI_DATA_KEY)
    blob = base64.b64decode(token[len(_PREFIX):])
    return AESGCM(enc).decrypt(blob[:12], blob[12:], None).decode("utf-8")


def lookup_hash(value: str) -> str:
    if not value:
        return ""
    _enc, mac = _keys(settings.WEIZHILI_DATA_KEY)
    return hmac.new(mac, value.strip().upper().encode("utf-8"), hashlib.sha256).hexdigest()
