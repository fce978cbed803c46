"""Reading an uploaded roster (.csv or .xlsx) into clean rows, all or nothing."""

import csv
import io
from collections.abc import Iterator, Sequence
from itertools import islice, zip_longest
from pathlib import PurePath

import openpyxl

from service.folding import exact_key
from service.names import clean_name, clean_optional

MAX_ROWS = 100_000
MAX_ERRORS = 100

HEADERS = {
    "name": "name",
    "姓名": "name",
    "organization": "organization",
    "单位": "organization",
    "工作单位": "organization",
    "credential_no": "credential_no",
    "证号": "credential_no",
    "记者证号": "credential_no",
    "新闻记者证号": "credential_no",
}
OPTIONAL_MAX = {"organization": 200, "credential_no": 64}

Row = Sequence[object]


class RosterFileError(ValueError):
    """Problems found in an uploaded roster, keyed by field path."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


def read_roster(data: bytes, filename: str) -> list[dict]:
    """The roster's cleaned rows, in file order; RosterFileError listing every problem found."""
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".csv":
        rows = _csv_rows(data)
    elif suffix == ".xlsx":
        rows = _xlsx_rows(data)
    else:
        raise RosterFileError(
            {"file": [f"unsupported file type {suffix or '(none)'!r}; use .csv or .xlsx"]}
        )
    header = next(rows, None)
    if header is None:
        raise RosterFileError({"file": ["file is empty"]})
    return _clean_rows(_columns(header), rows)


def _csv_rows(data: bytes) -> Iterator[Row]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            # What Excel on a Chinese-locale Windows writes for "CSV".
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise RosterFileError(
                {"file": ["could not decode the file; save it as UTF-8 CSV"]}
            ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        yield from reader
    except csv.Error as exc:
        raise RosterFileError(
            {"file": [f"not a readable CSV file (line {reader.line_num}): {exc}"]}
        ) from exc


def _xlsx_rows(data: bytes) -> Iterator[Row]:
    workbook = None
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        yield from workbook.worksheets[0].iter_rows(values_only=True)
    # A damaged workbook fails in zipfile, the XML parser or openpyxl, with many exception types;
    # read-only mode parses lazily, so the failure can come at any row.
    except Exception as exc:
        raise RosterFileError({"file": ["not a readable .xlsx workbook"]}) from exc
    finally:
        if workbook is not None:
            workbook.close()


def _text(value: object) -> str:
    if value is None:
        return ""
    # Credential numbers typed into Excel come back as floats.
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _columns(header: Row) -> list[str | None]:
    """The field for each header position; None where the header cell is blank."""
    columns: list[str | None] = []
    problems = []
    for cell in header:
        label = _text(cell).strip()
        if not label:
            columns.append(None)
            continue
        field = HEADERS.get(label.lower())
        if field is None:
            problems.append(
                f"unknown column {label!r}; expected name, organization or credential_no"
            )
        elif field in columns:
            problems.append(f"duplicate column {label!r}")
        columns.append(field)
    if "name" not in columns:
        problems.insert(0, "missing column 'name' (or '姓名') in the first row")
    if problems:
        raise RosterFileError({"file": problems})
    return columns


def _clean_rows(columns: list[str | None], rows: Iterator[Row]) -> list[dict]:
    records: list[dict] = []
    errors: dict[str, list[str]] = {}
    first_line: dict[str, int] = {}
    # Line numbers are spreadsheet row numbers: the header is line 1.
    for line, cells in enumerate(rows, start=2):
        texts = [_text(cell) for cell in cells]
        if not any(text.strip() for text in texts):
            continue
        texts += [""] * (len(columns) - len(texts))
        if len(records) == MAX_ROWS:
            raise RosterFileError({"file": [f"more than {MAX_ROWS} rows; split the file"]})
        record: dict = {"name": None, "organization": None, "credential_no": None, "line": line}
        for column, text in zip_longest(columns, texts):
            if column is None:
                if text.strip():
                    errors.setdefault(f"rows.{line}", ["value in a column with no header"])
                continue
            try:
                if column == "name":
                    record[column] = clean_name(text)
                else:
                    record[column] = clean_optional(text, OPTIONAL_MAX[column])
            except ValueError as exc:
                errors[f"rows.{line}.{column}"] = [str(exc)]
        if record["name"] is not None:
            key = exact_key(record["name"])
            if key in first_line:
                errors[f"rows.{line}.name"] = [f"duplicate of row {first_line[key]}"]
            else:
                first_line[key] = line
        records.append(record)
        if len(errors) > MAX_ERRORS:
            errors = dict(islice(errors.items(), MAX_ERRORS))
            errors["file"] = [f"too many errors, first {MAX_ERRORS} shown"]
            break
    if errors:
        raise RosterFileError(errors)
    if not records:
        raise RosterFileError({"file": ["no rows"]})
    return records


# A cell starting with one of these is a formula to Excel and LibreOffice (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str | None) -> str:
    """The cell as text a spreadsheet will show, never evaluate: formulas get a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def roster_csv(entries: list[dict]) -> str:
    """Entries in order, as CSV with the columns read_roster accepts; BOM first so Excel
    reads UTF-8."""
    columns = ("name", "organization", "credential_no")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for entry in entries:
        writer.writerow([spreadsheet_safe(entry[column]) for column in columns])
    return "\ufeff" + out.getvalue()
