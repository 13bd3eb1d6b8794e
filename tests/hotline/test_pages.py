"""The hotline pages: upload → job → summary and error file, header mapping, orders, export, location fix."""
import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from weizhili.audit.models import AuditEntry
from weizhili.hotline.models import ColumnMapping, HotlineOrder, ImportJob, JobStatus

HEADERS = "工单编号,来电时间,诉求内容,问题分类,事发地址,办结时间,是否解决,满意度\n"


_capture = None


def upload(client, text: str, name="orders.csv"):
    """Upload and run the queued job (it starts on commit; the test's transaction never commits)."""
    data = SimpleUploadedFile(name, text.encode("utf-8-sig"), content_type="text/csv")
    with _capture(execute=True):
        return client.post(reverse("hotline:imports"), {"file": data})


@pytest.fixture(autouse=True)
def _jobs_run_on_commit(django_capture_on_commit_callbacks):
    global _capture
    _capture = django_capture_on_commit_callbacks
    yield
    _capture = None


@pytest.fixture
def cadre(client, personas, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    client.force_login(personas["street_cadre"])
    return client


def test_upload_runs_the_job_and_shows_its_summary(cadre, tree):
    body = HEADERS + ("P001,2024-03-05 09:10,东苑小区1号楼楼道灯不亮,城乡建设-市政设施-路灯,东苑小区1号楼,2024-03-06 09:00,是,满意\n"
                      "P002,2024-99-05,坏日期,,东苑小区,,,\n"
                      "P003,2024-03-07 10:00,西苑小区电梯坏了,城乡建设-物业管理-电梯,西苑小区2号楼,2024-03-08 09:00,否,不满意\n")
    response = upload(cadre, body)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("hotline:import_detail", args=[job.pk])
    assert job.status == JobStatus.DONE and job.summary["imported"] == 2 and job.summary["failed"] == 1
    page = cadre.get(response.url).content.decode()
    assert "下载错误清单" in page and 'id="job-summary"' in page
    errors = cadre.get(reverse("hotline:import_errors", args=[job.pk]))
    assert errors.status_code == 200 and errors["Content-Disposition"].startswith("attachment")
    assert AuditEntry.objects.filter(action="hotline.import", object_id=str(job.pk)).exists()
    # the list shows the job; the progress fragment polls only while it runs
    assert "orders.csv" in cadre.get(reverse("hotline:imports")).content.decode()
    fragment = cadre.get(response.url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in fragment and 'id="job-progress"' in fragment


def test_unknown_headers_are_mapped_on_the_page_then_the_import_runs(cadre, tree):
    upload(cadre, "单号,来电时间,诉求内容\nQ001,2024-03-05 09:10,东苑小区路灯不亮\n")
    job = ImportJob.objects.get()
    assert job.status == JobStatus.NEEDS_MAPPING and job.summary["unknown_headers"] == ["单号"]
    page = cadre.get(reverse("hotline:import_detail", args=[job.pk])).content.decode()
    assert 'id="columns-form"' in page and "单号" in page
    with _capture(execute=True):
        cadre.post(reverse("hotline:import_columns", args=[job.pk]), {"col-0": "order_no"})
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.summary["imported"] == 1
    assert ColumnMapping.objects.get(header="单号").field == "order_no"
    assert HotlineOrder.objects.filter(order_no="Q001").exists()


def test_a_bad_file_fails_with_a_message(cadre, tree):
    response = cadre.post(reverse("hotline:imports"), {"file": SimpleUploadedFile("x.pdf", b"%PDF-1.4")})
    assert response.status_code == 200 and "只能上传" in response.content.decode()
    upload(cadre, "这不是工单表\n随便写写\n", name="junk.csv")
    job = ImportJob.objects.get()
    assert job.status == JobStatus.FAILED and job.message


def _orders(tree, street_cadre_client):
    upload(street_cadre_client, HEADERS + (
        "E001,2024-03-05 09:10,东苑小区1号楼楼道灯不亮 联系电话13912345678,,东苑小区1号楼,,,\n"
        "W001,2024-03-05 10:10,西苑小区楼道灯不亮,,西苑小区1号楼,,,\n"
        "N001,2024-03-05 11:10,路口积水,,汇泉路口,,,\n"))


def test_orders_and_export_stay_in_scope(client, cadre, tree, personas):
    _orders(tree, cadre)
    page = cadre.get(reverse("hotline:orders")).content.decode()
    assert all(no in page for no in ("E001", "W001", "N001"))
    assert "13912345678" not in page and "139****5678" in page  # numbers in the text are masked
    client.force_login(personas["community_worker"])  # the east community
    page = client.get(reverse("hotline:orders")).content.decode()
    assert "E001" in page and "W001" not in page and "N001" not in page
    exported = b"".join(client.get(reverse("hotline:export")).streaming_content).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(exported)))
    assert [row[0] for row in lines[1:]] == ["E001"]
    assert lines[1][1] == "2024-03-05 09:10:00"  # local time, as on the pages
    assert AuditEntry.objects.filter(action="hotline.export", actor_id=personas["community_worker"].pk).exists()
    west = HotlineOrder.objects.get(order_no="W001")
    assert client.get(reverse("hotline:order", args=[west.pk])).status_code == 404
    assert client.get(reverse("hotline:orders"), {"node": tree["west"].pk}).status_code == 404


