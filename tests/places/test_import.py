import csv
import io
import json

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from weizhili.accounts.models import Role
from weizhili.audit.models import AuditEntry
from weizhili.places import importer
from weizhili.places.importer import HEADERS, ImportFileError, parse_boundary, places_import, room_name
from weizhili.places.models import CompoundKind, Place, PlaceAlias, PlaceKind

from ..factories import make_user

SQUARE = {"type": "Polygon", "coordinates": [[[104.0, 30.0], [104.2, 30.0], [104.2, 30.4], [104.0, 30.4],
                                              [104.0, 30.0]]]}
FEATURE = {"type": "Feature", "properties": {"name": "x"},
           "geometry": {"type": "MultiPolygon", "coordinates": [
               [[[1.0, 2.0], [3.0, 2.0], [3.0, 4.0], [1.0, 2.0]]],
               [[[10.0, 20.0], [12.0, 20.0], [12.0, 23.0], [10.0, 20.0]]],
           ]}}

# 街道, 社区, 院落, 别名, 类型, 楼栋数, 每栋单元数, 每单元户数, 物业公司, 边界
GOOD_ROWS = [
    ["明水街道", "龙泉社区", "君临天下小区", "君临天下；君临天下花园;君临、君临苑,君临府，君临城", "住宅小区", 3, 2, 5,
     "明水物业", json.dumps(SQUARE)],
    ["明水街道", "龙泉社区", "龙泉宿舍", "", "宿舍", 1, 1, 3, "", ""],
    ["明水街道", "清泉社区", "万达商圈", "万达广场", "商圈", "", "", "", "万达物业", json.dumps(FEATURE)],
]


def xlsx_bytes(rows, headers=HEADERS) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, headers)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value != "":
                sheet.write(r, c, value)
    workbook.close()
    return buffer.getvalue()


def write_xlsx(path, rows, headers=HEADERS):
    path.write_bytes(xlsx_bytes(rows, headers))
    return path


def write_csv(path, rows, encoding, headers=HEADERS):
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def kind_count(kind, street_name="明水街道"):
    street = Place.objects.get(depth=1, name=street_name)
    return Place.objects.within(street.path).of_kind(kind).count()


@pytest.mark.django_db
def test_xlsx_import_builds_the_tree(tmp_path):
    result = places_import(source=write_xlsx(tmp_path / "gazetteer.xlsx", GOOD_ROWS))

    assert result.errors == []
    assert result.rows_read == 3
    assert result.compounds_created == 3
    assert result.compounds_updated == 0
    assert {kind: kind_count(kind) for kind in PlaceKind.values} == {
        "street": 1, "community": 2, "compound": 3, "building": 4, "unit": 7, "household": 3 * 2 * 5 + 3}
    assert result.places_created == 1 + 2 + 3 + 4 + 7 + 33
    assert Place.objects.find_problems() == ([], [], [], [], [])  # treebeard agrees with the bulk-written paths

    junlin = Place.objects.get(kind=PlaceKind.COMPOUND, name="君临天下小区")
    assert junlin.compound_kind == CompoundKind.RESIDENTIAL
    assert junlin.property_company == "明水物业"
    assert junlin.household_count == 30
    assert set(junlin.aliases.values_list("name", flat=True)) == {
        "君临天下", "君临天下花园", "君临", "君临苑", "君临府", "君临城"}
    assert result.aliases_added == 7
    assert junlin.boundary == SQUARE
    assert junlin.centroid_lng == pytest.approx(104.1)
    assert junlin.centroid_lat == pytest.approx(30.2)
    buildings = Place.objects.get_children(junlin)
    assert [b.name for b in buildings] == ["1号楼", "2号楼", "3号楼"]
    units = Place.objects.get_children(buildings[0])
    assert [u.name for u in units] == ["1单元", "2单元"]
    assert [h.name for h in Place.objects.get_children(units[1])] == ["101", "102", "201", "202", "301"]

    dorm = Place.objects.get(kind=PlaceKind.COMPOUND, name="龙泉宿舍")
    assert dorm.compound_kind == CompoundKind.DORMITORY
    assert dorm.boundary is None and dorm.centroid_lat is None
    mall = Place.objects.get(kind=PlaceKind.COMPOUND, name="万达商圈")
    assert mall.compound_kind == CompoundKind.BUSINESS
    assert mall.numchild == 0 and mall.household_count is None
    assert mall.boundary == FEATURE["geometry"]
    assert Place.objects.get_parent(mall).name == "清泉社区"

    audit = AuditEntry.objects.get(action="places.import")
    assert audit.detail["compounds_created"] == 3
    assert audit.detail["file"] == "gazetteer.xlsx"


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8"])
def test_csv_imports_in_each_encoding(tmp_path, encoding):
    path = write_csv(tmp_path / "gazetteer.csv", GOOD_ROWS, encoding)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")

    result = places_import(source=path)

    assert result.errors == []
    assert result.compounds_created == 3
    assert set(Place.objects.of_kind(PlaceKind.COMPOUND).values_list("name", flat=True)) == {
        "君临天下小区", "龙泉宿舍", "万达商圈"}
    assert Place.objects.get(name="君临天下小区").aliases.count() == 6
    assert kind_count(PlaceKind.HOUSEHOLD) == 33


