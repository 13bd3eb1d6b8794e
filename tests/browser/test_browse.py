"""In Debian chromium: log in as personas of the demo street and browse the trees. The screenshots taken here
are the ones in the user guide (docs/guide/img), so the guide cannot drift from the product."""
import os
from pathlib import Path

import pytest

from weizhili.accounts.models import User
from weizhili.demo.builder import DemoBuilder

GUIDE_IMG = Path(__file__).resolve().parents[2] / "docs" / "guide" / "img"
PASSWORD = "Demo-pass-2026!"
pytestmark = pytest.mark.browser


def shot(page, name: str) -> None:
    # Screenshots are written once per run on SQLite (the guide's pictures); the PostgreSQL run checks only.
    if not os.environ.get("TEST_DATABASE_URL"):
        GUIDE_IMG.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(GUIDE_IMG / f"{name}.png"), full_page=False)


def login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


@pytest.fixture
def demo(flushable_audit):
    DemoBuilder().build()
    for user in User.objects.all():
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])


def test_street_cadre_browses_the_place_tree(page, live_server, demo):
    base = live_server.url
    page.goto(f"{base}/")
    assert "/login/" in page.url
    shot(page, "login")
    login(page, base, "street_cadre")
    page.wait_for_selector("text=组织覆盖")
    page.wait_for_function("() => window.weizhiliMaps && window.weizhiliMaps['map'].layer.getLayers().length > 100")
    shot(page, "home-street-cadre")
    assert page.locator(".stat .n").first.inner_text() == "15"  # communities

    page.click("nav >> text=区划")
    page.wait_for_selector("#place-tree")
    page.click("li:has(> a:text-is('龙泉社区')) > button.toggle")
    page.wait_for_selector("a:text-is('君临天下小区')")
    page.click("li:has(> a:text-is('君临天下小区')) > button.toggle")
    page.wait_for_selector("li:has(> a:text-is('君临天下小区')) a:text-is('1号楼')")
    shot(page, "place-tree")

    page.click("a:text-is('君临天下小区')")
    page.wait_for_selector("h1:has-text('君临天下小区')")
    page.wait_for_load_state()  # the h1 is parsed before the rest of the page: count only a whole document
    assert page.locator("text=君临天下院落党支部").count() >= 1
    assert page.locator("text=君临天下花园").count() == 1  # an alias
    page.wait_for_function("() => window.weizhiliMaps && window.weizhiliMaps['map'].layer.getLayers().length === 1")
    shot(page, "compound-page")

    page.click("nav >> text=党组织")
    page.wait_for_selector("text=五级组织架构")
    assert "75" in page.locator(".stat .n").first.inner_text()
    shot(page, "org-browser")
    page.goto(f"{base}/party/members/")  # the member list's filters, checked with axe
    page.wait_for_selector("#member-table")

    page.click("nav >> text=人员")
    page.fill("input[name=q]", "王")
    page.click("button:has-text('查询')")
    page.wait_for_selector("#people-table")
    phones = page.locator("#people-table td:nth-child(3)").all_inner_texts()
    assert phones and all("****" in p for p in phones)
    shot(page, "people-list")


def test_branch_secretary_sees_one_compound_on_a_phone(phone_page, live_server, demo):
    page, base = phone_page, live_server.url
    login(page, base, "junlin_secretary")
    page.wait_for_selector("text=组织覆盖")
    assert "君临天下小区" in page.inner_text("main")
    shot(page, "home-branch-secretary-phone")
    page.goto(f"{base}/places/")
    names = page.locator("#place-tree > ul > li > a").all_inner_texts()
    assert names and all(n.endswith("号楼") for n in names)
    # another compound of the same street is out of scope: 404, as if it did not exist
    from weizhili.places.models import Place

    other = Place.objects.get(kind="compound", name="一职专宿舍")
    response = page.goto(f"{base}/places/{other.pk}/")
    assert response.status == 404


def test_community_worker_unmasks_one_phone_and_it_is_audited(page, live_server, demo):
    from weizhili.audit.models import AuditEntry

    base = live_server.url
    login(page, base, "longquan_worker")
    page.wait_for_selector("text=组织覆盖")
    assert "龙泉社区" in page.inner_text("main")
    shot(page, "home-community-worker")
    page.click("nav >> text=人员")
    page.click("#people-table tr:nth-child(2) td:first-child a")
    page.wait_for_selector("#person-card")
    masked = page.locator("#person-card tr:nth-child(4) td").inner_text()
    assert "****" in masked
    before = AuditEntry.objects.filter(action="person.unmask").count()
    page.click("text=查看完整信息")
    page.wait_for_selector("#unmasked strong")
    full = page.locator("#unmasked strong").first.inner_text()
    assert full.isdigit() and len(full) == 11 and full[:3] == masked[:3] and full[-4:] == masked[-4:]
    shot(page, "person-unmasked")
    assert AuditEntry.objects.filter(action="person.unmask").count() == before + 1


def test_auditor_reads_the_audit_log_and_nothing_else(page, live_server, demo):
    base = live_server.url
    login(page, base, "auditor")
    page.wait_for_selector("text=查看审计日志")
    assert page.locator("nav >> text=区划").count() == 0
    page.click("text=查看审计日志")
    page.wait_for_selector("#result_list")
    page.wait_for_load_state()
    assert page.locator("#result_list tbody tr").count() >= 1
    shot(page, "audit-log")
    assert page.goto(f"{base}/places/").status == 404


def test_system_admin_imports_places_from_the_template(page, live_server, demo, tmp_path):
    """Download the template, add a compound to it, upload it: the new compound and its households exist."""
    import xlsxwriter
    from python_calamine import CalamineWorkbook

    from weizhili.places.models import Place

    base = live_server.url
    login(page, base, "sysadmin")
    page.goto(f"{base}/admin/places/place/import/")
    with page.expect_download() as download_info:
        page.click("text=下载导入模板")
    template = tmp_path / "template.xlsx"
    download_info.value.save_as(template)
    rows = CalamineWorkbook.from_path(str(template)).get_sheet_by_index(0).to_python()
    headers = [str(h) for h in rows[0]]
    assert headers[:3] == ["街道", "社区", "院落"]
    upload = tmp_path / "新增院落.xlsx"
    book = xlsxwriter.Workbook(str(upload))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, headers)
    sheet.write_row(1, 0, ["明水街道", "龙泉社区", "泉韵花园", "泉韵；泉韵小区", "住宅小区", 3, 2, 10, "明水物业"])
    sheet.write_row(2, 0, ["明水街道", "龙泉社区", "坏行小区", "", "住宅小区", "三", 2, 10, ""])
    book.close()
    page.set_input_files("input[type=file]", str(upload))
    page.click("input[type=submit]")
    page.wait_for_selector("#import-summary")
    assert page.inner_text(".compounds-created") == "1"
    assert "第3行" in page.inner_text("#import-errors")
    shot(page, "places-import")
    compound = Place.objects.get(kind="compound", name="泉韵花园")
    assert Place.objects.filter(path__startswith=compound.path, kind="household").count() == 3 * 2 * 10
