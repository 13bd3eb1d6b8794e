"""The hash chain: one function decides what a row's hash covers, for writing and for verifying."""
import hashlib
import json

GENESIS = "0" * 64


def row_digest(*, prev_hash: str, created_at: str, actor_id, actor_name: str, action: str, object_type: str,
               object_id: str, result: str, source: str, detail) -> str:
    payload = json.dumps(
        [prev_hash, created_at, actor_id, actor_name, action, object_type, object_id, result, source, detail],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
