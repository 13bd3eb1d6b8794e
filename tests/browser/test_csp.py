"""In Debian chromium, under the real Content-Security-Policy: the main pages of each kind (maps, charts, the
place tree, forms, the admin, the resident pages) work and the browser reports no policy violation."""
import pytest

from .test_browse import demo, login  # noqa: F401

pytestmark = pytest.mark.browser

# Expressions waited for are arrow functions: Playwright evaluates a plain string again on every poll with eval(),
# which the policy refuses ('unsafe-eval'); a function is evaluated once and then called.
# Recorded in the page itself (an init script is added by the browser driver, not by the page, so the policy
# does not apply to it), and read back before each page is left.
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sourceFile || "") + ":" + e.lineNumber);
});
"""


def _violations(page) -> list[str]:
    return page.evaluate("window.__csp || []")


def test_main_pages_work_under_the_policy(browser, live_server, demo):  # noqa: F811
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    context.add_init_script(WATCH)
    page = context.new_page()
    console = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    seen: dict[str, list[str]] = {}

    def visit(path: str, ready: str):
        page.goto(f"{base}{path}")
        page.wait_for_function(ready) if ready.startswith("() =>") else page.wait_for_selector(ready)
        seen[path] = _violations(page)

    login(page, base, "street_cadre")
    page.wait_for_selector("text=组织覆盖")
    page.wait_for_function("() => window.weizhiliMaps && window.weizhiliMaps['map'].layer.getLayers().length > 100")
    seen["/ (home map)"] = _violations(page)

    visit("/places/", "#place-tree")
    page.click("li:has(> a:text-is('龙泉社区')) > button.toggle")  # htmx fragment + the moved toggle handler
    page.wait_for_selector("a:text-is('君临天下小区')")
    assert page.locator("li:has(> a:text-is('龙泉社区')) > button.toggle").inner_text() == "−"
    seen["/places/ (expanded)"] = _violations(page)

    visit("/figures/cases/", "() => window.weizhiliCharts && window.weizhiliCharts['monthly-chart']")
    months = page.locator("select[name=month] option").all_inner_texts()
    if len(months) > 1:  # the moved auto-submit: choosing a month reloads the page with it
        with page.expect_navigation():
            page.select_option("select[name=month]", months[-1])
        assert f"month={months[-1]}" in page.url
    seen["/figures/cases/ (month)"] = _violations(page)

    visit("/cases/map/", "() => window.weizhiliMaps && window.weizhiliMaps['case-map']")
    visit("/hotline/", "() => window.weizhiliMaps && window.weizhiliMaps['hotline-map']")
    visit("/party/", "text=五级组织架构")
    visit("/people/", "#people-table")
    visit("/cases/", "main")
    visit("/admin/", "#content")
    visit("/admin/places/place/", "#result_list")
    visit("/no-such-page/", "#not-found-message")
    page.goto(f"{base}/r/")
    page.wait_for_selector("main")
    seen["/r/"] = _violations(page)
    context.close()

    assert {path: v for path, v in seen.items() if v} == {}
    assert console == []
