"""Reading a 12345 hotline export: open the file, map its Chinese headers, parse rows into typed values.

Nothing here touches the database. `open_sheet` sniffs the format (xlsx/xlsm/xlsb/ods/xls through
python-calamine, everything else as CSV in UTF-8, UTF-8 with BOM, UTF-16 or GB18030/GBK), finds the header row
below any title rows, and streams the data rows; `parse_rows` turns each non-empty row into a `ParsedRow` or
one `RowProblem`.

Rows are never collected in a list: calamine holds the sheet in Rust memory and hands out one Python row at a
time, and CSV is decoded incrementally. Parsing is tuned for a million rows per import (see `parse_rows`).
"""
from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import charset_normalizer
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override
from python_calamine import CalamineWorkbook, PasswordError

from weizhili import exports

FIELDS: tuple[str, ...] = ("order_no", "received_at", "content", "category", "address", "handling_unit",
                           "closed_at", "resolved", "satisfaction", "urgency", "responded_at")
FIELD_LABELS: dict[str, str] = {
    "order_no": "工单编号",
    "received_at": "来电时间",
    "content": "诉求内容",
    "category": "问题分类",
    "address": "事发地址",
    "handling_unit": "承办单位",
    "closed_at": "办结时间",
    "resolved": "是否解决",
    "satisfaction": "满意度",
    "urgency": "紧急程度",
    "responded_at": "签收时间",
}
SYNONYMS: dict[str, tuple[str, ...]] = {
    "order_no": ("工单编号", "工单号", "工单编码", "编号", "工单流水号", "受理编号"),
    "received_at": ("来电时间", "受理时间", "来电日期", "登记时间", "创建时间"),
    "content": ("诉求内容", "来电内容", "问题描述", "反映内容", "诉求描述", "内容", "诉求详情"),
    "category": ("问题分类", "诉求类型", "诉求分类", "事项分类", "业务分类", "分类", "问题类型"),
    "address": ("事发地址", "地址", "事发地点", "问题地址", "发生地址", "诉求地址"),
    "handling_unit": ("承办单位", "办理单位", "处置单位", "责任单位", "主办单位"),
    "closed_at": ("办结时间", "办结日期", "完成时间"),
    "resolved": ("是否解决", "解决情况", "解决状态"),
    "satisfaction": ("满意度", "评价结果", "满意度评价", "回访结果", "回访满意度"),
    "urgency": ("紧急程度", "紧急度", "缓急程度"),
    "responded_at": ("签收时间", "响应时间", "接单时间"),
}
REQUIRED: tuple[str, ...] = ("order_no", "received_at")
ONE_OF: tuple[str, ...] = ("content", "address")  # at least one of these columns must exist
TEXT_LIMITS: dict[str, int] = {"content": 4000, "category": 100, "address": 200, "handling_unit": 100,
                               "urgency": 20}
ORDER_NO_MAX = 40
HEADER_SCAN_ROWS = 10  # non-empty rows searched for the header row
SHANGHAI = ZoneInfo("Asia/Shanghai")

FORMATS = ("xlsx", "xls", "xlsm", "xlsb", "ods", "csv")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# an encrypted xlsx is an OLE2 container holding this stream, not a zip
_ENCRYPTED_MARKER = "EncryptionInfo".encode("utf-16-le")
_SAMPLE_BYTES = 64 * 1024
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "cp936", "hz", "euc_cn", "ms936"}
_DELIMITERS = ",\t;|"


