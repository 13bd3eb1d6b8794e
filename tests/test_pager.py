"""The one pager keeps the list's filters: page 2 of a filtered list is page 2 of the same list."""
from urllib.parse import parse_qs, urlsplit

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory


def _links(html: str) -> list[dict]:
    import re

    return [parse_qs(urlsplit(href.replace("&amp;", "&")).query) for href in re.findall(r'href="([^"]+)"', html)]


def test_next_and_previous_keep_every_filter():
    request = RequestFactory().get("/cases/", {"view": "all", "overdue": "period", "month": "2026-11", "page": "2"})
    page = Paginator(range(100), 20).page(2)
    links = _links(render_to_string("includes/pager.html", {"page": page}, request=request))
    assert [link["page"] for link in links] == [["1"], ["3"]]
    for link in links:
        assert link["view"] == ["all"] and link["overdue"] == ["period"] and link["month"] == ["2026-11"]
