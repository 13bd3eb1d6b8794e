"""A grid worker's report: the complainant's contact with consent, only the worker's own area, a thanks page
that speaks to the worker."""
import pytest
from django.db import connection
from django.urls import reverse

from weizhili.cases.models import Case, Source

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.cases.public_test_urls")]

PHONE = "13812345678"


def _form(tree, categories, **overrides):
    data = {"community": tree["east"].pk, "compound": tree["east_compound"].pk,
            "building": tree["east_building"].pk, "category": categories["sanitation"].pk,
            "description": "楼道里堆满了杂物，影响通行"}
    data.update(overrides)
    return data


def test_grid_worker_records_the_complainant_with_consent(client, tree, categories, personas):
    grid = personas["grid_worker"]
    client.force_login(grid)
    url = reverse("public:grid")
    refused = client.post(url, _form(tree, categories, contact_name="王大妈", contact_phone=PHONE))
    assert refused.status_code == 200 and "请先征得居民同意" in refused.content.decode()
    assert not Case.objects.exists()
    response = client.post(url, _form(tree, categories, contact_name="王大妈", contact_phone=PHONE, consent="1"))
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.source == Source.GRID and case.reporter_user == grid
    assert case.contact_name == "王大妈" and case.contact_phone == PHONE and case.contact_consent_at is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT contact_phone FROM cases_case")
        assert PHONE not in repr(cursor.fetchall())  # encrypted like every phone
    no_contact = client.post(url, _form(tree, categories, confirm_new="1"))  # nobody named: no consent needed
    assert no_contact.status_code == 302
    assert Case.objects.filter(contact_phone="", contact_consent_at__isnull=True).count() == 1


def test_grid_worker_is_offered_only_compounds_in_scope(client, tree, categories, personas):
    client.force_login(personas["grid_worker"])  # 东社区
    url = reverse("public:grid")
    html = client.get(url).content.decode()
    assert "东苑小区" in html and "西苑小区" not in html and "西社区" not in html
    outside = client.post(url, _form(tree, categories, community=tree["west"].pk,
                                     compound=tree["west_compound"].pk, building=""))
    assert outside.status_code == 200 and not Case.objects.exists()
    client.force_login(personas["branch_secretary"])  # 东苑小区 only
    html = client.get(url).content.decode()
    assert "东苑小区" in html and "西苑小区" not in html and "东社区（不在院落内/不确定）" not in html
    at_community = client.post(url, _form(tree, categories, compound="", building=""))
    assert "只能上报您负责范围内的院落" in at_community.content.decode() and not Case.objects.exists()


def test_thanks_page_speaks_to_the_worker(client, tree, categories, personas):
    client.force_login(personas["grid_worker"])
    response = client.post(reverse("public:grid"), _form(tree, categories, contact_phone=PHONE, consent="1"))
    case = Case.objects.get()
    assert response["Location"] == reverse("public:grid_done", args=[case.code])
    page = client.get(response["Location"]).content.decode()
    assert "已代居民上报" in page and case.code in page and "手机号后4位" in page
    assert "感谢您的反映" not in page and PHONE not in page
    client.force_login(personas["branch_secretary"])  # not the worker who reported it
    assert client.get(response["Location"]).status_code == 404