class ReadError(ValueError):
    """The whole file cannot be read (unknown format, no header row, undecodable, encrypted xlsx, empty)."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))  # lazy translations are resolved now, so str(exc) is plain text
        self.message = str(message)


# ---------------------------------------------------------------------------------------------------- headers

# after NFKC, full-width "：" and "（）" are ASCII; zero-width characters and the BOM survive NFKC, so drop them
_HEADER_JUNK = re.compile(r"[\s*:\ufeff\u200b-\u200d\u2060]+")
_HEADER_NOTE = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^】]*】")  # "(必填)", "【选填】"


def normalise_header(text: Any) -> str:
    if text is None:
        return ""
    return _HEADER_JUNK.sub("", unicodedata.normalize("NFKC", str(text)))


_SYNONYM_FIELD: dict[str, str] = {
    normalise_header(name): f for f, names in SYNONYMS.items() for name in names
}


def _header_field(norm: str, saved: Mapping[str, str]) -> str | None:
    """The field a normalised header names; "" = ignore on purpose; None = not recognised."""
    if not norm:
        return None
    for key in (norm, _HEADER_NOTE.sub("", norm)):
        if key in saved:
            target = saved[key]
            if target == "" or target in FIELD_LABELS:
                return target
        if key in _SYNONYM_FIELD:
            return _SYNONYM_FIELD[key]
    return None


def _normalised_saved(saved: Mapping[str, str] | None) -> dict[str, str]:
    return {normalise_header(k): v for k, v in (saved or {}).items()}


@dataclass
class HeaderMap:
    columns: dict[str, int]  # field -> column index
    unknown: list[str]  # header texts not recognised (non-empty), in column order
    missing: list[str]  # required fields not found; "content" and "address" both when neither exists
    header_row: int = 1  # 1-based row number of the header row in the file

    @property
    def ok(self) -> bool:
        return not self.missing


def map_headers(headers: Sequence[Any], saved: Mapping[str, str] | None = None, *,
                header_row: int = 1) -> HeaderMap:
    """Map header cells to fields; `saved` (header text -> field, or "" to ignore) wins over the synonyms."""
    saved_norm = _normalised_saved(saved)
    columns: dict[str, int] = {}
    unknown: list[str] = []
    for index, header in enumerate(headers):
        text = _cell_text(header)
        target = _header_field(normalise_header(text), saved_norm)
        if target == "":
            continue
        if target is None or target in columns:  # a second column for a field is not silently merged
            if text:
                unknown.append(text)
            continue
        columns[target] = index
    missing = [f for f in REQUIRED if f not in columns]
    if not any(f in columns for f in ONE_OF):
        missing.extend(ONE_OF)
    return HeaderMap(columns=columns, unknown=unknown, missing=missing, header_row=header_row)


def _header_hits(row: Sequence[Any], saved_norm: Mapping[str, str]) -> int:
    found = set()
    for cell in row:
        if cell.__class__ is str and cell:
            target = _header_field(normalise_header(cell), saved_norm)
            if target:
                found.add(target)
    return len(found)


def _is_empty(row: Sequence[Any]) -> bool:
    for cell in row:
        if cell is None or cell == "":
            continue
        if cell.__class__ is str and cell.isspace():
            continue
        return False
    return True


def _no_header_error() -> ReadError:
    expected = "、".join(FIELD_LABELS[f] for f in (*REQUIRED, *ONE_OF))
    return ReadError(_("在前 %(rows)d 行中找不到表头行，需要包含 %(expected)s 等列名的一行")
                     % {"rows": HEADER_SCAN_ROWS, "expected": expected})


# ---------------------------------------------------------------------------------------------------- sheets


class Sheet:
    """An open export with its header row found. Use as a context manager; `rows()` may be called again."""

    path: Path
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    headers: list[str]
    header_row: int = 0
    total_rows: int | None = None  # data rows (empty rows included) when the format says so cheaply
    estimated_rows: int | None = None  # CSV: a guess from the file size, for progress bars only

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        raise NotImplementedError

    def map_headers(self, saved: Mapping[str, str] | None = None) -> HeaderMap:
        return map_headers(self.headers, saved, header_row=self.header_row)

    def close(self) -> None:
        pass

    def __enter__(self) -> Sheet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Sheet {self.format} {self.path.name} header_row={self.header_row}>"


class _WorkbookSheet(Sheet):
    def __init__(self, path: Path, fmt: str, saved_norm: Mapping[str, str]) -> None:
        self.path, self.format = path, fmt
        try:
            self._workbook = CalamineWorkbook.from_path(str(path))
        except PasswordError as exc:
            raise ReadError(_("文件设置了密码，请取消密码后另存再导入")) from exc
        except Exception as exc:  # calamine raises several types (zip, xml, ole, format)
            if fmt == "xls" and _has_marker(path, _ENCRYPTED_MARKER):
                raise ReadError(_("文件设置了密码，请取消密码后另存再导入")) from exc
            raise ReadError(_("无法读取 Excel 文件：%(reason)s") % {"reason": exc}) from exc
        try:
            self._sheet = self._workbook.get_sheet_by_index(0)
            found = self._find_header(saved_norm)
        except ReadError:
            self.close()
            raise
        except Exception as exc:
            self.close()
            raise ReadError(_("无法读取 Excel 文件：%(reason)s") % {"reason": exc}) from exc
        self.header_row, self.headers = found
        end = self._sheet.end
        self.total_rows = max(0, end[0] + 1 - self.header_row) if end else 0

    def _find_header(self, saved_norm: Mapping[str, str]) -> tuple[int, list[str]]:
        seen = 0
        # iter_rows starts at the sheet's first row (leading empty rows included), so index + 1 = row number
        for index, row in enumerate(self._sheet.iter_rows()):
            if _is_empty(row):
                continue
            if _header_hits(row, saved_norm) >= 2:
                return index + 1, [_cell_text(c) for c in row]
            seen += 1
            if seen >= HEADER_SCAN_ROWS:
                break
        if seen == 0:
            raise ReadError(_("文件里没有数据"))
        raise _no_header_error()

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        header_row = self.header_row
        row_no = 0
        for row in self._sheet.iter_rows():
            row_no += 1
            if row_no <= header_row:
                continue
            # inline emptiness test: most rows have a value in the first cell, so this exits at once
            for cell in row:
                if cell == "" or cell is None or (cell.__class__ is str and cell.isspace()):
                    continue
                yield row_no, row
                break

    def close(self) -> None:
        self.__dict__.pop("_sheet", None)  # the loaded cells: let them go as soon as the rows have been read
        workbook = getattr(self, "_workbook", None)
        if workbook is not None:
            try:
                workbook.close()
            except Exception:  # already closed
                pass


class _CsvSheet(Sheet):
    def __init__(self, path: Path, sample: bytes, saved_norm: Mapping[str, str]) -> None:
        self.path, self.format = path, "csv"
        self._open: set[io.IOBase] = set()
        self.encoding = _detect_encoding(sample)
        text = _decode_sample(sample, self.encoding)
        sniffed = _sniff_delimiter(text, path)
        last_error: ReadError | None = None
        for delimiter in dict.fromkeys((sniffed, *_DELIMITERS)):  # the sniffed one first, then the others
            try:
                self.header_row, self.headers = self._find_header(text, delimiter, saved_norm)
            except ReadError as exc:
                last_error = exc
                continue
            self.delimiter = delimiter
            break
        else:
            assert last_error is not None
            raise last_error
        lines = text.count("\n") + (not text.endswith("\n"))
        if len(sample) < _SAMPLE_BYTES:  # the sample is the whole file
            self.estimated_rows = max(0, lines - self.header_row)
        else:
            per_line = len(_trim_sample(sample)) / lines
            self.estimated_rows = max(0, int(path.stat().st_size / per_line) - self.header_row)

    def _find_header(self, text: str, delimiter: str, saved_norm: Mapping[str, str]) -> tuple[int, list[str]]:
        seen = 0
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            for index, row in enumerate(reader):
                if _is_empty(row):
                    continue
                if _header_hits(row, saved_norm) >= 2:
                    return index + 1, [_cell_text(c) for c in row]
                seen += 1
                if seen >= HEADER_SCAN_ROWS:
                    break
        except csv.Error as exc:
            raise ReadError(_("CSV 文件格式错误：%(reason)s") % {"reason": exc}) from exc
        if seen == 0:
            raise ReadError(_("文件里没有数据"))
        raise _no_header_error()

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        header_row = self.header_row
        raw = open(self.path, "rb")  # closed in `finally`, or by close() when the caller stops early
        self._open.add(raw)
        try:
            stream = io.TextIOWrapper(raw, encoding=self.encoding, errors="strict", newline="")
            reader = csv.reader(stream, delimiter=self.delimiter or ",")
            row_no = 0
            try:
                for row in reader:
                    row_no += 1
                    if row_no <= header_row:
                        continue
                    for cell in row:
                        if cell and not cell.isspace():
                            yield row_no, row
                            break
            except UnicodeDecodeError as exc:
                line = _bad_line(self.path, self.encoding or "utf-8")
                raise ReadError(_("第 %(row)s 行无法按 %(encoding)s 编码读取，文件可能混用了多种编码")
                                % {"row": line or row_no + 1, "encoding": self.encoding}) from exc
            except csv.Error as exc:
                raise ReadError(_("第 %(row)s 行 CSV 格式错误：%(reason)s")
                                % {"row": row_no + 1, "reason": exc}) from exc
        finally:
            self._open.discard(raw)
            raw.close()

    def close(self) -> None:
        for handle in list(self._open):
            handle.close()
        self._open.clear()


def _has_marker(path: Path, marker: bytes) -> bool:
    tail = b""
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            if marker in tail + chunk:
                return True
            tail = chunk[-len(marker):]
    return False


def _bad_line(path: Path, encoding: str) -> int | None:
    """The physical line that fails to decode; only run after a failure, so the fast path stays in C."""
    if encoding.startswith("utf-16"):
        return None  # b"\n" does not split UTF-16 into lines
    with open(path, "rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                line.decode(encoding)
            except UnicodeDecodeError:
                return number
    return None


def _detect_encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # Excel's "Unicode text" export
    try:  # fast path: strict UTF-8; the incremental decoder allows a character cut at the sample's end
        codecs.getincrementaldecoder("utf-8")("strict").decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    trimmed = _trim_sample(sample)
    best = charset_normalizer.from_bytes(trimmed).best()
    guess = best.encoding if best is not None else None
    if guess in _GB_FAMILY:
        return "gb18030"  # a superset of GB2312 and GBK: rarer characters later in the file still decode
    # Chinese exports are GB-family in practice; a short sample can look like Big5 or Shift-JIS to the
    # detector, so the candidate whose text shows our headers wins
    candidates = [c for c in (guess, "gb18030") if c]
    for candidate in candidates:
        text = _try_decode(trimmed, candidate)
        if text is not None and _mentions_headers(text):
            return candidate
    for candidate in candidates:
        if _try_decode(trimmed, candidate) is not None:
            return candidate
    raise ReadError(_("无法识别文件的编码，请另存为 UTF-8 编码的 CSV 或 Excel 文件"))


def _trim_sample(sample: bytes) -> bytes:
    if len(sample) == _SAMPLE_BYTES and b"\n" in sample:
        return sample[: sample.rfind(b"\n") + 1]  # do not hand the detector a half character
    return sample


def _try_decode(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _mentions_headers(text: str) -> bool:
    head = text[:4096]
    return sum(any(name in head for name in names if len(name) > 1) for names in SYNONYMS.values()) >= 2


def _decode_sample(sample: bytes, encoding: str) -> str:
    text = codecs.getincrementaldecoder(encoding)("strict").decode(_trim_sample(sample), final=False)
    return text.lstrip("\ufeff")


def _sniff_delimiter(text: str, path: Path) -> str:
    head = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(head, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        return "\t" if path.suffix.lower() in {".tsv", ".tab"} else ","


def _zip_format(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError) as exc:
        raise ReadError(_("文件已损坏，无法打开：%(reason)s") % {"reason": exc}) from exc
    if b"opendocument.spreadsheet" in mimetype or "content.xml" in names:
        return "ods"
    if "xl/workbook.bin" in names:
        return "xlsb"
    if "xl/workbook.xml" in names:
        return "xlsm" if "xl/vbaProject.bin" in names or path.suffix.lower() == ".xlsm" else "xlsx"
    raise ReadError(_("这不是 Excel 或 CSV 文件（可能是 Word 或压缩包），请导出为 xlsx 或 csv 后再导入"))


def open_sheet(path: str | Path, *, saved: Mapping[str, str] | None = None) -> Sheet:
    """Open the first sheet of an export and find its header row. Raises ReadError.

    `saved` (the street's saved header mappings) lets headers that only a saved mapping knows count towards
    finding the header row."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            sample = handle.read(_SAMPLE_BYTES)
    except OSError as exc:
        raise ReadError(_("无法打开文件：%(reason)s") % {"reason": exc.strerror or exc}) from exc
    if not sample.strip():
        raise ReadError(_("文件是空的"))
    saved_norm = _normalised_saved(saved)
    if sample.startswith(_ZIP_MAGIC):
        return _WorkbookSheet(path, _zip_format(path), saved_norm)
    if sample.startswith(_OLE_MAGIC):
        return _WorkbookSheet(path, "xls", saved_norm)
    if path.suffix.lower() in {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}:
        # a workbook extension without a workbook inside; the 12345 system's "xls" is sometimes HTML
        if sample.lstrip()[:1] == b"<":
            raise ReadError(_("这个 .xls 文件实际是网页格式，请用 Excel 打开后另存为 xlsx 再导入"))
    return _CsvSheet(path, sample, saved_norm)


# ---------------------------------------------------------------------------------------------------- values

_FULL_WIDTH = str.maketrans("０１２３４５６７８９：－／．　", "0123456789:-/. ")
# 2024/3/5 14:22, 2024.3.5, 2024-3-5 14:22:10: what Excel writes when it saves a CSV
_DATE_PLAIN = re.compile(
    r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]+(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.\d+)?)?)?"
)
# everything else: 2024年3月5日 14时22分, 2024年03月05日14:22:10, 20240305142210, spaces around separators
_DATE_TEXT = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]*(\d{1,2})\s*[:时点]\s*(\d{1,2})(?:\s*[:分]\s*(\d{1,2})(?:\.\d+)?)?\s*[分秒]?)?"
    r"|(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?"
    r"|(\d{5}(?:\.\d+)?)"  # an Excel serial that travelled through a CSV as text
)
_SERIAL_MAX = 2958465  # 9999-12-31
_EXCEL_EPOCH = datetime(1899, 12, 30)  # serial 61 onwards; Excel counts a 1900-02-29 that never was
_EXCEL_EARLY_EPOCH = datetime(1899, 12, 31)  # serials 1..59
_combine = datetime.combine
_fromisoformat = datetime.fromisoformat
# Memo of "day clock" strings split in two: an export spans a few hundred days and at most 86,400 clock
# readings, so after the first rows nearly every "2024/3/5 14:22" or "2024-03-05 14:22:10" costs two dict hits
# and one C call instead of a regex or fromisoformat plus a zone
_DAYS: dict[str, date] = {}
_CLOCKS: dict[str, time] = {}
_MEMO_MAX = 100_000


