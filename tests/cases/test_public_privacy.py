"""Public pages show what is public by design (category, place to building level, date, status, me-too count and
a staff-written summary), never a resident's words; the similar-case look-up is rate limited; me-too is one per
person and its ticket carries no internal id."""
import base64
import re

import pytest
from django.core import signing
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from weizhili.audit.models import AuditEntry
from weizhili.cases.models import Case, Event, MeToo
from weizhili.cases.public_views import METOO_SALT
from weizhili.cases.services import Actor, case_create, case_transition

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.cases.public_test_urls")]

SECRET = "邻居张三丰 13955556666 身份证370181199001011234"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _form(tree, categories, **overrides):
    data = {"s": tree["street"].pk, "community": tree["east"].pk, "compound": tree["east_compound"].pk,
            "building": tree["east_building"].pk, "category": categories["sanitation"].pk,
            "description": "楼道里堆满了杂物，影响通行"}
    data.update(overrides)
    return data


@pytest.fixture
def existing(tree, categories):
    return case_create(place=tree["east_household"], category=categories["sanitation"], anonymous=True,
                       description=f"二号楼门口垃圾没人清理，{SECRET}", contact_phone="13812340000")


def _similar(client, tree, categories, **extra):
    return client.post(reverse("public:report"), _form(tree, categories), **extra)


def _ticket(html: str) -> str:
    return re.search(r'name="ticket" value="([^"]+)"', html).group(1)


def test_similar_cases_show_no_description_only_the_staff_summary(client, tree, categories, existing):
    html = _similar(client, tree, categories).content.decode()
    assert "这些问题已经有人反映了" in html
    for leak in ("二号楼门口", "张三丰", "13955556666", "370181199001011234", existing.code, existing.token):
        assert leak not in html
    assert "环境卫生" in html and "东社区 东苑小区" in html and "已有0人附议" in html
    Case.objects.filter(pk=existing.pk).update(public_summary="东苑小区楼道堆物，已安排清理")
    html = _similar(client, tree, categories).content.decode()
    assert "东苑小区楼道堆物，已安排清理" in html and "张三丰" not in html


def test_me_too_ticket_carries_no_internal_id_nor_code(client, tree, categories, existing):
    ticket = _ticket(_similar(client, tree, categories).content.decode())
    payload = signing.loads(ticket, salt=METOO_SALT)
    assert payload != existing.pk and str(existing.pk) != payload
    raw = base64.urlsafe_b64decode(ticket.split(":")[0] + "==").decode("utf-8", "replace")
    assert existing.code not in raw and existing.code not in ticket


def test_similar_lookup_counts_toward_the_report_limit(client, tree, categories, existing, monkeypatch):
    from weizhili.cases import public_views

    monkeypatch.setattr(public_views, "REPORT_LIMIT", 3)
    for _ in range(3):
        assert "这些问题已经有人反映了" in _similar(client, tree, categories).content.decode()
    blocked = _similar(client, tree, categories)
    assert blocked.status_code == 429 and "这些问题已经有人反映了" not in blocked.content.decode()
    assert _similar(client, tree, categories, REMOTE_ADDR="10.0.0.7").status_code == 200


def test_me_too_is_one_per_phone_not_per_browser(client, tree, categories, existing, django_user_model):
    from django.test import Client

    ticket = _ticket(_similar(client, tree, categories).content.decode())
    url = reverse("public:metoo")
    first = client.post(url, {"ticket": ticket, "phone": "139 0000 1111"})
    assert "已记录您的附议" in first.content.decode()
    other_browser = Client()  # a fresh session, the same person
    again = other_browser.post(url, {"ticket": ticket, "phone": "13900001111"})
    assert "已经附议过" in again.content.decode()
    second_person = Client().post(url, {"ticket": ticket, "phone": "13900002222"})
    assert "已记录您的附议" in second_person.content.decode()
    existing.refresh_from_db()
    assert existing.me_too == 2 and MeToo.objects.filter(case=existing).count() == 2
    assert Event.objects.filter(case=existing, action="me_too").count() == 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM cases_metoo")
        dump = repr(cursor.fetchall())
    assert "13900001111" not in dump and "13900002222" not in dump


