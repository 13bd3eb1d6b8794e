"""Who is acting and from where, for the current request or command (a contextvar, safe across threads)."""
import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    user_id: int | None = None
    username: str = ""
    source: str = ""  # remote address, or "cli"


_current: contextvars.ContextVar[Actor] = contextvars.ContextVar("weizhili_actor", default=Actor(source="cli"))  # noqa: B039 (frozen)


def current_actor() -> Actor:
    return _current.get()


def set_actor(actor: Actor) -> contextvars.Token:
    return _current.set(actor)


def reset_actor(token: contextvars.Token) -> None:
    _current.reset(token)