def _from_serial(serial: float) -> datetime:
    """Excel's 1900 date system; serial 60 is the 1900-02-29 Excel believes in, and is refused."""
    if not 1 <= serial < _SERIAL_MAX + 1 or 60 <= serial < 61:
        raise ValueError(serial)
    try:
        epoch = _EXCEL_EPOCH if serial >= 61 else _EXCEL_EARLY_EPOCH
        return epoch + timedelta(seconds=round(serial * 86400))
    except OverflowError as exc:  # the last second of 9999-12-31 rounds up into year 10000
        raise ValueError(serial) from exc


def _from_parts(parts: Sequence[str]) -> datetime:
    year, month, day, hour, minute, second = map(int, parts)
    return datetime(year, month, day, hour, minute, second)  # ValueError for 2024-02-30 or 25:00


def _from_text(text: str, tz: tzinfo) -> datetime | None:
    """A date string the memo does not know yet. Bad values (2024-02-30, 25:00) raise ValueError."""
    clean = text.strip()
    if not clean:
        return None
    if not clean.isascii():
        clean = clean.translate(_FULL_WIDTH)
    result = None
    if clean[4:5] == "-":
        try:
            result = _fromisoformat(clean)
        except ValueError:
            pass
    if result is None:
        match = _DATE_PLAIN.fullmatch(clean)
        if match is not None:
            result = _from_parts(match.groups("0"))
    if result is not None:
        if result.tzinfo is not None:
            return result
        # ISO and plain forms have no space inside the day part, so "day clock" splits cleanly for the memo
        if clean == text and " " in text:
            if len(_DAYS) >= _MEMO_MAX or len(_CLOCKS) >= _MEMO_MAX:
                _DAYS.clear()
                _CLOCKS.clear()
            day, _sep, clock = text.partition(" ")
            _DAYS[day], _CLOCKS[clock] = result.date(), result.time()
        return _combine(result, result.time(), tz)
    match = _DATE_TEXT.fullmatch(clean)
    if match is None:
        raise ValueError(text)
    g = match.groups("0")
    if g[0] != "0":
        result = _from_parts(g[:6])
    elif g[6] != "0":
        result = _from_parts(g[6:12])
    else:
        result = _from_serial(float(g[12]))
    return _combine(result, result.time(), tz)