def test_me_too_needs_a_valid_phone_and_not_the_reporters_own(client, tree, categories, existing):
    ticket = _ticket(_similar(client, tree, categories).content.decode())
    url = reverse("public:metoo")
    missing = client.post(url, {"ticket": ticket})
    assert missing.status_code == 200 and "请填写手机号" in missing.content.decode()
    bad = client.post(url, {"ticket": ticket, "phone": "12345"})
    assert "手机号格式不正确" in bad.content.decode()
    own = client.post(url, {"ticket": ticket, "phone": "13812340000"})
    assert "这是您自己反映的诉求" in own.content.decode()
    assert client.post(url, {"ticket": "garbage", "phone": "13900001111"}).status_code == 400
    existing.refresh_from_db()
    assert existing.me_too == 0 and not MeToo.objects.exists()


def test_tracking_page_never_shows_a_residents_own_words(client, tree, categories, leader, staff):
    case = case_create(place=tree["east_household"], category=categories["sanitation"],
                       description=f"垃圾堆了一周，{SECRET}", contact_phone="13812340000")
    url = reverse("public:track", args=[case.token])
    client.post(url, {"action": "add_info", "note": "补充：住在3单元501的李四也这么说"})
    case_transition(case_id=case.pk, action="reply", actor=Actor(leader), note="已安排保洁明天清理")
    html = client.get(url).content.decode()
    for leak in ("垃圾堆了一周", "张三丰", "13955556666", "李四", "3单元501"):
        assert leak not in html
    assert "已安排保洁明天清理" in html  # what staff answered is the resident's answer
    assert "居民补充信息" in html  # the event is listed, without its text
    for action, actor, note in [("sign", leader, ""), ("report", leader, "已清理"),
                                ("verify", staff["secretary"], ""), ("close", staff["secretary"], "")]:
        case_transition(case_id=case.pk, action=action, actor=Actor(actor), note=note)
    client.post(url, {"action": "rate", "satisfaction": "satisfied", "resolved": "1", "note": "王五帮了大忙"})
    assert "王五" not in client.get(url).content.decode()


def test_staff_write_the_public_summary_audited_on_the_timeline(client, tree, categories, existing, staff,
                                                                  personas):
    url = reverse("cases:summary", args=[existing.pk])
    client.force_login(staff["secretary"])
    page = client.get(reverse("cases:detail", args=[existing.pk])).content.decode()
    assert 'name="public_summary"' in page
    response = client.post(url, {"public_summary": "  东苑小区 楼道堆物  "})
    assert response.status_code == 302
    existing.refresh_from_db()
    assert existing.public_summary == "东苑小区 楼道堆物"
    event = Event.objects.get(case=existing, action="summary")
    assert event.public is False and event.actor == staff["secretary"]
    assert AuditEntry.objects.filter(action="case.summary", object_id=str(existing.pk)).exists()
    too_long = client.post(url, {"public_summary": "长" * 201}, follow=True)
    assert "公开摘要最多200字" in too_long.content.decode()
    existing.refresh_from_db()
    assert existing.public_summary == "东苑小区 楼道堆物"

    client.force_login(personas["building_leader"])  # handles cases, but does not speak for them publicly
    refused = client.post(url, {"public_summary": "楼长写的"}, follow=True)
    assert "只有办理诉求的工作人员" in refused.content.decode()
    client.force_login(personas["resident"])
    assert client.post(url, {"public_summary": "x"}).status_code == 404
    west = case_create(place=tree["west_household"], category=categories["noise"], description="西边的噪音问题")
    client.force_login(staff["secretary"])  # another compound's case: not found, as if missing
    assert client.post(reverse("cases:summary", args=[west.pk]), {"public_summary": "x"}).status_code == 404
    existing.refresh_from_db()
    assert existing.public_summary == "东苑小区 楼道堆物"
