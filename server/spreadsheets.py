"""Reading the spreadsheets offices live in, a row at a time.

Offices send xlsx workbooks and CSV files, and Chinese CSV files come in
UTF-8 (with or without the byte-order mark Excel writes) or in GB18030, the
national encoding older software still writes. `read_table` takes any of
them and yields rows as lists of trimmed text, numbered as a spreadsheet
numbers them, without holding the file's rows in memory: a 50,000-row import
reads as lightly as a 50-row one.

Writing goes through `cell`, which keeps a text that a spreadsheet would
take for a formula (`=cmd|…`) from running when an export is opened.
"""

import codecs
import csv
import io
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from server.i18n import _

XLSX_MAGIC = b"PK\x03\x04"
SAMPLE_BYTES = 64 * 1024
# What a workbook may unpack to. A 50,000-row import is some tens of MB of
# XML; a zip bomb's few kilobytes would unpack to gigabytes and keep the
# reader busy for minutes.
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
# What a damaged workbook raises only once its rows are read: a member whose
# compressed data is cut or altered, XML that does not parse, or an entity
# bomb, which openpyxl refuses through defusedxml.
DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, OSError, SyntaxError, ValueError)
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class UnreadableFile(ValueError):
    """The file is not a spreadsheet xiaowai can read; the message says what is."""


@dataclass
class Table:
    """A sheet's header row, and an iterator over the rows below it."""

    headers: list[str]
    rows: Iterator[tuple[int, list[str]]]  # (the row's number, its cells)
    encoding: str | None = None  # for CSV files: how the file was decoded


def read_table(file: IO[bytes], filename: str = "") -> Table:
    """The first sheet of an xlsx workbook, or a CSV file, from `file`."""
    start = file.read(len(XLSX_MAGIC))
    file.seek(0)
    if start == XLSX_MAGIC or filename.lower().endswith(".xlsx"):
        return _read_xlsx(file)
    return _read_csv(file)


def _read_xlsx(file: IO[bytes]) -> Table:
    _refuse_a_bomb(file)
    try:
        book = load_workbook(file, read_only=True, data_only=True)
        rows = book.worksheets[0].iter_rows(values_only=True)
        headers = _cells(next(rows, ()))
    except (InvalidFileException, KeyError, IndexError, *DAMAGED):
        raise UnreadableFile(_not_a_spreadsheet()) from None

    def numbered() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, row in enumerate(rows, start=2):
                cells = _cells(row)
                if any(cells):
                    yield number, cells
        except DAMAGED:
            raise UnreadableFile(_damaged()) from None
        finally:
            book.close()

    return Table(headers, numbered())


def _refuse_a_bomb(file: IO[bytes]) -> None:
    """Refuses a workbook that says it unpacks to more than anyone imports;
    the sizes a zip declares bound what reading it unpacks."""
    try:
        with zipfile.ZipFile(file) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        raise UnreadableFile(_not_a_spreadsheet()) from None
    finally:
        file.seek(0)
    if unpacked > MAX_UNPACKED_BYTES:
        message = _(
            "This workbook unpacks to more than {megabytes} MB: split it into "
            "several files, or send it as CSV."
        )
        raise UnreadableFile(message.format(megabytes=MAX_UNPACKED_BYTES >> 20))


def _read_csv(file: IO[bytes]) -> Table:
    encoding = detect_encoding(file.read(SAMPLE_BYTES))
    file.seek(0)
    text = io.TextIOWrapper(file, encoding=encoding, newline="")
    try:
        reader = csv.reader(text)
        headers = _cells(next(reader, []))
    except (UnicodeDecodeError, csv.Error):
        raise UnreadableFile(_not_a_spreadsheet()) from None

    def numbered() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, row in enumerate(reader, start=2):
                cells = _cells(row)
                if any(cells):
                    yield number, cells
        except (UnicodeDecodeError, csv.Error):
            raise UnreadableFile(_not_a_spreadsheet()) from None

    return Table(headers, numbered(), encoding)


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with its mark or without), else GB18030.

    A sample cut in the middle of a character still counts as UTF-8: only
    its last few bytes may be incomplete.
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def _cells(row: Any) -> list[str]:
    return [_text(value) for value in row]


def _text(value: Any) -> str:
    """A cell as the office typed it: dates as dates, whole numbers without
    a trailing .0, and no surrounding space."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return (
            value.date().isoformat()
            if value.time() == datetime.min.time()
            else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _damaged() -> str:
    return _(
        "This workbook is damaged and cannot be read to its end: save it again "
        "from the spreadsheet program, or send it as CSV."
    )


def _not_a_spreadsheet() -> str:
    return _(
        "This file is not a spreadsheet xiaowai can read: send an xlsx workbook, "
        "or a CSV file in UTF-8 or GB18030."
    )


# --- writing ------------------------------------------------------------------------


def cell(value: Any) -> Any:
    """A value safe to write into a cell of an exported workbook.

    Text that starts like a formula is written with a leading apostrophe,
    which spreadsheets show as the text itself and never run.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    if isinstance(value, Decimal):
        return float(value)
    return value
