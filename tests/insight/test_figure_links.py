"""Every overdue figure equals the length of the list it links to: the home tile, the figures page (node and
per child) and the export, on cases where the deadline of the current handling round and the case's own
deadline disagree (the tile counted one, the figures page the other, and the tile's link had no filter)."""
import io
import re
from datetime import timedelta
from html import unescape

import pytest
from django.utils import timezone
from python_calamine import CalamineWorkbook

from weizhili.cases.models import Case, Status, Tier
from weizhili.cases.services import categories_ensure

pytestmark = pytest.mark.django_db

TZ = timezone.get_default_timezone()


def _case(tree, cat, at, i, **fields):
    place = tree[at]
    compound = tree["east_compound"] if at.startswith("east_") else tree["west_compound"] if at.startswith(
        "west_") else None
    community = tree["east"] if at.startswith("east") else tree["west"]
    fields.setdefault("created_at", timezone.now() - timedelta(days=40))
    return Case(code=f"L{i:08d}", place=place, compound=compound, community=community, category=cat,
                description="楼道灯坏了很久没人修", **fields)


@pytest.fixture
def cases(tree):
    """Today's month is the period. now − 2 days lies in it unless today is the 1st or 2nd: the period figure is
    then asked for the previous month, which holds the same deadlines."""
    cat = categories_ensure(street=tree["street"])[0]
    now = timezone.now()
    past, future = now - timedelta(days=2), now + timedelta(days=5)
    rows = [
        # the round's deadline passed, the case's not: 当前超期 (the old figures page missed it)
        _case(tree, cat, "east_household", 1, status=Status.HANDLING, due_at=past, case_due_at=future),
        # escalated: a fresh round deadline ahead, the case's deadline passed: not 当前超期 (the old page counted
        # it), but 期内超期
        _case(tree, cat, "east_household", 2, status=Status.DISPATCHED, tier=Tier.COMMUNITY, due_at=future,
              case_due_at=past),
        # accepted, not yet dispatched: the case's deadline is the live one
        _case(tree, cat, "west_compound", 3, status=Status.ACCEPTED, case_due_at=past),
        # closed late: 期内超期, not 当前超期
        _case(tree, cat, "west_household", 4, status=Status.CLOSED, case_due_at=past, closed_at=now,
              closed_on_time=False, resolved_tier=Tier.COMPOUND),
        # closed on time, open within its deadline, parked: none of them
        _case(tree, cat, "east_household", 5, status=Status.CLOSED, case_due_at=past, closed_at=past - timedelta(
            hours=1), closed_on_time=True, resolved_tier=Tier.COMPOUND),
        _case(tree, cat, "east_household", 6, status=Status.HANDLING, due_at=future, case_due_at=future),
        _case(tree, cat, "west", 7, status=Status.PARKED, due_at=past, case_due_at=past),
    ]
    Case.objects.bulk_create(rows)
    month = timezone.localtime(past, TZ).strftime("%Y-%m")
    return {"month": month}


def _number(html: str, element_id: str) -> int:
    match = re.search(rf'id="{element_id}"[^>]*href="([^"]+)"><div class="n"[^>]*>(\d+)</div>', html)
    assert match, element_id
    return int(match[2]), unescape(match[1])


def _listed(client, url: str) -> int:
    """The number of cases the queue lists at `url` (one page: the data set is small), checked against its
    total line."""
    html = client.get(url).content.decode()
    rows = len(re.findall(r'<td><a href="/cases/\d+/">', html))
    total = int(re.search(r"共 (\d+) 件", html)[1])
    assert rows == total
    return rows


def _exported(client, url: str) -> int:
    response = client.get(url.replace("/cases/?", "/cases/export.xlsx?"))
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    return len(book.get_sheet_by_index(0).to_python()) - 1  # minus the header row


def test_the_home_tile_counts_exactly_its_list(client, personas, cases):
    client.force_login(personas["street_cadre"])
    html = client.get("/").content.decode()
    shown, url = _number(html, "tile-overdue-now")
    assert "overdue=current" in url
    assert shown == _listed(client, url) == _exported(client, url) == 2  # cases 1 and 3


@pytest.mark.parametrize("persona", ["street_cadre", "community_worker"])
def test_the_figures_page_counts_exactly_its_lists(client, personas, cases, persona):
    client.force_login(personas[persona])
    html = client.get(f"/figures/cases/?month={cases['month']}").content.decode()
    for element_id in ("figure-overdue-now", "figure-overdue-period"):
        shown, url = _number(html, element_id)
        assert shown == _listed(client, url) == _exported(client, url), element_id
    # and per child place: every linked number equals its list
    links = re.findall(r'<a class="overdue-(?:now|period)" href="([^"]+)">(\d+)</a>', html)
    assert links
    for url, shown in links:
        assert int(shown) == _listed(client, unescape(url)), url


def test_street_figures_by_hand(client, personas, cases):
    client.force_login(personas["street_cadre"])
    html = client.get(f"/figures/cases/?month={cases['month']}").content.decode()
    assert _number(html, "figure-overdue-now")[0] == 2  # cases 1 and 3
    assert _number(html, "figure-overdue-period")[0] == 4  # cases 2, 3, 4 (late) and 7 (parked, not closed)


def test_the_tile_and_the_page_agree_for_the_same_scope(client, personas, cases):
    client.force_login(personas["community_worker"])  # 东社区
    tile = _number(client.get("/").content.decode(), "tile-overdue-now")[0]
    page = _number(client.get("/figures/cases/").content.decode(), "figure-overdue-now")[0]
    assert tile == page == 1  # case 1


def test_a_node_outside_the_scope_lists_nothing(client, personas, tree, cases):
    client.force_login(personas["community_worker"])  # 东社区; 西苑小区 is not theirs
    assert _listed(client, f"/cases/?view=all&overdue=current&node={tree['west_compound'].pk}") == 0


def test_period_month_is_read_leniently(client, personas, cases):
    client.force_login(personas["street_cadre"])
    for month in ("abc", "9999-12", "2026-13"):
        assert client.get(f"/cases/?view=all&overdue=period&month={month}").status_code == 200