def parse_datetime(value: Any, tz: tzinfo = SHANGHAI) -> datetime | None:
    """A cell as an aware datetime (naive values are taken to be in `tz`); None when empty.

    Raises ValueError when the cell is not a date. The common cases stay in C: a datetime from calamine gets
    its zone from `combine` (four times faster than `replace`); a "day clock" string seen before is two dict
    hits and a `combine`."""
    cls = value.__class__
    if cls is datetime:
        return value if value.tzinfo is not None else _combine(value, value.time(), tz)
    if cls is str:
        day, sep, clock = value.partition(" ")
        if sep:
            known_day = _DAYS.get(day)
            if known_day is not None:
                known_clock = _CLOCKS.get(clock)
                if known_clock is not None:
                    return _combine(known_day, known_clock, tz)
        return _from_text(value, tz)
    if cls is float or cls is int:
        result = _from_serial(value)
        return _combine(result, result.time(), tz)
    if value is None:
        return None
    if cls is date:
        return datetime(value.year, value.month, value.day, tzinfo=tz)
    raise ValueError(value)  # a time of day, a duration, a bool: not a moment


def _cell_text(value: Any) -> str:
    """A cell as trimmed text with whitespace runs collapsed; numbers lose Excel's ".0"."""
    cls = value.__class__
    if cls is str:
        return " ".join(value.split())
    if value is None:
        return ""
    if cls is float:
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if cls is datetime:
        return value.isoformat(" ")
    return " ".join(str(value).split())


