"""The one way the platform writes spreadsheets and CSV files, so that residents' text stays text.

A description typed as ``=HYPERLINK(...)`` must never become a live formula in the spreadsheet of the cadre who
opens the export. Two rules, applied here and nowhere else:

- xlsx: every workbook is made by `xlsx_workbook`, with xlsxwriter's ``strings_to_formulas``,
  ``strings_to_numbers`` and ``strings_to_urls`` off, so `write()`/`write_row()` store a string as a string.
- CSV: every row goes through `csv_row`: a text cell beginning with = + - @ tab or carriage return gets a single
  quote in front (OWASP's rule for CSV injection); the csv module quotes embedded quotes and separators.

Framework-light: it imports no domain app (the response helpers use only django.http).
"""
from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from os import PathLike
from typing import IO, Any

import xlsxwriter
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"

# Never let xlsxwriter guess: a string that looks like a formula, a number or a link is written as a string.
_SAFE_XLSX = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}

# OWASP: cells starting with these are read as formulas (or hide one after a tab/CR) by spreadsheet programs.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def xlsx_workbook(target: str | PathLike | IO[bytes], **options: Any) -> xlsxwriter.Workbook:
    """A workbook writing to a path or a binary buffer; `options` are xlsxwriter's (``constant_memory``,
    ``remove_timezone`` ...) except the three string options, which are always off."""
    if not isinstance(target, str) and isinstance(target, PathLike):
        target = str(target)
    if hasattr(target, "write"):
        options.setdefault("in_memory", True)
    return xlsxwriter.Workbook(target, {**options, **_SAFE_XLSX})


def csv_cell(value: Any) -> Any:
    """A CSV cell made safe for spreadsheet programs; numbers, dates and None pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_row(row: Iterable[Any]) -> list[Any]:
    return [csv_cell(value) for value in row]


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can feed a generator."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Iterable[Any]], *, header: Iterable[str] | None = None,
              bom: bool = False) -> Iterator[str]:
    """The CSV one line at a time (header first, with a UTF-8 BOM when `bom`, so Excel reads it as UTF-8)."""
    writer = csv.writer(_Echo())
    first = True
    if header is not None:
        yield ("\ufeff" if bom else "") + writer.writerow(csv_row(header))
        first = False
    for row in rows:
        line = writer.writerow(csv_row(row))
        yield ("\ufeff" + line) if (first and bom) else line
        first = False


def csv_write(out: IO[str], rows: Iterable[Iterable[Any]], *, header: Iterable[str] | None = None) -> int:
    """Write the CSV to a text file opened by the caller (its encoding decides any BOM); returns the rows
    written, header not counted."""
    lines = csv_lines(rows, header=header)
    if header is not None:
        out.write(next(lines))
    count = 0
    for line in lines:
        out.write(line)
        count += 1
    return count


def csv_response(rows: Iterable[Iterable[Any]], *, header: Iterable[str], filename: str) -> StreamingHttpResponse:
    """A streamed CSV download (UTF-8 with BOM): rows are produced while the response is sent, so pass a
    generator over a queryset's iterator(), not a list."""
    response = StreamingHttpResponse(csv_lines(rows, header=header, bom=True), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def xlsx_response(content: bytes, *, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
