"""Reading an uploaded roster (.csv or .xlsx) into clean rows, all or nothing, in bounded work."""

import csv
import io
import re
import time
import unicodedata
from collections.abc import Iterator, Sequence
from itertools import islice
from pathlib import PurePath
from xml.parsers import expat

from service.domain.errors import Invalid
from service.domain.names import OPTIONAL_MAX, clean_name, clean_optional

MIB = 1024 * 1024
MAX_ROWS = 100_000  # names per upload
MAX_ERRORS = 100
# A name after this many blank rows in a row is refused: such a gap is a stray cell or an attack
# (a sheet holding one cell in its last row), never a roster.
MAX_BLANK_RUN = 10_000
XLSX_LAST_ROW = 1_048_576  # Excel's own limit
XLSX_COLUMNS = 26  # columns A–Z are read; a roster has at most three
# Checked before a workbook is parsed. zipfile never unpacks a member past its declared size
# (it stops there and the CRC check fails), so the declared sizes are a true bound.
MAX_UNPACKED_BYTES = 64 * MIB
MAX_COMPRESSION_RATIO = 100  # per member, for members over 1 MiB
MAX_WHOLE_PART_BYTES = 4 * MIB  # XML parts openpyxl parses whole (styles, workbook…)
MAX_SHARED_STRINGS = 500_000
# openpyxl's SHEET_MAIN_NS, then the tag, as expat names it
SHARED_STRING_TAG = "http://schemas.openxmlformats.org/spreadsheetml/2006/main}si"

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
    # Traditional spellings, as a Big5 file from Taiwan or Hong Kong writes them.
    "單位": "organization",
    "工作單位": "organization",
    "證號": "credential_no",
    "記者證號": "credential_no",
    "新聞記者證號": "credential_no",
}
SAVE_AS_UTF8 = "save it as UTF-8 CSV (Excel: Save As → CSV UTF-8)"

Row = Sequence[object]


class RosterFileError(Invalid):
    """Problems found in an uploaded roster, keyed by field path."""

    summary = "The roster file has errors; nothing was imported."

    def __init__(self, errors: dict[str, list[str]]):
        field = next(iter(errors))
        super().__init__(field, "roster_file", errors[field][0])
        self.errors = errors


def file_error(message: str) -> RosterFileError:
    return RosterFileError({"file": [message]})


class Budget:
    """A wall-clock limit on reading one file; None means no limit."""

    def __init__(self, seconds: float | None):
        self.seconds = seconds
        self.ends_at = None if seconds is None else time.monotonic() + seconds

    def check(self) -> None:
        if self.ends_at is not None and time.monotonic() > self.ends_at:
            raise file_error(f"reading the file took more than {self.seconds:g} s; "
                             "split it into smaller files")


def read_roster(data: bytes, filename: str, seconds: float | None = None) -> list[dict]:
    """The roster's cleaned rows, in file order; RosterFileError listing every problem found.
    Reading stops with an error after `seconds`."""
    budget = Budget(seconds)
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".csv":
        rows = _csv_rows(data)
    elif suffix == ".xlsx":
        rows = _xlsx_rows(data, budget)
    else:
        raise file_error(f"unsupported file type {suffix or '(none)'!r}; use .csv or .xlsx")
    header = next(rows, None)
    if header is None:
        raise file_error("file is empty")
    return _clean_rows(_columns(header), rows, budget)


# --- CSV --------------------------------------------------------------------------------------

# What Excel writes for "CSV" on Chinese-locale Windows, tried in this order when the file is
# not UTF-8, each with the test for a character common in that encoding's region.
LEGACY_ENCODINGS = (
    ("gb18030", lambda char: _encodes(char, "gb2312")),  # GBK; GB2312 holds the common hanzi
    ("cp950", lambda char: 0xA440 <= int.from_bytes(char.encode("cp950")) <= 0xC67E),  # Big5
)
SAMPLE_CHARS = 100_000  # non-ASCII characters the decision is made on
ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _csv_rows(data: bytes) -> Iterator[Row]:
    reader = csv.reader(io.StringIO(_decode(data), newline=""))
    try:
        yield from reader
    except csv.Error as exc:
        raise file_error(f"not a readable CSV file (line {reader.line_num}): {exc}") from exc