def _display(value: Any) -> str:
    """The offending cell for the error file, bounded so a pasted essay does not bloat it."""
    text = _cell_text(value) if value.__class__ is not str else value.strip()
    return text if len(text) <= 200 else text[:200] + "…"


_RESOLVED = {
    **dict.fromkeys(("是", "已解决", "解决", "已办结", "y", "yes", "true", "1", "1.0"), True),
    **dict.fromkeys(("否", "未解决", "未办结", "n", "no", "false", "0", "0.0"), False),
    **dict.fromkeys(("", "-", "/", "无", "—"), None),
}
_SATISFACTION = {
    **dict.fromkeys(("满意", "非常满意", "很满意", "satisfied"), "satisfied"),
    **dict.fromkeys(("基本满意", "比较满意", "basic"), "basic"),
    **dict.fromkeys(("不满意", "非常不满意", "很不满意", "unsatisfied"), "unsatisfied"),
    **dict.fromkeys(("", "未评价", "无", "未回访", "-", "/", "—"), ""),
}
_MISSING = object()
_SCIENTIFIC = re.compile(r"\d(?:\.\d+)?[eE]\+?\d+")

# one lazy object per message, shared by every row (creating one per problem would cost time at 1M rows)
R_ORDER_EMPTY = _("工单编号为空")
R_ORDER_LONG = _("工单编号超过 40 个字符")
R_ORDER_MANGLED = _("工单编号被 Excel 当作数字截断了，请把该列设为文本后重新导出")
R_DATE_EMPTY = _("来电时间为空")
R_DATE_BAD = _("日期无法识别")
R_CLOSED_EARLY = _("办结时间早于来电时间")
R_NO_TEXT = _("诉求内容和事发地址都为空")
R_RESOLVED_BAD = _("是否解决无法识别，应为“是”或“否”")
R_SATISFACTION_BAD = _("满意度无法识别，应为满意、基本满意或不满意")


