"""Reading 12345 hotline exports: formats, encodings, header mapping and row parsing. No database needed."""
import csv
import itertools
import tracemalloc
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from weizhili.hotline import reading
from weizhili.hotline.reading import ParsedRow, ReadError, RowProblem

TZ = ZoneInfo("Asia/Shanghai")
HEADERS = ["工单编号", "来电时间", "诉求内容", "问题分类", "事发地址", "承办单位", "办结时间", "是否解决", "满意度",
           "紧急程度", "签收时间"]


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


def write_xlsx(path: Path, rows: list[list[Any]]) -> Path:
    """Rows from spreadsheet row 1; None leaves a cell empty, datetimes become real Excel dates."""
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    stamp = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, datetime):
                sheet.write_datetime(r, c, value, stamp)
            elif isinstance(value, str):
                sheet.write_string(r, c, value)  # never let xlsxwriter turn "2024-03-05" into something else
            else:
                sheet.write(r, c, value)
    workbook.close()
    return path


def write_csv(path: Path, rows: list[list[Any]], encoding: str = "utf-8", delimiter: str = ",") -> Path:
    with open(path, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


Results = list[ParsedRow | RowProblem]


def read_all(path: Path, saved: dict[str, str] | None = None) -> tuple[reading.Sheet, Results]:
    with reading.open_sheet(path, saved=saved) as sheet:
        return sheet, list(reading.parse_rows(sheet, sheet.map_headers(saved)))


def only_rows(results: Results) -> dict[int, ParsedRow]:
    return {r.row_no: r for r in results if isinstance(r, ParsedRow)}


def only_problems(results: Results) -> dict[int, RowProblem]:
    return {r.row_no: r for r in results if isinstance(r, RowProblem)}


def order(no: str = "202403050001", received: Any = "2024-03-05 14:22:10", content: str = "楼道灯坏了",
          **extra: Any) -> list[Any]:
    """One full data row in HEADERS order."""
    values = {"工单编号": no, "来电时间": received, "诉求内容": content, **extra}
    return [values.get(h, "") for h in HEADERS]


# ---------------------------------------------------------------------------------------------------- headers


def test_public_constants_agree():
    assert set(reading.FIELD_LABELS) == set(reading.FIELDS) == set(reading.SYNONYMS)
    for field, label in reading.FIELD_LABELS.items():
        assert label in reading.SYNONYMS[field]
    names = [name for names in reading.SYNONYMS.values() for name in names]
    assert len(names) == len(set(names)), "a header name may belong to one field only"


def test_map_headers_accepts_synonyms_and_decorated_headers():
    headers = ["工单号*", " 受理时间 ", "来电内容（必填）", "诉求类型", "事发地点：", "处置单位", "办结日期\n",
               "解决情况", "回访满意度", "紧急度", "接单时间(选填)", "序号"]
    result = reading.map_headers(headers, header_row=3)
    assert result.columns == {"order_no": 0, "received_at": 1, "content": 2, "category": 3, "address": 4,
                              "handling_unit": 5, "closed_at": 6, "resolved": 7, "satisfaction": 8,
                              "urgency": 9, "responded_at": 10}
    assert result.unknown == ["序号"]
    assert result.missing == []
    assert result.header_row == 3
    assert result.ok


def test_map_headers_full_width_forms_match():
    result = reading.map_headers(["＊工单编号", "来电时间（必填）", "事发地址　", "满意度：", None, ""])
    assert result.columns == {"order_no": 0, "received_at": 1, "address": 2, "satisfaction": 3}
    assert result.unknown == []  # empty header cells are not "unknown"


def test_a_field_claimed_twice_keeps_the_first_column():
    result = reading.map_headers(["工单编号", "来电时间", "受理时间", "内容"])
    assert result.columns["received_at"] == 1
    assert result.unknown == ["受理时间"]


def test_saved_mapping_wins_and_can_ignore_a_column():
    saved = {"流水号": "order_no", "反映时间": "received_at", "工单编号": "", "诉求 内容": "address"}
    result = reading.map_headers(["工单编号", "流水号", "反映时间", "诉求内容", "备注"], saved)
    # 工单编号 is ignored on purpose, so 流水号 takes order_no; the saved key matches after normalising
    assert result.columns == {"order_no": 1, "received_at": 2, "address": 3}
    assert result.unknown == ["备注"]
    assert result.missing == []


def test_saved_mapping_to_an_unknown_field_falls_back_to_synonyms():
    result = reading.map_headers(["工单编号", "来电时间", "诉求内容"], {"工单编号": "no_such_field"})
    assert result.columns["order_no"] == 0


def test_missing_required_columns_are_reported():
    assert reading.map_headers(["诉求内容", "事发地址"]).missing == ["order_no", "received_at"]
    no_text = reading.map_headers(["工单编号", "来电时间", "问题分类"])
    assert no_text.missing == ["content", "address"]
    assert not no_text.ok
    assert reading.map_headers(["工单编号", "来电时间", "地址"]).missing == []


def test_parse_rows_tolerates_a_missing_column_and_names_its_label(tmp_path):
    path = write_csv(tmp_path / "a.csv", [["工单编号", "诉求内容"], ["A1", "路灯不亮"]])
    with reading.open_sheet(path) as sheet:
        header_map = sheet.map_headers()
        assert header_map.missing == ["received_at"]
        [problem] = reading.parse_rows(sheet, header_map)
    assert problem == RowProblem(2, "来电时间", "", problem.reason)
    assert problem.reason == "来电时间为空"


# ---------------------------------------------------------------------------------------------------- dates


@pytest.mark.parametrize(("value", "expected"), [
    (datetime(2024, 3, 5, 14, 22, 10), at(2024, 3, 5, 14, 22, 10)),
    (date(2024, 3, 5), at(2024, 3, 5)),
    (45356.59375, at(2024, 3, 5, 14, 15)),
    (45356, at(2024, 3, 5)),
    (1.0, at(1900, 1, 1)),
    (61.0, at(1900, 3, 1)),
    ("45356.59375", at(2024, 3, 5, 14, 15)),
    ("2024-03-05 14:22:10", at(2024, 3, 5, 14, 22, 10)),
    ("2024-03-05 14:22", at(2024, 3, 5, 14, 22)),
    ("2024-03-05", at(2024, 3, 5)),
    (" 2024-03-05T14:22:10 ", at(2024, 3, 5, 14, 22, 10)),
    ("2024/3/5 14:22", at(2024, 3, 5, 14, 22)),
    ("2024/03/05 14:22:10", at(2024, 3, 5, 14, 22, 10)),
    ("2024-3-5 9:05", at(2024, 3, 5, 9, 5)),
    ("2024.3.5", at(2024, 3, 5)),
    ("2024年3月5日", at(2024, 3, 5)),
    ("2024年3月5日 14时22分", at(2024, 3, 5, 14, 22)),
    ("2024年3月5日 14时22分10秒", at(2024, 3, 5, 14, 22, 10)),
    ("2024年03月05日14:22:10", at(2024, 3, 5, 14, 22, 10)),
    ("20240305142210", at(2024, 3, 5, 14, 22, 10)),
    ("202403051422", at(2024, 3, 5, 14, 22)),
    ("20240305", at(2024, 3, 5)),
    ("２０２４－０３－０５　１４：２２", at(2024, 3, 5, 14, 22)),
    ("２０２４年３月５日", at(2024, 3, 5)),
    ("2024-03-05T14:22:10+00:00", datetime(2024, 3, 5, 22, 22, 10, tzinfo=TZ)),
])
def test_parse_datetime_forms(value, expected):
    result = reading.parse_datetime(value, TZ)
    assert result == expected
    assert result.utcoffset() is not None


def test_naive_dates_take_the_given_zone():
    utc = ZoneInfo("UTC")
    assert reading.parse_datetime("2024/3/5 14:22", utc) == datetime(2024, 3, 5, 14, 22, tzinfo=utc)
    assert reading.parse_datetime("2024-03-05 14:22", utc).tzinfo is utc
    # the memo of slow-path strings keeps naive values, so a second zone gets its own answer
    assert reading.parse_datetime("2024/3/5 14:22", TZ).tzinfo is TZ


def test_the_date_memo_never_mixes_up_values():
    # the memo keys on the text before and after the first space: odd texts must not teach it wrong halves
    assert reading.parse_datetime(" 2024/3/6 08:00", TZ) == at(2024, 3, 6, 8)  # leading space: day part ""
    assert reading.parse_datetime("2025/1/1 08:00", TZ) == at(2025, 1, 1, 8)
    assert reading.parse_datetime("2024 / 3 / 7 08:00", TZ) == at(2024, 3, 7, 8)  # spaces inside the day
    assert reading.parse_datetime("2024 / 4 / 8 08:00", TZ) == at(2024, 4, 8, 8)
    assert reading.parse_datetime("2024/3/5 14:22", TZ) == at(2024, 3, 5, 14, 22)
    assert reading.parse_datetime("2024/3/5 14:22", TZ) == at(2024, 3, 5, 14, 22)  # from the memo
    assert reading.parse_datetime("2024-03-05 14:22", TZ) == at(2024, 3, 5, 14, 22)
    with pytest.raises(ValueError):
        reading.parse_datetime("2024/3/5 14:22 extra", TZ)
    with pytest.raises(ValueError):
        reading.parse_datetime("2024/3/5 25:22", TZ)


@pytest.mark.parametrize("value", ["", "   ", None])
def test_empty_dates_are_none(value):
    assert reading.parse_datetime(value, TZ) is None


@pytest.mark.parametrize("value", [
    "明天上午", "2024-02-30", "2024/13/01", "2024-03-05 25:00", "05/03/2024", "2024", "12345678901",
    0, 60, 2958466.0, 2958465.999999999, -3.0, float("nan"), True, timedelta(hours=1),
])
def test_unparseable_dates_raise(value):
    with pytest.raises(ValueError):
        reading.parse_datetime(value, TZ)


# ---------------------------------------------------------------------------------------------------- xlsx


def test_xlsx_with_title_rows_mixed_date_cells_and_empty_rows(tmp_path):
    path = write_xlsx(tmp_path / "export.xlsx", [
        ["12345热线工单明细表"],
        [],
        ["工单编号*", "来电时间", "诉求内容", "事发地址", "办结时间", "是否解决", "满意度", "备注"],
        [202403050001.0, datetime(2024, 3, 5, 14, 22, 10), "楼道灯坏了", "君临天下小区3号楼",
         datetime(2024, 3, 6, 9, 0), "是", "满意"],
        ["202403050002", 45356.59375, "楼上  漏水\n到我家", None, None, "否", "基本满意"],
        [],
        [None, None, None],
        ["202403050003", "2024/3/5 14:22", "噪音扰民", None, "2024-03-04 08:00"],
        ["202403050004", "上周三", "垃圾没人清"],
        [202403050005, "2024年3月5日 14时22分", None, "一职专宿舍"],
    ])
    sheet, results = read_all(path)
    assert (sheet.format, sheet.header_row, sheet.encoding) == ("xlsx", 3, None)
    assert sheet.headers[:3] == ["工单编号*", "来电时间", "诉求内容"]
    assert sheet.total_rows == 7  # rows 4..10 including the empty ones: a cheap upper bound for progress
    assert [r.row_no for r in results] == [4, 5, 8, 9, 10]  # empty rows 6 and 7 skipped, numbers stay true

    rows, problems = only_rows(results), only_problems(results)
    first = rows[4]
    assert first == ParsedRow(4, "202403050001", at(2024, 3, 5, 14, 22, 10), "楼道灯坏了", "", "君临天下小区3号楼",
                              "", at(2024, 3, 6, 9, 0), True, "satisfied", "", None)
    assert rows[5].order_no == "202403050002"
    assert rows[5].received_at == at(2024, 3, 5, 14, 15)
    assert rows[5].content == "楼上 漏水 到我家"
    assert (rows[5].resolved, rows[5].satisfaction, rows[5].closed_at) == (False, "basic", None)
    assert rows[10].order_no == "202403050005"
    assert rows[10].received_at == at(2024, 3, 5, 14, 22)
    assert rows[10].address == "一职专宿舍"

    assert problems[8] == RowProblem(8, "办结时间", "2024-03-04 08:00", problems[8].reason)
    assert problems[8].reason == "办结时间早于来电时间"
    assert (problems[9].column, problems[9].value, problems[9].reason) == ("来电时间", "上周三", "日期无法识别")


def test_xlsx_first_sheet_only_and_header_not_on_top(tmp_path):
    path = tmp_path / "two.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    first, second = workbook.add_worksheet("工单"), workbook.add_worksheet("统计")
    first.write_row(5, 2, ["工单编号", "来电时间", "问题描述"])  # starts at C6, as some exports do
    first.write_row(6, 2, ["A-1", "2024-03-05 08:00:00", "井盖缺失"])
    second.write_row(0, 0, ["工单编号", "来电时间", "问题描述"])
    second.write_row(1, 0, ["B-1", "2024-03-05 08:00:00", "不该读到"])
    workbook.close()
    sheet, results = read_all(path)
    assert sheet.header_row == 6
    assert [(r.row_no, r.order_no, r.content) for r in results] == [(7, "A-1", "井盖缺失")]


def test_xlsx_rows_can_be_iterated_twice(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", [HEADERS, order("A1"), order("A2")])
    with reading.open_sheet(path) as sheet:
        assert list(sheet.rows()) == list(sheet.rows())
        assert [n for n, _ in sheet.rows()] == [2, 3]


def test_ods_is_read(tmp_path):
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')

    def cell(value: str) -> str:
        if value.startswith("D:"):
            return (f'<table:table-cell office:value-type="date" office:date-value="{value[2:]}">'
                    f"<text:p>{value[2:]}</text:p></table:table-cell>")
        return f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>'

    table = [["工单编号", "来电时间", "事发地址"], ["A1", "D:2024-03-05T14:22:10", "公路局宿舍"]]
    body = "".join("<table:table-row>" + "".join(map(cell, row)) + "</table:table-row>" for row in table)
    path = tmp_path / "export.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
            '<manifest:file-entry manifest:full-path="/" '
            'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>"))
        archive.writestr("content.xml", (
            f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} office:version="1.2">'
            f'<office:body><office:spreadsheet><table:table table:name="Sheet1">{body}</table:table>'
            f"</office:spreadsheet></office:body></office:document-content>"))
    sheet, results = read_all(path)
    assert sheet.format == "ods"
    assert results == [ParsedRow(2, "A1", at(2024, 3, 5, 14, 22, 10), "", "", "公路局宿舍", "", None, None, "",
                                 "", None)]


def test_xls_is_read(tmp_path):
    """The old binary format (BIFF8) that many hotline systems still export, written with xlwt."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("工单")
    when = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm:ss")
    for column, header in enumerate(HEADERS):
        sheet.write(0, column, header)
    sheet.write(1, 0, "202403050001")
    sheet.write(1, 1, datetime(2024, 3, 5, 14, 22, 10), when)
    sheet.write(1, 2, "一职专宿舍3号楼楼道灯坏了")
    sheet.write(1, 7, "是")
    path = tmp_path / "export.xls"
    book.save(str(path))
    opened, results = read_all(path)
    assert opened.format == "xls"
    row = only_rows(results)[2]
    assert (row.order_no, row.received_at, row.content, row.resolved) == (
        "202403050001", at(2024, 3, 5, 14, 22, 10), "一职专宿舍3号楼楼道灯坏了", True)


def test_xlsm_is_labelled_by_its_contents(tmp_path):
    path = write_xlsx(tmp_path / "macro.xlsm", [HEADERS, order()])
    sheet, results = read_all(path)
    assert sheet.format == "xlsm"
    assert len(only_rows(results)) == 1


def test_a_workbook_with_a_wrong_extension_is_still_a_workbook(tmp_path):
    path = write_xlsx(tmp_path / "export.csv", [HEADERS, order()])
    sheet, results = read_all(path)
    assert sheet.format == "xlsx"
    assert len(only_rows(results)) == 1


# ---------------------------------------------------------------------------------------------------- csv

GBK_TEXT = "镕喆堃小区楼道灯坏了，请尽快维修"  # differs byte-wise between UTF-8 and GBK
GB18030_ONLY = "刘䶮反映：㐀字门牌看不清"  # 䶮 and 㐀 exist in GB18030 but not in GBK


@pytest.mark.parametrize(("encoding", "expected", "text"), [
    ("utf-8", "utf-8", GB18030_ONLY),
    ("utf-8-sig", "utf-8-sig", GB18030_ONLY),
    ("gbk", "gb18030", GBK_TEXT),
    ("gb18030", "gb18030", GB18030_ONLY),
    ("utf-16", "utf-16", GB18030_ONLY),
])
def test_csv_encodings(tmp_path, encoding, expected, text):
    rows = [["12345热线工单导出"], HEADERS, *(order(f"N{i}", content=f"{text}{i}") for i in range(30))]
    path = write_csv(tmp_path / "export.csv", rows, encoding)
    if encoding in {"gbk", "gb18030"}:
        with pytest.raises(UnicodeDecodeError):
            path.read_bytes().decode("utf-8")  # the test is only worth something if UTF-8 fails
    sheet, results = read_all(path)
    assert sheet.encoding == expected
    assert sheet.header_row == 2
    assert sheet.headers[0] == "工单编号"  # no BOM glued to the first header
    parsed = only_rows(results)
    assert len(parsed) == 30
    assert parsed[3].content == f"{text}0"
    assert parsed[32].order_no == "N29"


def test_gbk_detection_survives_a_short_ambiguous_sample(tmp_path):
    path = write_csv(tmp_path / "short.csv", [["工单编号", "来电时间", "内容"], ["1", "2024-03-05", "镕"]], "gbk")
    sheet, results = read_all(path)
    assert sheet.encoding == "gb18030"
    assert only_rows(results)[2].content == "镕"


@pytest.mark.parametrize(("suffix", "delimiter"),
                         [(".tsv", "\t"), (".txt", ";"), (".csv", "|"), (".csv", ",")])
def test_csv_delimiters_are_detected(tmp_path, suffix, delimiter):
    rows = [HEADERS, order("A1", content="路灯不亮，晚上很黑"), order("A2", content="噪音")]
    sheet, results = read_all(write_csv(tmp_path / f"export{suffix}", rows, delimiter=delimiter))
    assert sheet.delimiter == delimiter
    assert [r.content for r in results] == ["路灯不亮，晚上很黑", "噪音"]


def test_csv_quoted_newlines_short_rows_and_blank_lines(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("工单编号,来电时间,诉求内容,事发地址\n"
                    'A1,2024-03-05 08:00,"第一行\n第二行",\n'
                    "\n"
                    ",,,\n"
                    "A2,2024-03-05 09:00\n"  # a short row: the missing cells count as empty
                    "A3,2024-03-05 10:00,,龙泉社区\n", encoding="utf-8")
    sheet, results = read_all(path)
    assert sheet.estimated_rows == 6  # whole file in the sample: lines less the header
    assert [(type(r).__name__, r.row_no) for r in results] == [("ParsedRow", 2), ("RowProblem", 5),
                                                                ("ParsedRow", 6)]
    assert results[0].content == "第一行 第二行"
    assert (results[1].column, results[1].reason) == ("诉求内容", "诉求内容和事发地址都为空")


def test_csv_that_turns_undecodable_mid_file_names_the_line(tmp_path):
    path = tmp_path / "mixed.csv"
    good = "".join(f"A{i},2024-03-05 08:00,路灯不亮路灯不亮路灯不亮\n" for i in range(3000))  # > 64 KB
    assert len(good.encode("utf-8")) > 70_000
    with open(path, "wb") as handle:
        handle.write("工单编号,来电时间,诉求内容\n".encode())
        handle.write(good.encode("utf-8"))
        handle.write("B1,2024-03-05 08:00,井盖缺失\n".encode("gbk"))
    with reading.open_sheet(path) as sheet:
        assert sheet.encoding == "utf-8"
        with pytest.raises(ReadError, match="第 3002 行"):
            for _ in reading.parse_rows(sheet, sheet.map_headers()):
                pass


def test_large_csv_streams_in_bounded_memory(tmp_path):
    path = tmp_path / "big.csv"
    line = ("2024{:08d},2024-03-05 14:22:{:02d},小区楼道灯坏了晚上看不清台阶请尽快维修谢谢,城市管理,"
            "明水街道龙泉社区君临天下小区3号楼2单元,龙泉社区居委会,2024/3/6 9:{:02d},是,满意,一般,"
            "2024-03-05 15:00:00\n")
    count = 150_000
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(",".join(HEADERS) + "\n")
        handle.writelines(line.format(i, i % 60, i % 60) for i in range(count))
    assert path.stat().st_size > 20_000_000
    with reading.open_sheet(path) as sheet:
        assert abs(sheet.estimated_rows - count) < count * 0.05
        results = reading.parse_rows(sheet, sheet.map_headers())
        # trace only the first 10,000 rows (tracing is slow): a reader that loaded the whole file up front, or
        # kept rows while going, would show tens of megabytes here
        tracemalloc.start()
        try:
            head = [isinstance(item, ParsedRow) for item in itertools.islice(results, 10_000)]
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        parsed, problems, last = sum(head), len(head) - sum(head), None
        for item in results:
            if isinstance(item, ParsedRow):
                parsed += 1
                last = item
            else:
                problems += 1
    assert (parsed, problems) == (count, 0)
    assert last is not None and last.row_no == count + 1 and last.order_no == f"2024{count - 1:08d}"
    assert peak < 3_000_000, f"10,000 rows held {peak} bytes: rows are being collected"


# ---------------------------------------------------------------------------------------------------- values


def parse_values(tmp_path: Path, rows: list[list[Any]]) -> Results:
    return read_all(write_csv(tmp_path / "values.csv", [HEADERS, *rows]))[1]


@pytest.mark.parametrize(("cell", "expected"), [
    ("是", True), ("已解决", True), ("解决", True), ("已办结", True), ("Y", True), ("yes", True), ("TRUE", True),
    ("1", True), ("否", False), ("未解决", False), ("未办结", False), ("n", False), ("No", False), ("false", False),
    ("0", False), ("", None), ("-", None), ("/", None), ("无", None), (" 是 ", True),
])
def test_resolved_values(tmp_path, cell, expected):
    [result] = parse_values(tmp_path, [order(**{"是否解决": cell})])
    assert isinstance(result, ParsedRow)
    assert result.resolved is expected


@pytest.mark.parametrize(("cell", "expected"), [
    ("满意", "satisfied"), ("非常满意", "satisfied"), ("很满意", "satisfied"), ("基本满意", "basic"),
    ("比较满意", "basic"), ("不满意", "unsatisfied"), ("非常不满意", "unsatisfied"), ("很不满意", "unsatisfied"),
    ("", ""), ("未评价", ""), ("无", ""), ("未回访", ""), ("-", ""), (" 满 意 ", "satisfied"),
])
def test_satisfaction_values(tmp_path, cell, expected):
    [result] = parse_values(tmp_path, [order(**{"满意度": cell})])
    assert isinstance(result, ParsedRow)
    assert result.satisfaction == expected


def test_unknown_codes_are_row_problems(tmp_path):
    results = parse_values(tmp_path, [order("A1", **{"是否解决": "部分解决"}), order("A2", **{"满意度": "还行"})])
    assert [(r.column, r.value, r.reason) for r in results] == [
        ("是否解决", "部分解决", "是否解决无法识别，应为“是”或“否”"),
        ("满意度", "还行", "满意度无法识别，应为满意、基本满意或不满意"),
    ]


def test_order_number_rules(tmp_path):
    path = write_xlsx(tmp_path / "orders.xlsx", [
        HEADERS,
        order(202403050001.0),
        order("  A-7  "),
        order(""),
        order("X" * 41),
        order("2.02403E+11"),
        order(1.2345678901234567e17),
        order(42),
    ])
    results = read_all(path)[1]
    rows, problems = only_rows(results), only_problems(results)
    assert (rows[2].order_no, rows[3].order_no, rows[8].order_no) == ("202403050001", "A-7", "42")
    assert problems[4].reason == "工单编号为空"
    assert problems[5].reason == "工单编号超过 40 个字符"
    assert problems[6].reason == problems[7].reason == "工单编号被 Excel 当作数字截断了，请把该列设为文本后重新导出"
    assert {p.column for p in problems.values()} == {"工单编号"}


def test_text_fields_are_trimmed_collapsed_and_truncated(tmp_path):
    [result] = parse_values(tmp_path, [order(
        content="  路灯\n\n不亮　　晚上 \t很黑  " + "长" * 5000,
        **{"事发地址": "地" * 300, "承办单位": "单" * 150, "问题分类": " 城市 管理 ", "紧急程度": "急" * 30},
    )])
    assert isinstance(result, ParsedRow)
    assert result.content.startswith("路灯 不亮 晚上 很黑 长")
    assert len(result.content) == 4000
    assert (len(result.address), len(result.handling_unit), len(result.urgency)) == (200, 100, 20)
    assert result.category == "城市 管理"


def test_text_is_not_nfkc_normalised(tmp_path):
    [result] = parse_values(tmp_path, [order(content="ＡＢＣ小区①号楼")])
    assert result.content == "ＡＢＣ小区①号楼"


def test_date_problems_name_their_column(tmp_path):
    results = parse_values(tmp_path, [
        order("A1", received=""),
        order("A2", received="2024-02-30"),
        order("A3", **{"办结时间": "昨天"}),
        order("A4", **{"签收时间": "2024-03-05 99:00"}),
        order("A5", received="2024-03-05 10:00", **{"办结时间": "2024-03-05 09:59"}),
        order("A6", received="2024-03-05 10:00", **{"办结时间": "2024-03-05 10:00", "签收时间": "2024/3/5 10:05"}),
    ])
    assert [(r.column, r.reason) for r in results[:5]] == [
        ("来电时间", "来电时间为空"), ("来电时间", "日期无法识别"), ("办结时间", "日期无法识别"),
        ("签收时间", "日期无法识别"), ("办结时间", "办结时间早于来电时间"),
    ]
    assert (results[5].closed_at, results[5].responded_at) == (at(2024, 3, 5, 10), at(2024, 3, 5, 10, 5))


def test_only_the_first_problem_of_a_row_is_reported(tmp_path):
    [problem] = parse_values(tmp_path, [order("", received="坏日期", **{"满意度": "还行"})])
    assert (problem.column, problem.reason) == ("工单编号", "工单编号为空")


def test_parse_rows_uses_the_given_zone(tmp_path):
    path = write_csv(tmp_path / "a.csv", [HEADERS, order(received="2024-03-05 08:00")])
    with reading.open_sheet(path) as sheet:
        [row] = reading.parse_rows(sheet, sheet.map_headers(), tz=ZoneInfo("UTC"))
    assert row.received_at == datetime(2024, 3, 5, 8, tzinfo=ZoneInfo("UTC"))


# ---------------------------------------------------------------------------------------------------- errors


def test_no_header_row_says_what_was_expected(tmp_path):
    path = write_csv(tmp_path / "a.csv", [["标题"], ["序号", "日期", "说明"], ["1", "2024-03-05", "x"]])
    with pytest.raises(ReadError, match="工单编号") as caught:
        reading.open_sheet(path)
    assert "10" in str(caught.value)


def test_header_row_only_searched_in_the_first_ten_rows(tmp_path):
    rows = [[f"说明{i}"] for i in range(10)] + [HEADERS, order()]
    with pytest.raises(ReadError):
        reading.open_sheet(write_csv(tmp_path / "late.csv", rows))
    ok = rows[1:]
    assert reading.open_sheet(write_csv(tmp_path / "ok.csv", ok)).header_row == 10


def test_saved_mapping_lets_custom_headers_be_found(tmp_path):
    path = write_csv(tmp_path / "a.csv", [["流水号", "反映时间", "诉求"], ["A1", "2024-03-05", "路灯"]])
    saved = {"流水号": "order_no", "反映时间": "received_at", "诉求": "content"}
    with pytest.raises(ReadError):
        reading.open_sheet(path)
    sheet, results = read_all(path, saved)
    assert sheet.header_row == 1
    assert only_rows(results)[2].order_no == "A1"


@pytest.mark.parametrize("content", [b"", b"  \r\n\r\n  "])
def test_empty_file(tmp_path, content):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(ReadError, match="空"):
        reading.open_sheet(path)


def test_workbook_with_an_empty_first_sheet(tmp_path):
    path = tmp_path / "empty.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    workbook.add_worksheet()
    workbook.add_worksheet().write_row(0, 0, HEADERS)  # only the first sheet is read
    workbook.close()
    with pytest.raises(ReadError, match="没有数据"):
        reading.open_sheet(path)


def test_missing_file(tmp_path):
    with pytest.raises(ReadError, match="无法打开"):
        reading.open_sheet(tmp_path / "nope.xlsx")


def test_a_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "report.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(ReadError, match="不是 Excel"):
        reading.open_sheet(path)


def test_encrypted_xlsx_is_reported_as_such(tmp_path):
    # a password-protected xlsx is an OLE2 container holding an "EncryptionInfo" stream, not a zip
    path = tmp_path / "locked.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1000) + "EncryptionInfo".encode("utf-16-le")
                     + bytes(1000))
    with pytest.raises(ReadError, match="密码"):
        reading.open_sheet(path)


def test_a_broken_xls_is_a_read_error(tmp_path):
    path = tmp_path / "broken.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2000))
    with pytest.raises(ReadError, match="Excel"):
        reading.open_sheet(path)


def test_html_saved_as_xls(tmp_path):
    path = tmp_path / "export.xls"
    path.write_text("<html><table><tr><td>工单编号</td><td>来电时间</td></tr></table></html>", encoding="utf-8")
    with pytest.raises(ReadError, match="网页"):
        reading.open_sheet(path)


def test_read_error_is_a_value_error_with_plain_text():
    error = ReadError(reading.R_DATE_BAD)
    assert isinstance(error, ValueError)
    assert str(error) == "日期无法识别"


# ------------------------------------------------------------------------------------------------ error file


@pytest.mark.parametrize(("language", "headers"), [("zh", ["行号", "列", "值", "原因"]),
                                                   ("en", ["Row", "Column", "Value", "Reason"])])
def test_write_problems(tmp_path, language, headers):
    problems = (RowProblem(n, "来电时间", value, reading.R_DATE_BAD)
                for n, value in [(4, "上周三"), (9, "=HYPERLINK(\"x\")"), (12, "")])
    target = tmp_path / f"errors-{language}.xlsx"
    assert reading.write_problems(problems, target, language=language) == 3
    rows = CalamineWorkbook.from_path(str(target)).get_sheet_by_index(0).to_python()
    assert rows[0] == headers
    assert rows[1][:3] == [4, "来电时间", "上周三"]
    assert rows[2][2] == "=HYPERLINK(\"x\")"  # kept as text, never a live formula
    assert len(rows) == 4
    assert isinstance(rows[1][3], str) and rows[1][3]


def test_write_problems_with_nothing(tmp_path):
    target = tmp_path / "none.xlsx"
    assert reading.write_problems([], target) == 0
    rows = CalamineWorkbook.from_path(str(target)).get_sheet_by_index(0).to_python()
    assert rows == [["行号", "列", "值", "原因"]]
