"""The axe-core check that every browser test runs (tests/browser/conftest.py): it injects axe under a
Content-Security-Policy that refuses inline scripts, it checks every document a test opens, and it reports
critical and serious violations readably."""
import pytest
from playwright.sync_api import Error

pytestmark = pytest.mark.browser

ORIGIN = "http://a11y.weizhili.test"
CSP = "default-src 'self'; script-src 'self'; style-src 'self'"
PAGES = {
    "/": '<a href="/form/">表单</a>',
    "/form/": '<form><select name="month"><option>2026-11</option></select></form>',
    "/labelled/": '<form><label>月份 <select name="month"><option>2026-11</option></select></label></form>',
}


def serve(page):
    def fulfil(route):
        path = "/" + route.request.url.removeprefix(ORIGIN).lstrip("/").split("?")[0]
        body = PAGES.get(path)
        if body is None:
            return route.fallback()  # the axe script itself, served by the check's own route
        html = f'<!DOCTYPE html><html lang="zh-CN"><head><title>测试</title></head><body><main><h1>测试</h1>{body}</main></body></html>'
        route.fulfill(status=200, body=html, headers={"Content-Type": "text/html; charset=utf-8",
                                                      "Content-Security-Policy": CSP})

    page.context.route(f"{ORIGIN}/**", fulfil)


def test_axe_runs_under_the_csp_and_reports_an_unnamed_select(page, axe_audit):
    serve(page)
    page.goto(f"{ORIGIN}/")
    with pytest.raises(Error):  # the policy is in force: an inline script is refused
        page.add_script_tag(content="window.inlineRan = true;")
    page.click("text=表单")
    page.wait_for_selector("select")
    page.goto(f"{ORIGIN}/labelled/")
    assert axe_audit.checked == [f"{ORIGIN}/", f"{ORIGIN}/form/"]  # each checked before it was left
    assert len(axe_audit.violations) == 1
    report = axe_audit.violations[0]
    assert report.startswith(f"{ORIGIN}/form/:") and "[critical] select-name" in report
    assert '<select name="month">' in report  # the element itself, to find it in the template
    axe_audit.check_all()
    assert axe_audit.checked[-1] == f"{ORIGIN}/labelled/" and len(axe_audit.violations) == 1
    axe_audit.violations.clear()  # expected here; any other test fails on it


def test_a_page_changed_in_place_is_checked_again_before_its_screenshot(page, axe_audit, tmp_path):
    serve(page)
    page.goto(f"{ORIGIN}/labelled/")
    page.locator("select").select_option("2026-11")
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<select name=x></select>')")
    page.screenshot(path=str(tmp_path / "shot.png"))
    assert axe_audit.checked == [f"{ORIGIN}/labelled/"] * 2
    assert len(axe_audit.violations) == 1 and '<select name="x">' in axe_audit.violations[0]
    axe_audit.violations.clear()