@dataclass(slots=True)
class ParsedRow:
    row_no: int
    order_no: str
    received_at: datetime
    content: str
    category: str
    address: str
    handling_unit: str
    closed_at: datetime | None
    resolved: bool | None
    satisfaction: str  # "satisfied" | "basic" | "unsatisfied" | ""
    urgency: str
    responded_at: datetime | None


@dataclass(slots=True)
class RowProblem:
    row_no: int
    column: str  # the header text as in the file, or the canonical label when the column is missing
    value: str
    reason: str  # Chinese msgid, usually a lazy translation: str() it in the language wanted


def _columns(sheet: Sheet, header_map: HeaderMap) -> tuple[dict[str, int], dict[str, str]]:
    """Column index and header text per field; a missing column gets an index no row reaches."""
    index: dict[str, int] = {}
    label: dict[str, str] = {}
    for f in FIELDS:
        i = header_map.columns.get(f)
        index[f] = i if i is not None else 1 << 30
        header = sheet.headers[i] if i is not None and i < len(sheet.headers) else ""
        label[f] = header or FIELD_LABELS[f]
    return index, label


def parse_rows(sheet: Sheet, header_map: HeaderMap, *,
               tz: tzinfo = SHANGHAI) -> Iterator[ParsedRow | RowProblem]:
    """One ParsedRow or RowProblem per non-empty data row, in file order; a row reports its first problem.

    The loop is flat, with locals and inlined string cleaning, on purpose: at a million rows each call counts.
    """
    ix, label = _columns(sheet, header_map)
    i_order, i_received, i_content = ix["order_no"], ix["received_at"], ix["content"]
    i_category, i_address, i_unit = ix["category"], ix["address"], ix["handling_unit"]
    i_closed, i_resolved = ix["closed_at"], ix["resolved"]
    i_satisfaction, i_urgency, i_responded = ix["satisfaction"], ix["urgency"], ix["responded_at"]
    m_content, m_category, m_address = TEXT_LIMITS["content"], TEXT_LIMITS["category"], TEXT_LIMITS["address"]
    m_unit, m_urgency = TEXT_LIMITS["handling_unit"], TEXT_LIMITS["urgency"]
    no_text_column = label["content"] if "content" in header_map.columns else label["address"]
    text, when = _cell_text, parse_datetime
    resolved_map, satisfaction_map = _RESOLVED, _SATISFACTION
    str_, float_, datetime_, combine = str, float, datetime, _combine
    join = " ".join
    value: Any
    received_at: datetime | None
    closed_at: datetime | None
    responded_at: datetime | None

    for row_no, row in sheet.rows():
        n = len(row)

        # order number
        value = row[i_order] if i_order < n else ""
        cls = value.__class__
        if cls is str_:
            order_no = value.strip()
            if ("E+" in order_no or "e+" in order_no) and _SCIENTIFIC.fullmatch(order_no):
                yield RowProblem(row_no, label["order_no"], order_no, R_ORDER_MANGLED)
                continue
        elif cls is float_:
            if value.is_integer() and value < 1e15:
                order_no = str(int(value))
            else:  # past 15 digits Excel has already rounded the number: the real one is lost
                yield RowProblem(row_no, label["order_no"], repr(value), R_ORDER_MANGLED)
                continue
        else:
            order_no = text(value)
        if not order_no:
            yield RowProblem(row_no, label["order_no"], "", R_ORDER_EMPTY)
            continue
        if len(order_no) > ORDER_NO_MAX:
            yield RowProblem(row_no, label["order_no"], _display(order_no), R_ORDER_LONG)
            continue

        # received time
        value = row[i_received] if i_received < n else ""
        if value.__class__ is datetime_ and value.tzinfo is None:  # calamine's usual cell: skip the call
            received_at = combine(value, value.time(), tz)
        else:
            try:
                received_at = when(value, tz)
            except ValueError:
                yield RowProblem(row_no, label["received_at"], _display(value), R_DATE_BAD)
                continue
            if received_at is None:
                yield RowProblem(row_no, label["received_at"], "", R_DATE_EMPTY)
                continue

        # texts: whitespace runs (newlines, full-width spaces) become one space
        value = row[i_content] if i_content < n else ""
        content = join(value.split()) if value.__class__ is str_ else text(value)
        value = row[i_address] if i_address < n else ""
        address = join(value.split()) if value.__class__ is str_ else text(value)
        if not content and not address:
            yield RowProblem(row_no, no_text_column, "", R_NO_TEXT)
            continue
        if len(content) > m_content:
            content = content[:m_content]
        if len(address) > m_address:
            address = address[:m_address]
        value = row[i_category] if i_category < n else ""
        category = (join(value.split()) if value.__class__ is str_ else text(value))[:m_category]
        value = row[i_unit] if i_unit < n else ""
        handling_unit = (join(value.split()) if value.__class__ is str_ else text(value))[:m_unit]
        value = row[i_urgency] if i_urgency < n else ""
        urgency = (join(value.split()) if value.__class__ is str_ else text(value))[:m_urgency]

        # optional times
        value = row[i_closed] if i_closed < n else ""
        if value.__class__ is datetime_ and value.tzinfo is None:
            closed_at = combine(value, value.time(), tz)
        else:
            try:
                closed_at = when(value, tz) if value != "" else None
            except ValueError:
                yield RowProblem(row_no, label["closed_at"], _display(value), R_DATE_BAD)
                continue
        if closed_at is not None and closed_at < received_at:
            yield RowProblem(row_no, label["closed_at"], _display(value), R_CLOSED_EARLY)
            continue
        value = row[i_responded] if i_responded < n else ""
        if value.__class__ is datetime_ and value.tzinfo is None:
            responded_at = combine(value, value.time(), tz)
        else:
            try:
                responded_at = when(value, tz) if value != "" else None
            except ValueError:
                yield RowProblem(row_no, label["responded_at"], _display(value), R_DATE_BAD)
                continue

        # codes
        value = row[i_resolved] if i_resolved < n else ""
        if value.__class__ is bool:
            resolved: bool | None = value
        else:
            key = value.strip().lower() if value.__class__ is str_ else text(value)
            found = resolved_map.get(key, _MISSING)
            if found is _MISSING:
                yield RowProblem(row_no, label["resolved"], _display(value), R_RESOLVED_BAD)
                continue
            resolved = found  # type: ignore[assignment]
        value = row[i_satisfaction] if i_satisfaction < n else ""
        key = "".join(value.split()) if value.__class__ is str_ else text(value)  # "满 意" too
        satisfaction = satisfaction_map.get(key)
        if satisfaction is None:
            yield RowProblem(row_no, label["satisfaction"], _display(value), R_SATISFACTION_BAD)
            continue

        yield ParsedRow(row_no, order_no, received_at, content, category, address, handling_unit, closed_at,
                        resolved, satisfaction, urgency, responded_at)


