"""The import end to end on the database: upsert by order number, locating, repeats, bad rows, classes, cases."""
import csv
import json
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import xlsxwriter
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from python_calamine import CalamineWorkbook

from weizhili.cases.models import Case, Source
from weizhili.cases.services import case_create, categories_ensure
from weizhili.hotline.classes import category_model_train, orders_reclassify
from weizhili.hotline.importing import HeaderError, import_file
from weizhili.hotline.models import ColumnMapping, HotlineOrder, LocateSource
from weizhili.hotline.services import order_locate
from weizhili.places.models import PlaceAlias

BJ = ZoneInfo("Asia/Shanghai")
HEADERS = ["工单编号", "来电时间", "诉求内容", "问题分类", "事发地址", "承办单位", "办结时间", "是否解决", "满意度"]


def write_csv(path, rows, headers=HEADERS, encoding="utf-8-sig"):
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def row(no, when, content, address, category="城乡建设-市政设施-路灯", closed="", resolved="是", rating="满意"):
    return [no, when, content, category, address, "东社区居委会", closed, resolved, rating]


@pytest.fixture
def street(tree):
    return tree["street"]


def test_import_locates_updates_and_never_duplicates(tmp_path, tree, street):
    rows = [
        row("A001", "2024-03-05 09:10", "东苑小区1号楼楼道灯不亮", "东社区东苑小区1号楼2单元201", closed="2024-03-06 10:00"),
        row("A002", "2024-03-06 10:00", "楼道灯坏了", "西苑2号楼", closed="2024-03-08 10:00"),
        row("A003", "2024-03-07 11:00", "汇泉路路口积水", "汇泉路与唐王山路交叉口"),
    ]
    path = write_csv(tmp_path / "orders.csv", rows)
    summary = import_file(path=path, street=street)
    assert (summary.rows_read, summary.imported, summary.updated, summary.failed) == (3, 3, 0, 0)
    a1 = HotlineOrder.objects.get(order_no="A001")
    assert a1.compound == tree["east_compound"] and a1.community == tree["east"]
    assert a1.building_no == 1 and a1.unit_no == 2 and a1.room == "201"
    assert a1.building.name == "1号楼" and a1.locate_band == "high"
    assert a1.received_at == datetime(2024, 3, 5, 9, 10, tzinfo=BJ)
    assert a1.resolved is True and a1.satisfaction == "satisfied" and a1.case_category == "repair"
    assert HotlineOrder.objects.get(order_no="A002").compound == tree["west_compound"]
    a3 = HotlineOrder.objects.get(order_no="A003")
    assert a3.compound is None and a3.place == street and a3.locate_band == "none"
    assert summary.located == {"high": 2, "medium": 0, "low": 0, "none": 1}

    # the same file again, one row changed: nothing added, the change applied
    rows[1][7] = "否"
    again = import_file(path=write_csv(tmp_path / "orders.csv", rows), street=street)
    assert (again.imported, again.updated) == (0, 3)
    assert HotlineOrder.objects.count() == 3
    assert HotlineOrder.objects.get(order_no="A002").resolved is False


def test_bad_rows_are_reported_and_the_rest_imports(tmp_path, street):
    rows = [
        row("B001", "2024-03-05 09:10", "东苑小区漏水", "东苑小区"),
        row("B002", "2024-13-45", "东苑小区漏水", "东苑小区"),          # broken date
        row("", "2024-03-05 09:10", "东苑小区漏水", "东苑小区"),        # no order number
        ["", "", "", "", "", "", "", "", ""],                          # empty row: skipped, not an error
        row("B003", "2024-03-06 09:10", "东苑小区漏水", "东苑小区", resolved="也许"),
        row("B001", "2024-03-07 09:10", "东苑小区漏水", "东苑小区"),    # duplicate in the file
        row("B004", "2024-03-08 09:10", "西苑小区漏水", "西苑小区"),
    ]
    errors = tmp_path / "errors.xlsx"
    summary = import_file(path=write_csv(tmp_path / "bad.csv", rows), street=street, error_path=errors)
    assert summary.imported == 2 and summary.failed == 4 and summary.duplicates == 1
    assert set(HotlineOrder.objects.values_list("order_no", flat=True)) == {"B001", "B004"}
    sheet = CalamineWorkbook.from_path(str(errors)).get_sheet_by_index(0).to_python()
    assert sheet[0][:4] == ["行号", "列", "值", "原因"]
    reported = {int(r[0]): r[1] for r in sheet[1:]}
    # header is row 1: the broken date is row 3, the missing number row 4, the bad answer row 6, duplicate row 7
    assert reported == {3: "来电时间", 4: "工单编号", 6: "是否解决", 7: "工单编号"}


