"""The axe-core check that every browser test runs (tests/browser/conftest.py): it injects axe under a
Content-Security-Policy that refuses inline scripts, it checks every document a test opens, and it reports
critical and serious violations readably."""
from pathlib import Path

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


SITE_CSS = Path(__file__).resolve().parents[2] / "weizhili" / "static" / "weizhili" / "site.css"
# Every coloured text class of the stylesheet, with English words: axe cannot judge the contrast of a one- or
# two-character Chinese label (中, 黄牌) and leaves it "incomplete", so the colours are checked here on words.
SAMPLES = """
<p class="muted small">Muted small text</p>
<table><tr><th>Band</th><th>Card</th></tr>
<tr><td class="small band-high">High</td><td><span class="badge">Internal</span></td></tr>
<tr><td class="small band-medium">Medium</td><td><span class="badge yellow">Yellow card</span></td></tr>
<tr><td class="small band-low">Low</td><td><span class="badge red">Red card</span></td></tr>
<tr><td class="small band-none">None</td><td><span class="badge green">Closed on time</span></td></tr></table>
<div class="stat"><div class="n">15</div><div class="l">Communities</div></div>
<p>Text with <a href="/x/">a link</a> inside.</p><div class="card tree"><ul><li><a href="/y/">Building 1</a>
<span class="count">12 households</span></li></ul></div>
<ul class="messages"><li>Saved</li></ul><p class="caveat">Caveat</p>
"""


def test_the_stylesheet_colours_pass_axe(page, axe_audit):
    def fulfil(route):
        if route.request.url.endswith("/site.css"):
            return route.fulfill(path=str(SITE_CSS), content_type="text/css")
        html = (f'<!DOCTYPE html><html lang="en"><head><title>Colours</title><link rel="stylesheet" href="/colours/site.css">'
                f'</head><body><main class="page"><h1>Colours</h1>{SAMPLES}</main></body></html>')
        return route.fulfill(body=html, headers={"Content-Type": "text/html; charset=utf-8"})

    page.context.route(f"{ORIGIN}/colours/**", fulfil)
    page.goto(f"{ORIGIN}/colours/")
    assert page.locator(".band-medium").evaluate("e => getComputedStyle(e).color") != "rgb(0, 0, 0)"  # css loaded
    axe_audit.check_all()
    assert axe_audit.checked == [f"{ORIGIN}/colours/"]
    # no violation recorded: the test's own end-of-test check would fail it otherwise
