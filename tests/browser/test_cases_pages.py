"""Staff pages of the case loop on the demo street, in Debian chromium (screenshots for the guide)."""
import pytest

from .test_browse import demo, login, shot  # noqa: F401  (fixture re-used)

pytestmark = pytest.mark.browser


def test_community_worker_works_the_queue_and_reads_the_figures(page, live_server, demo):  # noqa: F811
    from weizhili.cases.models import Case

    base = live_server.url
    login(page, base, "longquan_worker")
    page.wait_for_selector("#work-cards")
    page.click("nav >> text=诉求")
    page.wait_for_selector("#case-queue")
    page.select_option("select[name=status]", "closed")
    page.click("button:has-text('查询')")
    page.wait_for_selector("#case-queue")
    page.goto(f"{base}/cases/?view=open")
    rows = page.locator("#case-queue tr").count() - 1
    longquan_open = Case.objects.open().filter(community__name="龙泉社区").count()
    assert rows == min(longquan_open, 30)
    shot(page, "case-queue")
    case = Case.objects.filter(community__name="龙泉社区", status="closed").order_by("-closed_at").first()
    page.goto(f"{base}/cases/{case.pk}/")
    page.wait_for_selector("#timeline li")
    assert page.locator("#timeline li").count() == case.events.count()
    shot(page, "case-detail")
    page.click("nav >> text=指标")
    page.wait_for_function("() => window.weizhiliCharts && window.weizhiliCharts['monthly-chart']")
    assert page.locator("#child-figures tr").count() > 3  # the community's compounds
    shot(page, "case-figures")
    page.goto(f"{base}/cases/map/")
    page.wait_for_function("() => window.weizhiliMaps && window.weizhiliMaps['case-map'].layer.getLayers().length > 3")
    shot(page, "case-map")


def test_the_interface_switches_to_english(page, live_server, demo):  # noqa: F811
    base = live_server.url
    login(page, base, "longquan_worker")
    page.wait_for_selector("#work-cards")
    page.click("button[name=language][value=en]")
    page.wait_for_selector("nav >> text=Cases")
    nav = page.inner_text("nav")
    assert all(word in nav for word in ["Home", "Cases", "Figures", "Places", "Party", "People"])
    assert "Organisation coverage" in page.inner_text("main")
    shot(page, "home-community-worker-en")
    page.goto(f"{base}/figures/cases/")
    assert "On-time closure rate" in page.inner_text("main")