def test_filters_and_drilldown(cadre, tree):
    _orders(tree, cadre)
    assert "N001" in cadre.get(reverse("hotline:orders"), {"unlocated": "1"}).content.decode()
    body = cadre.get(reverse("hotline:orders"), {"node": tree["east_compound"].pk, "month": "2024-03"}).content.decode()
    assert "E001" in body and "W001" not in body
    assert "E001" not in cadre.get(reverse("hotline:orders"), {"month": "2024-04"}).content.decode()


def test_fixing_a_location_on_the_page(cadre, tree):
    _orders(tree, cadre)
    order = HotlineOrder.objects.get(order_no="N001")
    page = cadre.get(reverse("hotline:order", args=[order.pk])).content.decode()
    assert 'id="locate-form"' in page
    east = HotlineOrder.objects.get(order_no="E001")
    same_group = HotlineOrder.objects.create(
        street=tree["street"], order_no="E002", received_at=east.received_at, content="再次反映 13812345678 没人管",
        updated_at=east.received_at, place=east.place, compound=east.compound, repeat_group=east.repeat_group)
    page = cadre.get(reverse("hotline:order", args=[east.pk])).content.decode()
    assert same_group.order_no in page and "13812345678" not in page and "138****5678" in page
    cadre.post(reverse("hotline:order_locate", args=[order.pk]),
               {"compound": tree["west_compound"].pk, "add_alias": "1", "alias": "汇泉路口"})
    order.refresh_from_db()
    assert order.compound == tree["west_compound"] and order.locate_source == "manual"
    assert tree["west_compound"].aliases.filter(name="汇泉路口").exists()


def test_branch_secretary_reads_but_cannot_fix_or_import(client, cadre, tree, personas):
    _orders(tree, cadre)
    client.force_login(personas["branch_secretary"])
    order = HotlineOrder.objects.get(order_no="E001")
    assert 'id="locate-form"' not in client.get(reverse("hotline:order", args=[order.pk])).content.decode()
    assert client.post(reverse("hotline:order_locate", args=[order.pk]),
                       {"compound": tree["east_compound"].pk}).status_code == 404
    assert client.get(reverse("hotline:imports")).status_code == 404
    assert client.post(reverse("hotline:train")).status_code == 404


def test_overview_page_renders_for_every_reader(client, cadre, tree, personas):
    _orders(tree, cadre)
    for persona in ("street_cadre", "community_worker", "branch_secretary"):
        client.force_login(personas[persona])
        response = client.get(reverse("hotline:overview"))
        assert response.status_code == 200, persona
        assert 'id="hotline-monthly"' in response.content.decode()
    client.force_login(personas["resident"])
    assert client.get(reverse("hotline:overview")).status_code == 404


def test_training_from_the_page(cadre, tree):
    rows = "".join(f"T{i:03d},2024-03-{1 + i % 28:02d} 09:00,东苑小区{['暖气不热', '装修噪音', '路灯不亮'][i % 3]}第{i}次,"
                   f"{['城乡建设-供热', '生态环境-噪声污染', '城乡建设-市政设施'][i % 3]},东苑小区,2024-04-01 09:00,是,满意\n"
                   for i in range(45))
    upload(cadre, HEADERS + rows)
    response = cadre.post(reverse("hotline:train"))
    assert response.status_code == 302
    from weizhili.hotline.models import CategoryModel

    record = CategoryModel.objects.get(active=True)
    assert record.samples == 45 and record.labels == 3
    page = cadre.get(reverse("hotline:imports")).content.decode()
    info = page[page.index('id="model-info"'):page.index("</p>", page.index('id="model-info"'))]
    assert "45" in info and "还没有分类模型" not in info


def test_bad_parameters_answer_cleanly(cadre, tree):
    _orders(tree, cadre)
    assert cadre.get(reverse("hotline:overview"), {"node": tree["east_building"].pk}).status_code == 404
    assert cadre.get(reverse("hotline:overview"), {"to": "0001-01", "from": "9999-12"}).status_code == 200
    job = ImportJob.objects.get()
    assert job.status == JobStatus.DONE
    with _capture(execute=True):
        cadre.post(reverse("hotline:import_columns", args=[job.pk]), {"col-0": "order_no"})
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and not ColumnMapping.objects.exists()  # a finished job is not re-run


def test_the_uploaded_file_is_deleted_once_imported(cadre, tree):
    from pathlib import Path

    _orders(tree, cadre)
    assert not Path(ImportJob.objects.get().stored_path).exists()