@pytest.mark.django_db
def test_reimport_creates_nothing_and_updates_changed_fields(tmp_path):
    path = write_xlsx(tmp_path / "gazetteer.xlsx", GOOD_ROWS)
    places_import(source=path)
    places_before, aliases_before = Place.objects.count(), PlaceAlias.objects.count()

    again = places_import(source=path)
    assert (again.compounds_created, again.compounds_updated, again.places_created, again.aliases_added) == (
        0, 0, 0, 0)
    assert Place.objects.count() == places_before
    assert PlaceAlias.objects.count() == aliases_before

    changed = [list(row) for row in GOOD_ROWS]
    changed[0][8] = "新物业公司"
    changed[0][3] += "、君临新苑"
    changed[1][5] = 2  # the dormitory grows a second building
    result = places_import(source=write_xlsx(tmp_path / "changed.xlsx", changed))

    assert result.compounds_created == 0
    assert result.compounds_updated == 2  # company changed; the dormitory's household count changed
    assert result.aliases_added == 1
    assert result.places_created == 1 + 1 + 3  # building, unit, households
    junlin = Place.objects.get(kind=PlaceKind.COMPOUND, name="君临天下小区")
    assert junlin.property_company == "新物业公司"
    assert junlin.aliases.count() == 7
    dorm = Place.objects.get(kind=PlaceKind.COMPOUND, name="龙泉宿舍")
    assert [b.name for b in Place.objects.get_children(dorm)] == ["1号楼", "2号楼"]
    assert dorm.household_count == 6
    assert Place.objects.filter(kind=PlaceKind.COMPOUND).count() == 3
    assert Place.objects.find_problems() == ([], [], [], [], [])


@pytest.mark.django_db
def test_bad_rows_are_reported_and_good_rows_import(tmp_path):
    rows = [
        GOOD_ROWS[0],                                                         # row 2: good
        ["明水街道", "龙泉社区", "坏数小区", "", "", "三", 2, 2, "", ""],     # row 3: non-integer count
        ["明水街道", "龙泉社区", "坏边界小区", "", "", 1, 1, 1, "", "{not json"],  # row 4: bad GeoJSON
        ["明水街道", "龙泉社区", "", "无名", "", 1, 1, 1, "", ""],             # row 5: empty 院落
        ["明水街道", "龙泉社区", "怪类型小区", "", "别墅", 1, 1, 1, "", ""],   # row 6: unknown 类型
        ["", "", "", "", "", "", "", "", "", ""],                             # row 7: empty, skipped
        GOOD_ROWS[1],                                                         # row 8: good
        ["明水街道", "龙泉社区", "巨型小区", "", "", 201, 1, 1, "", ""],       # row 9: over the limit
        ["明水街道", "龙泉社区", "君临天下小区", "", "", 3, 2, 5, "别家物业", ""],  # row 10: conflicting repeat
        GOOD_ROWS[1],                                                         # row 11: exact repeat, harmless
        ["明水街道", "龙泉社区", "点边界小区", "", "", "", "", "", "",
         json.dumps({"type": "Point", "coordinates": [104.0, 30.0]})],        # row 12: not a polygon
        ["明水街道", "龙泉社区", "负数小区", "", "", -1, 1, 1, "", ""],        # row 13: negative count
    ]
    result = places_import(source=write_xlsx(tmp_path / "bad.xlsx", rows))

    assert result.error_rows == [3, 4, 5, 6, 9, 10, 12, 13]
    messages = dict(result.errors)
    assert messages[3] == "第3行：楼栋数必须是正整数"
    assert "边界" in messages[4] and messages[4].startswith("第4行")
    assert messages[5] == "第5行：院落不能为空"
    assert "别墅" in messages[6]
    assert messages[9] == "第9行：楼栋数不能超过200"
    assert "第2行" in messages[10]
    assert "Polygon" in messages[12]
    assert result.rows_read == 11  # the empty row is not counted
    assert result.compounds_created == 2
    assert set(Place.objects.of_kind(PlaceKind.COMPOUND).values_list("name", flat=True)) == {
        "君临天下小区", "龙泉宿舍"}
    assert Place.objects.get(name="君临天下小区").property_company == "明水物业"  # the first row wins