def _decode(data: bytes) -> str:
    """The text of a UTF-8 file, or of a GBK or Big5 one when that reading is plausible.

    Bytes of one legacy encoding often decode without error in another into nonsense (Shift-JIS
    山田太郎 reads as GBK 嶳揷懢榊): a reading counts only if it holds no character a roster never
    has and most of its Chinese characters are common ones; the likelier reading wins, GBK on a
    tie. Detectors such as charset-normalizer guess wrong on files of one or two names."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    best, best_share = None, 0.5
    for encoding, is_common in LEGACY_ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        share = _common_share(text, is_common)
        if share > best_share:
            best, best_share = text, share
    if best is None:
        raise file_error(f"could not tell the file's encoding; {SAVE_AS_UTF8}")
    return best


def _common_share(text: str, is_common) -> float:
    """The share of Chinese characters that are common (in the first SAMPLE_CHARS beyond
    ASCII); 0 if the text holds a character no roster holds (control, private-use, unassigned,
    kana, hangul…)."""
    if ASCII_CONTROL.search(text):
        return 0.0
    chinese = common = 0
    for match in islice(NON_ASCII.finditer(text), SAMPLE_CHARS):
        char = match.group()
        if unicodedata.name(char, "").startswith("CJK UNIFIED IDEOGRAPH"):
            chinese += 1
            common += is_common(char)
        elif not (unicodedata.category(char)[0] in "PZNS" or "\uff00" <= char <= "\uffef"):
            return 0.0
    return common / chinese if chinese else 0.0


def _encodes(char: str, encoding: str) -> bool:
    try:
        char.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


# --- XLSX -------------------------------------------------------------------------------------

def _xlsx_rows(data: bytes, budget: Budget) -> Iterator[Row]:
    workbook = None
    try:
        workbook = _open_workbook(data, budget)
        sheet = workbook.worksheets[0]
        # The declared <dimension> is not trusted (a 5 KB file declaring A1:XFD1048576 would pad
        # every row to 16,384 cells): rows and columns are bounded here. openpyxl fills no rows
        # past max_row, so reaching it means the sheet goes past Excel's last row.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(max_row=XLSX_LAST_ROW + 1, max_col=XLSX_COLUMNS, values_only=True)
        for line, row in enumerate(rows, start=1):
            if line > XLSX_LAST_ROW:
                raise file_error(f"the sheet has rows past Excel's last row ({XLSX_LAST_ROW})")
            yield row
    except RosterFileError:
        raise
    # A damaged workbook fails in zipfile, the XML parser or openpyxl, with many exception types;
    # read-only mode parses lazily, so the failure can come at any row.
    except Exception as exc:
        raise file_error("not a readable .xlsx workbook") from exc
    finally:
        if workbook is not None:
            workbook.close()


def _open_workbook(data: bytes, budget: Budget):
    """The workbook in read-only mode, once its parts are known to unpack to a bounded size.
    Does what openpyxl.load_workbook does (checked against openpyxl 3.1.5), with the checks
    between reading the manifest and reading the rest."""
    # Imported here: openpyxl (6 MB) is needed for spreadsheet uploads only, not in every worker.
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.xml.constants import SHARED_STRINGS

    reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True)
    members = reader.archive.infolist()
    if sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
        raise file_error(f"the workbook unpacks to more than {MAX_UNPACKED_BYTES // MIB} MiB; "
                         "keep only the roster in it, or save it as CSV")
    for member in members:
        if member.file_size > MIB and \
                member.file_size > MAX_COMPRESSION_RATIO * member.compress_size:
            raise file_error(f"part {member.filename!r} of the workbook is compressed more than "
                             f"{MAX_COMPRESSION_RATIO}-fold, which no spreadsheet needs")
    reader.read_manifest()
    strings = reader.package.find(SHARED_STRINGS)
    strings_part = strings.PartName.lstrip("/") if strings is not None else None
    for member in members:
        # Sheets and shared strings are parsed as they stream; other XML parts are read whole.
        parsed_whole = member.filename.endswith((".xml", ".rels")) and not (
            member.filename == strings_part or member.filename.startswith("xl/worksheets/"))
        if parsed_whole and member.file_size > MAX_WHOLE_PART_BYTES:
            raise file_error(f"part {member.filename!r} of the workbook is larger than "
                             f"{MAX_WHOLE_PART_BYTES // MIB} MiB")
    if strings_part is not None:
        _check_shared_strings(reader.archive, strings_part, budget)
    budget.check()
    reader.read()
    return reader.wb


def _check_shared_strings(archive, part: str, budget: Budget) -> None:
    """Counts the workbook's shared strings as the XML streams by, stopping at the limit
    (openpyxl builds the whole list before the first row)."""
    count = 0

    def start(tag, _attributes):
        nonlocal count
        if tag == SHARED_STRING_TAG:
            count += 1
            if count > MAX_SHARED_STRINGS:
                raise file_error(f"the workbook holds more than {MAX_SHARED_STRINGS:,} "
                                 "distinct texts; keep only the roster in it")

    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartElementHandler = start
    with archive.open(part) as source:
        while chunk := source.read(MIB):
            parser.Parse(chunk, False)
            budget.check()
    parser.Parse(b"", True)


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


def _clean_rows(columns: list[str | None], rows: Iterator[Row], budget: Budget) -> list[dict]:
    """Rows cleaned field by field; duplicates are left to roster.clean_roster, which knows
    the rule for them and the names already on the roster."""
    records: list[dict] = []
    errors: dict[str, list[str]] = {}
    blank_run = 0
    # Each row costs the length of the row, not of the header: a CSV header of a million blank
    # cells must not make every short row that long.
    named = [(index, column) for index, column in enumerate(columns) if column is not None]
    # Line numbers are spreadsheet row numbers: the header is line 1.
    for line, cells in enumerate(rows, start=2):
        budget.check()
        if not _has_text(cells):
            blank_run += 1
            continue
        if blank_run > MAX_BLANK_RUN:
            raise RosterFileError({f"rows.{line}": [
                f"comes after {blank_run:,} blank rows (more than {MAX_BLANK_RUN:,} in a row are "
                "refused); delete the blank rows"]})
        blank_run = 0
        if len(records) == MAX_ROWS:
            raise file_error(f"more than {MAX_ROWS:,} rows; split the file")
        if any(column is None and _unquoted(_text(cell)).strip()
               for column, cell in zip(columns, cells, strict=False)
               ) or _has_text(cells[len(columns):]):
            errors[f"rows.{line}"] = ["value in a column with no header"]
        record: dict = {"name": None, "organization": None, "credential_no": None, "line": line}
        for index, column in named:
            text = _unquoted(_text(cells[index])) if index < len(cells) else ""
            try:
                if column == "name":
                    record[column] = clean_name(text)
                else:
                    record[column] = clean_optional(text, OPTIONAL_MAX[column])
            except ValueError as exc:
                errors[f"rows.{line}.{column}"] = [str(exc)]
        records.append(record)
        if len(errors) > MAX_ERRORS:
            errors = dict(islice(errors.items(), MAX_ERRORS))
            errors["file"] = [f"too many errors, first {MAX_ERRORS} shown"]
            break
    if errors:
        raise RosterFileError(errors)
    if not records:
        raise file_error("no rows")
    return records


def _has_text(cells: Row) -> bool:
    # count() first: the blank rows openpyxl fills gaps with are all None, and may be a million.
    return cells.count(None) != len(cells) and any(_text(cell).strip() for cell in cells)


# --- export -----------------------------------------------------------------------------------

# A cell starting with one of these is a formula to Excel and LibreOffice (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _is_quoted(text: str) -> bool:
    """Text with the leading apostrophe that spreadsheet_safe adds (and a spreadsheet shows)."""
    return text[:1] == "'" and text[1:2] in (*FORMULA_STARTS, "'")


def spreadsheet_safe(value: str | None) -> str:
    """The cell as text a spreadsheet will show, never evaluate: formulas get a leading quote,
    which the importer takes off again (so do texts that would otherwise lose one)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) or _is_quoted(text) else text


def _unquoted(text: str) -> str:
    """The cell as it was before spreadsheet_safe."""
    return text[1:] if _is_quoted(text) else text


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
