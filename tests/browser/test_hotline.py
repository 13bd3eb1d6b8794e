"""The 12345 pages in Debian chromium on the demo street: the volume falling after the branches were founded
(charts and map), drilling down to the orders, fixing an unlocated order with a new alias, and an upload whose
job runs and reports. The screenshots are the user guide's."""
import pytest

from .test_browse import demo, login, shot  # noqa: F401  (fixture re-used)

pytestmark = pytest.mark.browser


def test_street_cadre_sees_the_volume_fall_and_fixes_an_order(page, live_server, demo, tmp_path):  # noqa: F811
    from weizhili.hotline.models import HotlineOrder

    base = live_server.url
    login(page, base, "street_cadre")
    page.wait_for_selector("nav")
    page.click("nav >> text=12345热线")
    page.wait_for_selector("#hotline-cards")
    # charts drawn (ECharts canvases) and the map has every compound with a colour
    page.wait_for_function("() => window.weizhiliCharts && window.weizhiliCharts.monthly && window.weizhiliCharts.event")
    page.wait_for_function("() => window.weizhiliMaps && window.weizhiliMaps['hotline-map'].layer.getLayers().length > 100")
    summary = page.inner_text("#branch-effect-summary")
    assert "差异中的差异" in summary
    assert "不是因果证明" in page.inner_text("#did-caveat")
    data = page.evaluate("JSON.parse(document.getElementById('hotline-data').textContent)")
    totals = data["totals"]
    assert sum(totals[:6]) / 6 > 1.6 * sum(totals[-6:]) / 6  # ~1,500 a month → ~750: the demo's story
    treated = [v for v in data["event"]["treated"] if v is not None]
    assert treated[0] > treated[-1]
    shot(page, "hotline-overview")
    page.locator("#hotline-map").scroll_into_view_if_needed()
    shot(page, "hotline-map")

    # drill down: the unlocated orders, one of them fixed with an alias
    page.goto(f"{base}/hotline/orders/?unlocated=1")
    page.wait_for_selector("#hotline-orders")
    shot(page, "hotline-orders")
    page.locator("#hotline-orders a").first.click()
    page.wait_for_selector("#locate-form")
    number = page.inner_text("h1").split()[-1]
    page.select_option("#locate-form select[name=compound]", label="君临天下小区")
    page.fill("#locate-form input[name=alias]", "君临天下南门外")
    page.check("#locate-form input[name=add_alias]")
    shot(page, "hotline-order-fix")
    page.click("#locate-form button[type=submit]")
    page.wait_for_selector(".messages")
    assert "君临天下小区" in page.inner_text("#order-location")
    assert HotlineOrder.objects.get(order_no=number).locate_source == "manual"

    # an upload: the job runs in the worker and the page shows its summary and the error file
    csv_path = tmp_path / "本月工单.csv"
    csv_path.write_text("工单编号,来电时间,诉求内容,事发地址\n"
                        "BRW-0001,2026-11-02 09:30,君临天下南门外路灯不亮,君临天下南门外\n"
                        "BRW-0002,2026-13-40,日期写错了,一职专宿舍\n", encoding="gb18030")
    page.goto(f"{base}/hotline/imports/")
    page.set_input_files("#upload-form input[type=file]", str(csv_path))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#job-summary", timeout=30_000)
    assert "下载错误清单" in page.inner_text("#job-progress")
    shot(page, "hotline-import")
    fixed = HotlineOrder.objects.get(order_no="BRW-0001")
    assert fixed.compound.name == "君临天下小区"  # found through the alias added above