@pytest.mark.django_db
def test_missing_headers_reject_the_whole_file(tmp_path):
    headers = ["街道", "社区", "小区名称", "楼栋数"]
    path = write_xlsx(tmp_path / "wrong.xlsx", [["明水街道", "龙泉社区", "君临天下小区", 3]], headers=headers)

    with pytest.raises(ImportFileError, match="院落"):
        places_import(source=path)

    assert Place.objects.count() == 0
    assert not AuditEntry.objects.filter(action="places.import").exists()


@pytest.mark.django_db
def test_unreadable_file_is_a_file_error(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not a workbook")
    with pytest.raises(ImportFileError):
        places_import(source=path)
    assert Place.objects.count() == 0


@pytest.mark.django_db
def test_headers_are_stripped_and_extra_columns_ignored(tmp_path):
    headers = [" 街道 ", "备注", "社区", "院落\u3000", "楼栋数"]
    rows = [["明水街道", "随便写", "龙泉社区", "君临天下小区", 2]]
    result = places_import(source=write_xlsx(tmp_path / "extra.xlsx", rows, headers=headers))
    assert result.errors == []
    assert kind_count(PlaceKind.BUILDING) == 2


@pytest.mark.django_db
def test_a_crash_while_writing_leaves_nothing(tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer, "audit_record", boom)
    with pytest.raises(RuntimeError):
        places_import(source=write_xlsx(tmp_path / "gazetteer.xlsx", GOOD_ROWS))
    assert Place.objects.count() == 0
    assert PlaceAlias.objects.count() == 0


@pytest.mark.django_db
def test_existing_tree_is_extended_not_duplicated(tree, tmp_path):
    rows = [["测试街道", "东社区", "东苑小区", "东苑", "", 3, 2, 2, "", ""],
            ["测试街道", "东社区", "新苑小区", "", "", 1, 1, 1, "", ""]]
    result = places_import(source=write_xlsx(tmp_path / "extend.xlsx", rows))
    assert result.compounds_created == 1
    assert Place.objects.filter(depth=1).count() == 1
    assert Place.objects.filter(kind=PlaceKind.COMMUNITY, name="东社区").count() == 1
    east_compound = Place.objects.get(pk=tree["east_compound"].pk)
    assert east_compound.numchild == 3
    assert Place.objects.find_problems() == ([], [], [], [], [])


def test_parse_boundary_and_room_names():
    geometry, (lat, lng) = parse_boundary(json.dumps(FEATURE))
    assert geometry["type"] == "MultiPolygon"
    assert (lng, lat) == pytest.approx(((1 + 3 + 3 + 10 + 12 + 12) / 6, (2 + 2 + 4 + 20 + 20 + 23) / 6))
    for bad in ("[]", '{"type": "Polygon", "coordinates": [[["a", 1], [2, 3], [4, 5]]]}',
                '{"type": "Polygon", "coordinates": [[[200, 1], [2, 3], [4, 5]]]}',
                '{"type": "Polygon", "coordinates": [[[1, 1], [2, 3], [1, 1]]]}', "NaN"):
        with pytest.raises(ValueError):
            parse_boundary(bad)
    assert [room_name(i) for i in range(5)] == ["101", "102", "201", "202", "301"]


# ---------------------------------------------------------------------------------------------------- command


@pytest.mark.django_db
def test_command_json_summary(tmp_path):
    rows = [*GOOD_ROWS, ["明水街道", "龙泉社区", "", "", "", "", "", "", "", ""]]
    out = io.StringIO()
    call_command("import-places", str(write_xlsx(tmp_path / "g.xlsx", rows)), "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["rows_read"] == 4
    assert data["compounds_created"] == 3
    assert data["compounds_updated"] == 0
    assert data["places_created"] == 50
    assert data["aliases_added"] == 7
    assert data["errors"] == [{"row": 5, "message": "第5行：院落不能为空"}]
    assert "\\u" not in out.getvalue()  # Chinese printed as is


@pytest.mark.django_db
def test_command_text_output_and_exit_codes(tmp_path):
    rows = [GOOD_ROWS[1], ["明水街道", "龙泉社区", "坏数小区", "", "", "x", "", "", "", ""]]
    path = write_xlsx(tmp_path / "g.xlsx", rows)
    out = io.StringIO()
    call_command("import-places", str(path), stdout=out)  # row errors alone do not fail the command
    text = out.getvalue()
    assert "新建院落 / compounds created: 1" in text
    assert "第3行：楼栋数必须是正整数" in text

    with pytest.raises(CommandError) as strict:
        call_command("import-places", str(path), "--strict", stdout=io.StringIO())
    assert strict.value.returncode == 1

    wrong = write_xlsx(tmp_path / "wrong.xlsx", [["x"]], headers=["名称"])
    with pytest.raises(CommandError) as failed:
        call_command("import-places", str(wrong), stdout=io.StringIO())
    assert failed.value.returncode == 1
    with pytest.raises(CommandError):
        call_command("import-places", str(tmp_path / "missing.xlsx"), stdout=io.StringIO())


# ---------------------------------------------------------------------------------------------------- admin


@pytest.mark.django_db
def test_admin_upload_by_street_cadre(tree):
    cadre = make_user(Role.STREET_CADRE, tree["street"], is_staff=True)
    client = Client()
    client.force_login(cadre)
    changelist = client.get(reverse("admin:places_place_changelist"))
    assert changelist.status_code == 200
    assert reverse("admin:places_place_import").encode() in changelist.content
    page = client.get(reverse("admin:places_place_import"))
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()
    compound_page = client.get(reverse("admin:places_place_change", args=[tree["east_compound"].pk]))
    assert compound_page.status_code == 200
    assert b"aliases-TOTAL_FORMS" in compound_page.content  # the alias inline is editable by the cadre

    rows = [["测试街道", "东社区", "新苑小区", "新苑", "", 2, 1, 2, "", ""],
            ["别的街道", "北社区", "越界小区", "", "", 1, 1, 1, "", ""],
            ["测试街道", "东社区", "坏小区", "", "", "很多", "", "", "", ""]]
    upload = SimpleUploadedFile("gazetteer.xlsx", xlsx_bytes(rows))
    response = client.post(reverse("admin:places_place_import"), {"file": upload})

    assert response.status_code == 200
    assert response.context["result"].compounds_created == 1
    assert response.context["result"].error_rows == [3, 4]
    content = response.content.decode()
    assert "第3行：街道“别的街道”不在您的管辖范围内" in content
    assert "第4行：楼栋数必须是正整数" in content
    new = Place.objects.get(kind=PlaceKind.COMPOUND, name="新苑小区")
    assert new.path.startswith(tree["street"].path)
    assert not Place.objects.filter(name="别的街道").exists()
    assert AuditEntry.objects.get(action="places.import").actor_id == cadre.pk


@pytest.mark.django_db
def test_admin_import_rejects_residents(tree):
    client = Client()
    resident = make_user(Role.RESIDENT, tree["east_household"])
    client.force_login(resident)
    upload = SimpleUploadedFile("g.xlsx", xlsx_bytes(GOOD_ROWS))
    response = client.post(reverse("admin:places_place_import"), {"file": upload})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]

    staff_resident = make_user(Role.RESIDENT, tree["east_household"], is_staff=True)
    client.force_login(staff_resident)
    upload = SimpleUploadedFile("g.xlsx", xlsx_bytes(GOOD_ROWS))
    assert client.post(reverse("admin:places_place_import"), {"file": upload}).status_code == 403
    assert client.get(reverse("admin:places_place_import_template")).status_code == 403
    assert not Place.objects.filter(name="君临天下小区").exists()


@pytest.mark.django_db
def test_admin_changelist_is_scoped(tree):
    other = Place.objects.add_root({"kind": PlaceKind.STREET, "name": "别的街道"})
    cadre = make_user(Role.STREET_CADRE, tree["east"], is_staff=True)
    client = Client()
    client.force_login(cadre)
    response = client.get(reverse("admin:places_place_changelist"), {"kind__exact": "community"})
    names = {place.name for place in response.context["cl"].result_list}
    assert names == {"东社区"}
    detail = client.get(reverse("admin:places_place_change", args=[other.pk]))
    assert detail.status_code == 302  # out of scope: treated as missing


@pytest.mark.django_db
def test_template_download_is_a_readable_workbook(tree):
    cadre = make_user(Role.STREET_CADRE, tree["street"], is_staff=True)
    client = Client()
    client.force_login(cadre)
    response = client.get(reverse("admin:places_place_import_template"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert "%E5%8C%BA%E5%88%92" in response["Content-Disposition"]  # 区划导入模板.xlsx, RFC 5987 encoded
    content = b"".join(response.streaming_content)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    assert rows[0] == HEADERS
    assert rows[1][:3] == ["明水街道", "龙泉社区", "君临天下小区"]
    # the template itself imports cleanly
    result = places_import(source=content, filename="区划导入模板.xlsx")
    assert result.errors == [] and result.compounds_created == 2
