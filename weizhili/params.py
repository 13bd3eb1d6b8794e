"""Reading query (and hand-parsed form) parameters: one small layer, so that no typed URL breaks a page.

Every parameter a view reads goes through these functions. A bad value (letters in an id, an id beyond 64 bits
or below 1, full-width or other non-ASCII digits, a month that does not exist or lies outside the years the
platform knows, NUL bytes, over-long text) is treated as absent, and the page shows what it shows without it
(its filter form then shows the filter as not applied). Where ignoring it would mislead, e.g. the page's own
subject (`?node=`), the view asks for `strict=True`: the request is answered 400 with a Chinese message
(`ParamError`, rendered by `bad_request`).

With repeated parameters (`?a=1&a=2`) the last one counts, like QueryDict.get.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.core.exceptions import BadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _

ID_MAX = 2**63 - 1  # the largest value a database id column holds (bigint)
YEAR_MIN, YEAR_MAX = 2000, 2100  # no record of the platform lies outside these years
TEXT_MAX = 200

_INT = re.compile(r"[+-]?[0-9]{1,19}", re.ASCII)  # ASCII digits only: "１２", "²" and "١٢" are not ids
_MONTH = re.compile(r"([0-9]{4})-([0-9]{1,2})", re.ASCII)
_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # PostgreSQL refuses NUL in text


class ParamError(BadRequest):
    """A parameter the page cannot do without is malformed; the message is shown to the user."""


def _raw(request, name: str, data: Mapping | None) -> str | None:
    source = request.GET if data is None else data
    value = source.get(name)
    if isinstance(value, list | tuple):  # a plain dict passed as `data`
        value = value[-1] if value else None
    return None if value is None else str(value)


def _fail(name: str, value: str):
    raise ParamError(_("地址中的参数“%(name)s”无效：%(value)s") % {"name": name, "value": clean_text(value)[:40]})


def clean_text(value: Any, *, max_length: int = TEXT_MAX) -> str:
    """Text without control characters (NUL included), stripped and cut to `max_length`."""
    return _CONTROL.sub("", str(value or "")).strip()[:max_length]


def parse_int(value: Any, *, min: int = 1, max: int = ID_MAX) -> int | None:
    """An integer in [min, max] written with ASCII digits, else None. The default range is a database id."""
    if value is None:
        return None
    text = str(value).strip()
    if not _INT.fullmatch(text):
        return None
    number = int(text)
    return number if min <= number <= max else None


def parse_month(value: Any) -> date | None:
    """The first day of a month written YYYY-MM, within YEAR_MIN..YEAR_MAX, else None."""
    match = _MONTH.fullmatch(str(value or "").strip())
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    if not (YEAR_MIN <= year <= YEAR_MAX and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def parse_date(value: Any) -> date | None:
    """A date written YYYY-MM-DD, within YEAR_MIN..YEAR_MAX, else None."""
    match = _DATE.fullmatch(str(value or "").strip())
    if not match:
        return None
    try:
        day = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:  # 2024-02-30
        return None
    return day if YEAR_MIN <= day.year <= YEAR_MAX else None


def param_int(request, name: str, *, default: int | None = None, min: int = 1,
              max: int = ID_MAX, strict: bool = False, data: Mapping | None = None) -> int | None:
    """`name` as an integer in [min, max] (a database id by default); `default` when absent or bad.
    `data` reads another mapping (request.POST) instead of the query string."""
    raw = _raw(request, name, data)
    if raw is None or raw.strip() == "":
        return default
    number = parse_int(raw, min=min, max=max)
    if number is None:
        if strict:
            _fail(name, raw)
        return default
    return number


def param_month(request, name: str, *, default: date | None = None, strict: bool = False,
                data: Mapping | None = None) -> date | None:
    """`name` as the first day of a month (YYYY-MM); `default` when absent or bad."""
    raw = _raw(request, name, data)
    if raw is None or raw.strip() == "":
        return default
    month = parse_month(raw)
    if month is None:
        if strict:
            _fail(name, raw)
        return default
    return month


def param_date(request, name: str, *, default: date | None = None, strict: bool = False,
               data: Mapping | None = None) -> date | None:
    """`name` as a date (YYYY-MM-DD); `default` when absent or bad."""
    raw = _raw(request, name, data)
    if raw is None or raw.strip() == "":
        return default
    day = parse_date(raw)
    if day is None:
        if strict:
            _fail(name, raw)
        return default
    return day


def param_choice(request, name: str, choices: Iterable[str], *, default: str | None = None,
                 data: Mapping | None = None) -> str | None:
    """`name` if it is one of `choices` (values, e.g. `Status.values`), else `default`."""
    raw = _raw(request, name, data)
    if raw is None:
        return default
    raw = raw.strip()
    return raw if raw in set(choices) else default


def param_str(request, name: str, *, default: str = "", max_length: int = TEXT_MAX,
              data: Mapping | None = None) -> str:
    """`name` as free text (a search box): stripped, without control characters, at most `max_length`."""
    raw = _raw(request, name, data)
    return default if raw is None else clean_text(raw, max_length=max_length)


def param_flag(request, name: str, *, data: Mapping | None = None) -> bool:
    """A checkbox-like parameter: present with a non-empty value."""
    return bool(clean_text(_raw(request, name, data)))


def _carries_nul(request) -> bool:
    if "\x00" in request.path:
        return True
    sources = [request.GET]
    if request.method == "POST":
        sources.append(request.POST)  # parsed already by the CSRF check before any view runs
    return any("\x00" in key or any("\x00" in value for value in values)
               for source in sources for key, values in source.lists())


class RejectNulMiddleware:
    """No text the platform stores may hold a NUL byte (PostgreSQL refuses it with a server error), so a request
    whose path or parameters carry one is answered 400 here, before the admin's filters or a hand-read form field
    pass it on to a query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _carries_nul(request):
            return bad_request(request, ParamError(_("地址或表单中含有无效字符")))
        return self.get_response(request)


def bad_request(request, exception=None):
    """handler400: the message of a ParamError, or a general one (the exception text of other 400s may be
    technical and is not shown)."""
    message = str(exception) if isinstance(exception, ParamError) and str(exception) else _("请求无效，请检查网址。")
    return render(request, "bad_request.html", {"message": message}, status=400)
