"""Staff pages of the case loop on the demo street, in Debian chromium (screenshots for the guide)."""
import pytest

from .test_browse import demo, login, shot  # noqa: F401  (fixture re-used)

pytestmark = pytest.mark.browser


def test_community_worker_works_the_queue_and_reads_the_figures(page, live_server, demo):  # noqa: F811
    from weizhili.cases.models import Case

    base = live_server.url
    login(page, base, "longquan_worker")
    page.wait_for_selector("#work-cards")
    # the home tile 当前超期 opens the queue filtered to exactly those cases
    page.click("#tile-overdue-now")
    page.wait_for_selector("#overdue-filter")
    shot(page, "case-queue-overdue")
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
    page.wait_for_load_state()
    assert page.locator("#timeline li").count() == case.events.count()
    shot(page, "case-detail")
    # the public summary is the only text about the case the public pages show
    page.fill("#public-summary", "已安排处理，问题已解决")
    page.click("#case-summary button[type=submit]")
    page.wait_for_selector(".messages")
    assert "公开摘要已保存" in page.inner_text(".messages")
    case.refresh_from_db()
    assert case.public_summary == "已安排处理，问题已解决"
    page.locator("#case-summary").scroll_into_view_if_needed()
    shot(page, "case-public-summary")
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


def test_grid_worker_reports_for_a_resident(phone_page, live_server, demo):  # noqa: F811
    from weizhili.cases.models import Case, Source
    from weizhili.places.models import Place

    base = live_server.url
    page = phone_page
    login(page, base, "courier_grid")
    page.wait_for_selector("nav")
    page.goto(f"{base}/r/grid/")
    page.wait_for_selector("#step1")
    # only the compounds of the worker's own community are offered
    longquan = Place.objects.get(name="龙泉社区")
    offered = set(page.locator("#f-compound option[value]:not([value=''])").all_inner_texts())
    assert "君临天下小区" in offered
    assert all(Place.objects.filter(name=name, path__startswith=longquan.path).exists()
               for name in offered if "（" not in name)
    page.select_option("#f-compound", label="君临天下小区")
    page.click("#step1 button[type=submit]")
    page.wait_for_selector("#report")
    page.select_option("#f-building", label="1号楼")
    page.select_option("#f-category", label="环境卫生")
    page.fill("#f-description", "1号楼门口的垃圾桶满了两天没人清运")
    page.fill("#f-name", "王阿姨")
    page.fill("#f-phone", "13912340000")
    page.check("input[name=consent]")
    shot(page, "grid-report-phone")
    page.click("#report button[type=submit]:not([name=confirm_new])")
    if page.locator("button[name=confirm_new]").count():
        page.click("button[name=confirm_new]")  # similar cases were offered; this one is new
    page.wait_for_url("**/r/grid/done/**")
    case = Case.objects.order_by("-id").first()
    assert case.source == Source.GRID and case.contact_consent_at is not None
    assert "已代居民上报" in page.inner_text("h1") and case.code in page.inner_text("body")
    shot(page, "grid-done-phone")