def test_gb18030_csv_with_synonym_headers(tmp_path, tree, street):
    headers = ["工单号", "受理时间", "问题描述", "诉求类型", "地址"]
    path = tmp_path / "gb.csv"
    with path.open("w", encoding="gb18030", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(headers)
        writer.writerow(["G001", "2024/3/5 8:00", "东苑小区垃圾桶满了没人清运", "城市管理-环境卫生", "东苑小区１号楼"])
    summary = import_file(path=path, street=street)
    order = HotlineOrder.objects.get(order_no="G001")
    assert summary.imported == 1 and order.compound == tree["east_compound"] and order.building_no == 1
    assert order.content == "东苑小区垃圾桶满了没人清运" and order.case_category == "sanitation"


def test_unknown_headers_need_a_mapping_once(tmp_path, street):
    headers = ["单号", "来电时间", "诉求内容"]
    path = write_csv(tmp_path / "odd.csv", [["X001", "2024-03-05 09:00", "东苑小区路灯不亮"]], headers=headers)
    with pytest.raises(HeaderError) as err:
        import_file(path=path, street=street)
    assert err.value.header_map.unknown == ["单号"] and "工单编号" in str(err.value)
    ColumnMapping.objects.create(street=street, header="单号", field="order_no")
    assert import_file(path=path, street=street).imported == 1


def test_xlsx_with_title_row_and_excel_dates(tmp_path, tree, street):
    path = tmp_path / "orders.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet.write_row(0, 0, ["章丘区12345热线工单明细"])
    sheet.write_row(2, 0, HEADERS)
    sheet.write_row(3, 0, ["X001"])
    sheet.write_datetime(3, 1, datetime(2024, 3, 5, 14, 15), when)
    sheet.write_row(3, 2, ["西苑小区2号楼电梯坏了", "城乡建设-物业管理-电梯", "西苑小区2号楼"])
    sheet.write_number(4, 0, 202403050002)  # Excel made the number a number
    sheet.write_number(4, 1, 45356.59375)  # 2024-03-05 14:15 as a serial
    sheet.write_row(4, 2, ["东苑小区噪音", "", "东苑小区"])
    book.close()
    summary = import_file(path=path, street=street)
    assert summary.imported == 2 and summary.failed == 0
    assert HotlineOrder.objects.get(order_no="X001").received_at == datetime(2024, 3, 5, 14, 15, tzinfo=BJ)
    serial = HotlineOrder.objects.get(order_no="202403050002")
    assert serial.received_at == datetime(2024, 3, 5, 14, 15, tzinfo=BJ)
    assert serial.compound == tree["east_compound"]


def test_repeats_share_a_group_and_one_case(tmp_path, tree, street):
    now = timezone.localtime()
    stamp = lambda d: (now - timedelta(days=d)).strftime("%Y-%m-%d %H:%M")  # noqa: E731
    rows = [
        row("R001", stamp(6), "东苑小区1号楼2单元楼道灯不亮已经一周了", "东苑小区1号楼", resolved="", rating=""),
        row("R002", stamp(4), "再次反映东苑小区1号楼2单元楼道灯不亮已经一周了", "东苑小区1号楼", resolved="", rating=""),
        row("R003", stamp(3), "东苑小区1号楼门口有人乱停车堵路", "东苑小区1号楼", category="交通运输-停车管理",
            resolved="", rating=""),
        row("R004", stamp(2), "楼道灯不亮", "西苑小区1号楼", resolved="", rating=""),
    ]
    summary = import_file(path=write_csv(tmp_path / "r.csv", rows), street=street)
    groups = dict(HotlineOrder.objects.values_list("order_no", "repeat_group"))
    ids = dict(HotlineOrder.objects.values_list("order_no", "id"))
    assert groups["R001"] == groups["R002"] == ids["R001"]
    assert groups["R003"] == ids["R003"] and groups["R004"] == ids["R004"]
    assert (summary.repeat_groups, summary.repeat_orders) == (1, 1)
    # one case per group for open located orders, made through the case loop
    assert summary.created_cases == 3
    r1, r2 = HotlineOrder.objects.get(order_no="R001"), HotlineOrder.objects.get(order_no="R002")
    assert r1.case_id == r2.case_id is not None
    case = Case.objects.get(pk=r1.case_id)
    assert case.source == Source.HOTLINE and case.external_ref == "R001" and case.compound == tree["east_compound"]
    # importing again creates no second case
    again = import_file(path=write_csv(tmp_path / "r.csv", rows), street=street)
    assert again.created_cases == 0 and Case.objects.filter(source=Source.HOTLINE).count() == 3


def test_an_existing_hotline_case_is_linked_by_order_number(tmp_path, tree, street):
    category = categories_ensure(street=street)[0]
    case = case_create(place=tree["east_compound"], category=category, description="12345转来：路灯不亮",
                       source=Source.HOTLINE, external_ref="L001")
    rows = [row("L001", "2024-03-05 09:10", "东苑小区路灯不亮", "东苑小区", closed="2024-03-06 09:00")]
    summary = import_file(path=write_csv(tmp_path / "l.csv", rows), street=street, create_cases=False)
    assert summary.linked_cases == 1 and HotlineOrder.objects.get(order_no="L001").case == case


def test_manual_location_survives_a_reimport_and_adds_an_alias(tmp_path, tree, street, personas):
    rows = [row("M001", "2024-03-05 09:10", "门口垃圾没人收", "财政局宿舍3排")]
    path = write_csv(tmp_path / "m.csv", rows)
    import_file(path=path, street=street)
    order = HotlineOrder.objects.get(order_no="M001")
    assert order.compound is None
    order_locate(order=order, compound=tree["east_compound"], user=personas["street_cadre"], add_alias="财政局宿舍")
    assert PlaceAlias.objects.filter(place=tree["east_compound"], name="财政局宿舍").exists()
    import_file(path=path, street=street)
    order.refresh_from_db()
    assert order.compound == tree["east_compound"] and order.locate_source == LocateSource.MANUAL
    # the alias finds the next order by itself
    import_file(path=write_csv(tmp_path / "m2.csv", [row("M002", "2024-03-09 09:10", "又没人收", "财政局宿舍5排")]),
                street=street)
    assert HotlineOrder.objects.get(order_no="M002").compound == tree["east_compound"]


def _labelled_rows(n):
    texts = {"城乡建设-供热-暖气不热": "家里暖气不热温度只有十几度", "生态环境-噪声污染-装修噪声": "楼上装修噪音太大晚上还在施工",
             "交通运输-停车管理-占用消防通道": "消防通道被私家车占用堵住了"}
    rows = []
    for i in range(n):
        category = list(texts)[i % 3]
        rows.append(row(f"T{i:04d}", f"2024-0{1 + i % 9}-1{i % 9} 10:00", f"东苑小区{1 + i % 2}号楼{texts[category]}{i}",
                        "东苑小区", category=category, closed=""))
    return rows


def test_training_predicts_orders_without_a_class(tmp_path, street):
    import_file(path=write_csv(tmp_path / "t.csv", _labelled_rows(60)), street=street, create_cases=False)
    record = category_model_train(street=street)
    assert record.samples == 60 and record.labels == 3 and record.accuracy > 0.8
    unlabelled = [row("U001", "2024-10-01 10:00", "暖气不热屋里冷", "东苑小区", category=""),
                  row("U002", "2024-10-02 10:00", "晚上装修噪音扰民", "东苑小区", category="")]
    summary = import_file(path=write_csv(tmp_path / "u.csv", unlabelled), street=street, create_cases=False)
    assert summary.classified == 2
    u1 = HotlineOrder.objects.get(order_no="U001")
    assert u1.category == "" and u1.predicted_category == "城乡建设-供热-暖气不热" and u1.case_category == "utilities"
    assert 0 < u1.predicted_confidence <= 1
    HotlineOrder.objects.filter(order_no="U002").update(predicted_category="", case_category="")
    assert orders_reclassify(street=street) == 2
    assert HotlineOrder.objects.get(order_no="U002").predicted_category == "生态环境-噪声污染-装修噪声"


def test_commands_import_json_and_export(tmp_path, tree, street):
    rows = [row("C001", "2024-03-05 09:10", "东苑小区1号楼楼道灯不亮", "东苑小区1号楼2单元"),
            row("C002", "bad", "x", "y")]
    path = write_csv(tmp_path / "c.csv", rows)
    out = StringIO()
    call_command("import-hotline", str(path), "--json", "--no-cases", stdout=out)
    result = json.loads(out.getvalue())
    assert result["rows_read"] == 2 and result["imported"] == 1 and result["failed"] == 1
    assert result["located"]["high"] == 1 and result["error_file"].endswith("c.errors.xlsx")
    target = tmp_path / "out.csv"
    call_command("export-hotline", str(target), stdout=StringIO())
    lines = list(csv.reader(target.open(encoding="utf-8-sig")))
    assert lines[0][:6] == ["工单编号", "来电时间", "社区", "院落", "楼栋", "单元"]
    assert lines[1][0] == "C001" and lines[1][2:6] == ["东社区", "东苑小区", "1", "2"]
    with pytest.raises(CommandError):
        call_command("import-hotline", str(tmp_path / "missing.csv"))


def test_summary_counts_orders_by_location_band(tmp_path, street):
    from weizhili.insight.summary import summary

    rows = [row("S001", "2024-03-05 09:10", "东苑小区路灯不亮", "东苑小区1号楼"),
            row("S002", "2024-03-05 10:10", "路口积水", "汇泉路口")]
    import_file(path=write_csv(tmp_path / "s.csv", rows), street=street, create_cases=False)
    counts = summary()["hotline_orders"]
    assert counts["total"] == 2 and counts["high"] == 1 and counts["none"] == 1 and counts["linked_to_cases"] == 0


def test_an_interrupted_import_leaves_nothing_and_can_run_again(tmp_path, street, monkeypatch):
    from weizhili.hotline import importing

    monkeypatch.setattr(importing, "CHUNK", 2)  # several chunks, so some were already moved in when it breaks
    rows = [row(f"I{i:03d}", f"2024-03-0{1 + i} 09:10", "东苑小区楼道灯不亮", "东苑小区1号楼") for i in range(7)]
    path = write_csv(tmp_path / "i.csv", rows)
    from weizhili.hotline.gazetteer import street_gazetteer

    real = street_gazetteer(street)

    class Crashing:  # the worker is stopped mid-way, while a chunk's INSERT is still in flight
        calls = 0

        def match(self, address, description=""):
            Crashing.calls += 1
            if Crashing.calls == 5:
                raise KeyboardInterrupt
            return real.match(address, description)

    with pytest.raises(KeyboardInterrupt):
        import_file(path=path, street=street, gazetteer=Crashing(), create_cases=False)
    assert HotlineOrder.objects.count() == 0
    summary = import_file(path=path, street=street, create_cases=False)  # the connection is usable again
    assert summary.imported == 7 and HotlineOrder.objects.count() == 7
