"""The whole case loop in Debian chromium on the demo street: a resident reports from the phone page, the
building leader signs for it, the compound's deadline passes and the sweep escalates it to the community,
the community worker handles and closes it, the resident is not satisfied, it reopens, and it closes again."""
from datetime import timedelta

import pytest

from .conftest import CHROMIUM_ARGS  # noqa: F401  (same browser flags)
from .test_browse import PASSWORD, demo, shot  # noqa: F401  (fixture re-used)

pytestmark = pytest.mark.browser


def staff_page(browser, base, username, contexts):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    contexts.append(context)
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("nav")
    return page


def act(page, action, note=""):
    """The case page has one note field and a button per action: write the note, press the action's button."""
    form = page.locator("#case-actions form.action-form")
    assert form.locator("textarea[name=note]").count() == 1
    if note:
        form.locator("textarea[name=note]").fill(note)
    form.locator(f"button[name=action][value={action}]").click()
    page.wait_for_selector(".messages")
    assert "已完成" in page.inner_text(".messages"), page.inner_text(".messages")


def test_report_escalate_reopen_close(browser, phone_page, live_server, demo):  # noqa: F811
    from weizhili.cases.models import Case, Status, Tier
    from weizhili.cases.sweep import sweep

    base = live_server.url
    resident = phone_page
    contexts = []
    # 1. the resident reports from the phone page
    resident.goto(f"{base}/r/")
    resident.select_option("#f-compound", label="君临天下小区")
    resident.click("#step1 button[type=submit]")
    resident.wait_for_selector("#report")
    resident.select_option("#f-building", label="1号楼")
    resident.fill("#f-room", "1单元101")
    resident.select_option("#f-category", label="环境卫生")
    resident.fill("#f-description", "1号楼1单元楼道里堆满了旧家具，晚上看不清容易绊倒")
    resident.fill("#f-phone", "13912345678")
    shot(resident, "resident-report-phone")
    resident.click("#report button[type=submit]:not([name=confirm_new])")
    if resident.locator("button[name=confirm_new]").count():
        resident.click("button[name=confirm_new]")  # similar cases were offered; this one is new
    resident.wait_for_url("**/r/t/**")
    tracking_url = resident.url
    case = Case.objects.order_by("-id").first()
    assert case.description.startswith("1号楼1单元楼道") and case.status == Status.DISPATCHED
    assert case.assignee.username == "junlin_b1_leader"
    assert case.code in resident.inner_text("body")
    shot(resident, "resident-tracking-phone")

    # 2. the building leader signs for it
    leader = staff_page(browser, base, "junlin_b1_leader", contexts)
    leader.goto(f"{base}/cases/?view=mine")
    leader.click(f"a:text-is('{case.code}')")
    leader.check("#case-actions input[name=contacted]")  # phoned the resident before signing
    act(leader, "sign")
    assert "junlin_b1_leader" in leader.inner_text("#case-handler")
    assert leader.locator("#case-actions button[value=contact]").count() == 0  # already recorded
    shot(leader, "case-leader-signed")

    # 3. the compound's two working days pass: the sweep escalates the case to the community
    case.refresh_from_db()
    result = sweep(now=case.tier_due_at + timedelta(minutes=1))
    assert result.escalated.get(Tier.COMMUNITY, 0) >= 1
    case.refresh_from_db()
    assert case.tier == Tier.COMMUNITY and case.status == Status.DISPATCHED

    # 4. the community worker handles and closes it
    worker = staff_page(browser, base, "longquan_worker", contexts)
    worker.goto(f"{base}/cases/{case.pk}/")
    assert "上报上一级" in worker.inner_text("#timeline")
    act(worker, "sign")
    assert "longquan_worker" in worker.inner_text("#case-handler")
    act(worker, "report", "已联系物业清理楼道杂物")
    act(worker, "verify")
    act(worker, "close")
    shot(worker, "case-closed")

    # 5. the resident is not satisfied: the case reopens with a new round
    resident.goto(tracking_url)
    resident.check("input[name=satisfaction][value=unsatisfied]")
    resident.check("input[name=resolved][value='0']")
    resident.fill("#f-rate-note", "只清了一半")
    resident.click("text=提交评价")
    resident.wait_for_load_state()
    case.refresh_from_db()
    assert case.round == 2 and case.status == Status.DISPATCHED and case.first_satisfaction == "unsatisfied"

    # 6. handled again and closed; the resident is satisfied this time
    worker.goto(f"{base}/cases/{case.pk}/")
    act(worker, "sign")
    act(worker, "report", "剩余杂物已全部清走")
    act(worker, "verify")
    act(worker, "close")
    resident.goto(tracking_url)
    resident.check("input[name=satisfaction][value=satisfied]")
    resident.check("input[name=resolved][value='1']")
    resident.click("text=提交评价")
    resident.wait_for_load_state()
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.final_satisfaction == "satisfied"
    assert case.resolved_tier == Tier.COMMUNITY and case.escalations == 1
    shot(resident, "resident-rated-phone")
    # within the street's window the tracking page offers the reopen form, for when the problem comes back
    reopen = resident.locator("#f-reopen-note")
    assert reopen.count() == 1
    reopen.scroll_into_view_if_needed()
    shot(resident, "resident-reopen-phone")
    actions = list(case.events.values_list("action", flat=True))
    assert actions.count("close") == 2 and "escalate" in actions and "reopen" in actions
    for context in contexts:  # no request may still be in flight when the live server stops
        context.close()