# ---------------------------------------------------------------------------------------------------- errors

_PROBLEM_HEADERS = {"zh": ("行号", "列", "值", "原因"), "en": ("Row", "Column", "Value", "Reason")}
_XLSX_MAX_ROWS = 1_048_576
_XLSX_MAX_TEXT = 32_767


def write_problems(problems: Iterable[RowProblem], path: str | Path, *, language: str = "zh") -> int:
    """Write the downloadable error file (xlsx); returns how many problems it holds.

    constant_memory streams rows to disk, so a million problems do not sit in memory twice. A sheet holds at
    most 1,048,575 problems; the rest are counted but not written."""
    english = not language.lower().startswith("zh")
    headers = _PROBLEM_HEADERS["en" if english else "zh"]
    workbook = exports.xlsx_workbook(path, constant_memory=True)
    try:
        sheet = workbook.add_worksheet("Errors" if english else "导入错误")
        bold = workbook.add_format({"bold": True})
        for col, (title, width) in enumerate(zip(headers, (8, 16, 30, 50), strict=True)):
            sheet.set_column(col, col, width)
            sheet.write_string(0, col, title, bold)
        sheet.freeze_panes(1, 0)
        count = 0
        with override("en" if english else "zh-hans"):
            for count, problem in enumerate(problems, start=1):
                if count >= _XLSX_MAX_ROWS:
                    continue
                sheet.write_number(count, 0, problem.row_no)
                # write_string, never write(): a value starting with "=" must stay text, not become a formula
                sheet.write_string(count, 1, str(problem.column)[:_XLSX_MAX_TEXT])
                sheet.write_string(count, 2, str(problem.value)[:_XLSX_MAX_TEXT])
                sheet.write_string(count, 3, str(problem.reason)[:_XLSX_MAX_TEXT])
    finally:
        workbook.close()
    return count