def test_a_class_bar_drills_down_to_exactly_its_orders(cadre, tree):
    upload(cadre, HEADERS + ("K001,2024-03-05 09:10,东苑小区暖气不热,城乡建设／供热／暖气不热,东苑小区,,,\n"
                             "K002,2024-03-05 10:10,东苑小区暖气不热,城乡建设-供热,东苑小区,,,\n"
                             "K003,2024-03-05 11:10,东苑小区路灯不亮,城乡建设-市政设施,东苑小区,,,\n"
                             "K004,2024-03-05 12:10,东苑小区说不清的事,,东苑小区,,,\n"))
    body = cadre.get(reverse("hotline:orders"), {"category": "城乡建设-供热"}).content.decode()
    assert "K001" in body and "K002" in body and "K003" not in body and "K004" not in body
    body = cadre.get(reverse("hotline:orders"), {"category": "未分类"}).content.decode()
    assert "K004" in body and "K001" not in body


def _spread_orders(tree):
    """Orders over 2024 in both compounds and unlocated ones, so that a period of the year holds fewer than
    the whole list."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Shanghai")
    places = [("east_compound", "east"), ("west_compound", "west"), (None, None)]
    rows = []
    for month in range(1, 13):
        for i, (compound, community) in enumerate(places * (1 + month % 3)):
            at = datetime(2024, month, 1 + i, 0 if i == 0 else 10, 30, tzinfo=tz)  # the 1st at 00:30 local
            rows.append(HotlineOrder(
                street=tree["street"], order_no=f"P{month:02d}{i:02d}", received_at=at, content="楼道灯不亮",
                place=tree[compound] if compound else tree["street"], updated_at=at,
                compound=tree[compound] if compound else None, community=tree[community] if community else None))
    HotlineOrder.objects.bulk_create(rows)


def _linked(html: str, element: str) -> list[tuple[int, str]]:
    import re
    from html import unescape

    return [(int(n), unescape(url)) for url, n in re.findall(
        rf'<a (?:id|class)="{element}" href="([^"]+)">(\d+)</a>', html)]


def _listed(client, url: str) -> int:
    import re

    return int(re.search(r"共 (\d+) 条", client.get(url).content.decode())[1])


def test_every_overview_count_lists_exactly_its_orders_over_the_same_months(cadre, tree):
    _spread_orders(tree)
    html = cadre.get(reverse("hotline:overview"), {"from": "2024-03", "to": "2024-08"}).content.decode()
    links = _linked(html, "hotline-total") + _linked(html, "hotline-unlocated") + _linked(html, "child-total")
    assert len(links) == 4  # the total, the unlocated, two communities
    for shown, url in links:
        assert "from=2024-03" in url and "to=2024-08" in url, url
        assert shown == _listed(cadre, url), url
    total = _linked(html, "hotline-total")[0][0]
    assert 0 < total < HotlineOrder.objects.count()  # the period holds fewer than the whole list
    # the charts' drill-downs (months, classes) start from the same months
    import json
    import re

    chart = json.loads(re.search(r'<script id="hotline-data" type="application/json">(.*?)</script>', html, re.S)[1])
    assert "from=2024-03" in chart["orders_url"] and "to=2024-08" in chart["orders_url"]


def test_the_orders_list_reads_a_period(cadre, tree):
    _spread_orders(tree)
    march_to_may = _listed(cadre, reverse("hotline:orders") + "?from=2024-03&to=2024-05")
    assert march_to_may == HotlineOrder.objects.filter(order_no__regex=r"^P0[345]").count()
    assert _listed(cadre, reverse("hotline:orders") + "?from=abc&to=9999-99") == HotlineOrder.objects.count()


def test_a_command_line_import_is_in_the_history(cadre, tree, tmp_path):
    from django.core.management import call_command

    path = tmp_path / "orders.csv"
    path.write_text(HEADERS + "C001,2024-03-05 09:10,东苑小区1号楼楼道灯不亮,,东苑小区1号楼,,,\n", encoding="utf-8")
    call_command("import-hotline", str(path), "--no-cases", stdout=io.StringIO())
    job = ImportJob.objects.get()
    assert job.status == JobStatus.DONE and job.summary["imported"] == 1 and job.created_by is None
    assert HotlineOrder.objects.get(order_no="C001").last_import_id == job.pk
    page = cadre.get(reverse("hotline:imports")).content.decode()
    assert "还没有导入过" not in page and "orders.csv" in page and "命令行导入" in page
    assert cadre.get(reverse("hotline:import_detail", args=[job.pk])).status_code == 200


def test_a_failed_command_line_import_is_recorded_as_failed(tree, tmp_path):
    from django.core.management import CommandError, call_command

    path = tmp_path / "junk.csv"
    path.write_text("这不是工单表\n随便写写\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import-hotline", str(path), stdout=io.StringIO())
    job = ImportJob.objects.get()
    assert job.status == JobStatus.FAILED and job.message
