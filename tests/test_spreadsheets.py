"""Reading offices' spreadsheets in every form they come in, and writing
cells that cannot run as formulas."""

import io
import zipfile
from datetime import datetime

import pytest
from openpyxl import Workbook

from server import spreadsheets
from server.spreadsheets import UnreadableFile, cell, detect_encoding, read_table

CSV = "机构名称,地址\n舞梦艺术,董家村1号\n\n学信培训,  \n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_a_csv_reads_the_same_in_every_encoding_offices_use(encoding):
    table = read_table(io.BytesIO(CSV.encode(encoding)), "list.csv")

    assert table.encoding == encoding
    assert table.headers == ["机构名称", "地址"]
    # Blank rows are skipped; rows keep the numbers the spreadsheet shows.
    assert list(table.rows) == [(2, ["舞梦艺术", "董家村1号"]), (4, ["学信培训", ""])]


def test_an_xlsx_reads_its_first_sheet_with_numbers_and_dates_as_typed():
    book = Workbook()
    book.active.append(["机构名称", "学生数", "发证日期"])
    book.active.append(["舞梦艺术", 120.0, datetime(2025, 9, 1)])
    data = io.BytesIO()
    book.save(data)
    data.seek(0)

    table = read_table(data, "list.xlsx")

    assert table.headers == ["机构名称", "学生数", "发证日期"]
    assert list(table.rows) == [(2, ["舞梦艺术", "120", "2025-09-01"])]


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"PK\x03\x04 not really a workbook", "list.xlsx"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "list.xlsx"),
    ],
)
def test_a_file_that_is_no_spreadsheet_is_refused_with_what_is_accepted(content, name):
    with pytest.raises(UnreadableFile) as refused:
        read_table(io.BytesIO(content), name)

    assert "xlsx" in str(refused.value) and "GB18030" in str(refused.value)


def test_a_sample_cut_inside_a_character_is_still_utf8():
    text = "舞梦艺术".encode()

    assert detect_encoding(text[:-1]) == "utf-8"
    assert detect_encoding("舞梦艺术".encode("gb18030")) == "gb18030"


@pytest.mark.parametrize(
    "text", ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=1"]
)
def test_text_that_looks_like_a_formula_is_written_as_text(text):
    assert cell(text) == "'" + text


def test_other_values_are_written_as_they_are():
    assert cell("舞梦艺术") == "舞梦艺术"
    assert cell(5) == 5
    assert cell(None) is None


def _workbook(*rows: tuple) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_workbook_damaged_inside_is_refused_when_its_rows_are_read():
    """The zip's directory is whole, so the workbook opens; the sheet's own
    compressed data is altered, which shows only as its rows are read."""
    rows = [("名称", "学生人数")] + [(f"培训学校{n}", n) for n in range(2000)]
    data = bytearray(_workbook(*rows))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        sheet = archive.getinfo("xl/worksheets/sheet1.xml")
    start = sheet.header_offset + 30 + len(sheet.filename) + len(sheet.extra)
    middle = start + sheet.compress_size // 2
    data[middle : middle + 64] = bytes(64)

    with pytest.raises(UnreadableFile) as refused:
        table = read_table(io.BytesIO(bytes(data)), "list.xlsx")
        list(table.rows)

    assert "CSV" in str(refused.value)


def test_a_workbook_that_unpacks_to_too_much_is_refused_before_it_is_read(
    monkeypatch,
):
    monkeypatch.setattr(spreadsheets, "MAX_UNPACKED_BYTES", 1024 * 1024)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (2 * 1024 * 1024))
    assert bomb.tell() < 20_000  # two megabytes of nothing pack into a few KB

    with pytest.raises(UnreadableFile) as refused:
        read_table(io.BytesIO(bomb.getvalue()), "list.xlsx")

    assert "1 MB" in str(refused.value)


def test_a_sheet_carrying_an_entity_bomb_is_refused():
    data = io.BytesIO(_workbook(("名称",), ("舞梦艺术",)))
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c>'
        b"</row></sheetData></worksheet>"
    )
    rebuilt = io.BytesIO()
    with (
        zipfile.ZipFile(data) as original,
        zipfile.ZipFile(rebuilt, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for member in original.infolist():
            content = original.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":
                content = bomb
            archive.writestr(member, content)

    with pytest.raises(UnreadableFile):
        table = read_table(io.BytesIO(rebuilt.getvalue()), "list.xlsx")
        list(table.rows)
