import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail("Debian chromium is required under CI (apt-get install chromium)")
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, axe_audit):
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, axe_audit):
    context = browser.new_context(viewport={"width": 390, "height": 800}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


# --- Accessibility: every page the browser tests open is checked with axe-core ---------------------------------
# axe-core comes from npm (package.json devDependencies; `make install` runs `npm ci`). It is served to the page
# from the page's own origin through a Playwright route, so a Content-Security-Policy of `script-src 'self'`
# lets it run: add_script_tag(path=...) would insert it inline, which such a policy refuses.
AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_PATH = "/__axe-core__/axe.min.js"
AXE_BLOCKING = ("critical", "serious")
# Calls that act on a document: a new document is checked before the test first acts on it (it has loaded and
# the test has waited for what it needs), so every document is checked before it is left.
ACTIONS = ("click", "dblclick", "tap", "fill", "type", "press", "press_sequentially", "select_option", "check",
           "uncheck", "set_checked", "set_input_files", "hover")
NAVIGATIONS = ("goto", "reload", "go_back", "go_forward")


class AxeAudit:
    """Runs axe on each document a test opens and records its critical and serious violations.

    A document is checked before the test's first action on it or navigation away from it, when a screenshot
    is taken and when the page or its context closes (also after in-page changes such as htmx swaps), and
    once more for every page still open when the test body ends."""

    def __init__(self):
        self.pages = {}  # page -> {"new": a document not checked yet, "touched": acted on since last check}
        self.routed = set()
        self.violations = []  # readable lines, one block per page state
        self.checked = []  # URLs checked, for the tests of this mechanism

    def track(self, page):
        if page in self.pages:
            return
        self.pages[page] = {"new": False, "touched": False}

        def navigated(frame):
            if frame == page.main_frame:
                self.pages[page]["new"] = True

        page.on("framenavigated", navigated)
        context = page.context
        if context not in self.routed:
            self.routed.add(context)
            context.route(f"**{AXE_PATH}", lambda route: route.fulfill(path=str(AXE_JS),
                                                                       content_type="text/javascript"))

    def check(self, page, *, always=False):
        state = self.pages.get(page)
        if state is None or page.is_closed() or not (state["new"] or (always and state["touched"])):
            return
        state["new"] = state["touched"] = False
        url = page.url
        if urlsplit(url).scheme not in ("http", "https"):
            return
        for attempt in range(3):
            try:
                page.wait_for_load_state("load")
                results = self._run(page)
                break
            except Exception as error:  # a navigation started by the test's last action destroyed the document
                if attempt == 2 or "context was destroyed" not in str(error):
                    raise
        url = page.url
        self.checked.append(url)
        blocking = [v for v in results if v["impact"] in AXE_BLOCKING]
        if blocking:
            self.violations.append(describe(url, blocking))

    def _run(self, page):
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
            page.add_script_tag(url=origin + AXE_PATH)
        return page.evaluate("""async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html, summary: n.failureSummary})),
            }));
        }""")

    def check_all(self):
        for page in list(self.pages):
            self.check(page, always=True)


def describe(url, violations):
    lines = [f"{url}:"]
    for v in violations:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:8]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"      {node['target']}  {node['html'][:160]}")
            lines.append(f"        {summary[:300]}")
        if len(v["nodes"]) > 8:
            lines.append(f"      … and {len(v['nodes']) - 8} more")
    return "\n".join(lines)


@pytest.fixture(autouse=True)
def axe_audit(monkeypatch):
    """Wraps Playwright's Page and Locator so that every page of every context the test opens is checked."""
    if not AXE_JS.exists():
        pytest.fail(f"axe-core is missing ({AXE_JS}): run `npm ci` (or `make install`)")
    from playwright.sync_api import BrowserContext, Locator, Page

    audit = AxeAudit()

    def wrap(cls, name, page_of, *, always=False, after=None):
        original = getattr(cls, name)

        def wrapper(self, *args, **kwargs):
            page = page_of(self)
            audit.track(page)
            audit.check(page, always=always)
            result = original(self, *args, **kwargs)
            if after:
                after(page)
            return result

        monkeypatch.setattr(cls, name, wrapper)

    def touched(page):
        if page in audit.pages:
            audit.pages[page]["touched"] = True

    for name in ACTIONS:
        if hasattr(Page, name):  # press_sequentially exists on Locator only
            wrap(Page, name, lambda p: p, after=touched)
        wrap(Locator, name, lambda loc: loc.page, after=touched)
    for name in NAVIGATIONS:
        wrap(Page, name, lambda p: p, always=True)
    wrap(Page, "screenshot", lambda p: p, always=True)
    wrap(Locator, "screenshot", lambda loc: loc.page, always=True)
    wrap(Page, "close", lambda p: p, always=True)

    original_close = BrowserContext.close

    def close_context(self, *args, **kwargs):
        for page in list(audit.pages):
            if page.context == self:
                audit.check(page, always=True)
        return original_close(self, *args, **kwargs)

    monkeypatch.setattr(BrowserContext, "close", close_context)
    yield audit


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fails the test itself (not its teardown) on the axe violations of any page it opened."""
    result = yield
    audit = item.funcargs.get("axe_audit")
    if audit is not None:
        audit.check_all()
        if audit.violations:
            pytest.fail("axe-core: critical or serious accessibility violations\n" + "\n".join(audit.violations),
                        pytrace=False)
    return result
