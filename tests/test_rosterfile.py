"""Tests for service.domain.rosterfile: reading uploaded .csv and .xlsx rosters (directly, and the
attacks on it through the HTTP API), and the CSV export that re-imports."""

import functools
import io
import os
import time
import zipfile

import pytest

from service.domain import rosterfile
from service.domain.rosterfile import RosterFileError, read_roster, spreadsheet_safe
from tests import builders
from tests.builders import post_notice


def xlsx_bytes(*rows) -> bytes:
    return builders.xlsx_bytes(rows)


def roster_errors(data: bytes, filename: str = "roster.csv") -> dict[str, list[str]]:
    with pytest.raises(RosterFileError) as caught:
        read_roster(data, filename)
    return caught.value.errors


def test_csv_rows_are_returned_in_file_order():
    data = b"name,organization,credential_no\nLi Si,Xinhua,A1\nZhang San,,\n"
    assert read_roster(data, "roster.csv") == [
        {"name": "Li Si", "organization": "Xinhua", "credential_no": "A1", "line": 2},
        {"name": "Zhang San", "organization": None, "credential_no": None, "line": 3},
    ]


def test_optional_columns_may_be_absent():
    assert read_roster(b"name\nLi Si\n", "roster.csv") == [
        {"name": "Li Si", "organization": None, "credential_no": None, "line": 2}
    ]


def test_utf8_csv_with_bom_is_read():
    data = "\ufeffname,organization\n张三,新华社\n".encode()
    assert read_roster(data, "roster.csv")[0] == {
        "name": "张三",
        "organization": "新华社",
        "credential_no": None,
        "line": 2,
    }


def test_gb18030_csv_is_read():
    data = "姓名,工作单位,新闻记者证号\n张三,人民日报,11001\n".encode("gb18030")
    assert read_roster(data, "roster.csv") == [
        {"name": "张三", "organization": "人民日报", "credential_no": "11001", "line": 2}
    ]


def test_undecodable_csv_is_a_file_error():
    assert "file" in roster_errors(b"name\n\xff\xff\xff\xff\n")


def test_suffix_is_case_insensitive():
    assert read_roster(b"name\nLi Si\n", "ROSTER.CSV")[0]["name"] == "Li Si"


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("姓名", "name"),
        ("单位", "organization"),
        ("工作单位", "organization"),
        ("证号", "credential_no"),
        ("记者证号", "credential_no"),
        ("新闻记者证号", "credential_no"),
        (" Name ", "name"),
        ("CREDENTIAL_NO", "credential_no"),
    ],
)
def test_chinese_and_differently_cased_headers_are_accepted(header, field):
    columns = f"{header},姓名" if field != "name" else header
    cells = "X,张三" if field != "name" else "X"
    row = read_roster(f"{columns}\n{cells}\n".encode(), "roster.csv")[0]
    assert row[field] == "X"


def test_xlsx_rows_are_read_from_the_first_sheet():
    data = xlsx_bytes(["姓名", "单位", "证号"], ["张三", "新华社", "A-1"])
    assert read_roster(data, "roster.xlsx") == [
        {"name": "张三", "organization": "新华社", "credential_no": "A-1", "line": 2}
    ]


def test_xlsx_numeric_credential_has_no_decimal_point():
    data = xlsx_bytes(["name", "credential_no"], ["A", 110123.0], ["B", 42], ["C", 1.5])
    assert [row["credential_no"] for row in read_roster(data, "roster.xlsx")] == [
        "110123",
        "42",
        "1.5",
    ]


def test_blank_rows_are_skipped_but_still_counted_for_line_numbers():
    data = b"name\nA\n\n , \n\nB\n"
    assert [(row["name"], row["line"]) for row in read_roster(data, "r.csv")] == [
        ("A", 2), ("B", 6)]


def test_blank_xlsx_rows_are_skipped():
    data = xlsx_bytes(["name"], ["A"], [None], ["  "], ["B"])
    assert [row["name"] for row in read_roster(data, "roster.xlsx")] == ["A", "B"]


def test_bad_names_are_reported_by_line_number():
    data = "name,organization\n,X\n{}\nok\nbad\u200bname\n".format("a" * 65).encode()
    errors = roster_errors(data)
    assert set(errors) == {"rows.2.name", "rows.3.name", "rows.5.name"}
    assert errors["rows.2.name"] == ["name is empty"]
    assert "64" in errors["rows.3.name"][0]
    assert "control" in errors["rows.5.name"][0]


def test_bad_optional_cells_are_reported_by_column():
    data = "name,organization,credential_no\nA,{},{}\n".format("o" * 201, "c" * 65).encode()
    assert set(roster_errors(data)) == {"rows.2.organization", "rows.2.credential_no"}


def test_value_under_no_header_is_an_error():
    assert roster_errors(b"name\nA,extra\n") == {"rows.2": ["value in a column with no header"]}


def test_missing_name_column_is_a_file_error():
    errors = roster_errors(b"organization\nXinhua\n")
    assert list(errors) == ["file"]
    assert "missing column 'name'" in errors["file"][0]


def test_unknown_column_is_a_file_error():
    errors = roster_errors(b"name,phone\nA,123\n")
    assert list(errors) == ["file"]
    assert "unknown column 'phone'" in errors["file"][0]


def test_duplicate_column_is_a_file_error():
    assert "duplicate column" in roster_errors("name,姓名\nA,B\n".encode())["file"][0]


@pytest.mark.parametrize("filename", ["roster.xls", "roster.txt", "roster", ""])
def test_unsupported_suffix_is_a_file_error(filename):
    errors = roster_errors(b"name\nA\n", filename)
    assert list(errors) == ["file"]
    assert "use .csv or .xlsx" in errors["file"][0]


@pytest.mark.parametrize("data", [b"", b"not a zip", xlsx_bytes(["name"], ["A"])[:200]])
def test_corrupt_xlsx_is_a_file_error(data):
    assert roster_errors(data, "roster.xlsx") == {"file": ["not a readable .xlsx workbook"]}


@pytest.mark.parametrize(("data", "filename"), [(b"", "roster.csv"), (xlsx_bytes(), "r.xlsx")])
def test_empty_file_is_a_file_error(data, filename):
    assert roster_errors(data, filename) == {"file": ["file is empty"]}


def test_header_without_rows_is_a_file_error():
    assert roster_errors(b"name\n\n\n") == {"file": ["no rows"]}


def test_errors_stop_being_collected_after_100():
    data = b"name\n" + b"\n".join(b"x" * 65 for _ in range(150)) + b"\n"
    errors = roster_errors(data)
    assert errors["file"] == ["too many errors, first 100 shown"]
    assert len(errors) == 101
    assert "rows.101.name" in errors and "rows.102.name" not in errors


# --- encodings ----------------------------------------------------------------------------------

SAVE_AS_UTF8 = "save it as UTF-8 CSV (Excel: Save As → CSV UTF-8)"


@pytest.mark.parametrize("text", [
    "name\n山田太郎\n",  # GBK would read 嶳揷懢榊
    "name\n林翔\n",  # 翔 lands on a common GBK character, 林 does not
    "name,organization\n山田太郎,朝日新聞\n佐藤花子,読売新聞\n",
    "name\nさくら\n",
])
def test_shift_jis_csv_is_refused_never_misread(text):
    assert roster_errors(text.encode("shift_jis")) == {
        "file": [f"could not tell the file's encoding; {SAVE_AS_UTF8}"]}


@pytest.mark.parametrize(("text", "names"), [
    ("姓名,工作單位\n張三,聯合報\n陳美玲,中國時報\n", ["張三", "陳美玲"]),
    ("姓名\n張三\n", ["張三"]),
    ("name\n陳美玲\n", ["陳美玲"]),
    ("name\n林志玲\n", ["林志玲"]),
])
def test_big5_csv_is_read_as_big5(text, names):
    assert [row["name"] for row in read_roster(text.encode("big5"), "r.csv")] == names


@pytest.mark.parametrize(("text", "names"), [
    # Short files: charset-normalizer 3.5.3 misreads all five (UTF-16, Big5, CP949).
    ("name\n刘东\n", ["刘东"]),
    ("name\n张三\n", ["张三"]),
    ("name\n胡春民\n", ["胡春民"]),
    ("姓名\n王喆\n", ["王喆"]),  # 喆 is outside GB2312: most characters, not all, must be common
    ("name\n李白\n", ["李白"]),  # also valid Big5 (燠啞): the likelier reading wins
    ("姓名,工作单位,新闻记者证号\n张三,人民日报,11001\n", ["张三"]),
])
def test_short_gbk_csv_is_still_read_as_gbk(text, names):
    assert [row["name"] for row in read_roster(text.encode("gbk"), "r.csv")] == names


def test_utf8_with_bom_is_read_whatever_it_holds():
    assert read_roster("\ufeffname\n山田太郎\n".encode(), "r.csv")[0]["name"] == "山田太郎"


@pytest.mark.parametrize("data", [
    "name\nJosé Müller\n".encode("latin-1"),
    "name\nLi Si\n".encode("utf-16"),
])
def test_other_encodings_are_refused_with_save_as_utf8(data):
    assert roster_errors(data) == {"file": [f"could not tell the file's encoding; {SAVE_AS_UTF8}"]}


# --- bounded work: rows -------------------------------------------------------------------------

def test_a_name_after_a_long_run_of_blank_rows_is_refused(monkeypatch):
    monkeypatch.setattr(rosterfile, "MAX_BLANK_RUN", 3)
    assert read_roster(b"name\nA\n\n\n\nB\n", "r.csv")  # three blank rows pass
    assert roster_errors(b"name\nA\n\n\n\n\nB\n") == {"rows.7": [
        "comes after 4 blank rows (more than 3 in a row are refused); delete the blank rows"]}


def test_trailing_blank_rows_are_ignored(monkeypatch):
    monkeypatch.setattr(rosterfile, "MAX_BLANK_RUN", 3)
    assert len(read_roster(b"name\nA\n" + b"\n" * 50, "r.csv")) == 1


def test_too_many_rows_is_a_file_error(monkeypatch):
    monkeypatch.setattr(rosterfile, "MAX_ROWS", 2)
    assert read_roster(b"name\nA\nB\n", "roster.csv")
    assert roster_errors(b"name\nA\nB\nC\n") == {"file": ["more than 2 rows; split the file"]}


def test_reading_stops_when_the_time_budget_is_spent():
    with pytest.raises(RosterFileError) as caught:
        read_roster(b"name\nA\n", "r.csv", seconds=0)
    assert caught.value.errors == {
        "file": ["reading the file took more than 0 s; split it into smaller files"]}
    assert read_roster(b"name\nA\n", "r.csv", seconds=60)


# --- bounded work: crafted workbooks ------------------------------------------------------------

SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRINGS_TYPE = ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MIB = 1024 * 1024


def cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def crafted_xlsx(sheet_data: str, *, dimension: str = "A1:C3", shared_strings=None,
                 parts: dict | None = None) -> bytes:
    """A workbook openpyxl made, with the sheet's rows and declared dimension replaced;
    `shared_strings` (the part's byte chunks, streamed into the zip) and `parts` (name →
    bytes, or a list of byte chunks) are added."""
    made = zipfile.ZipFile(io.BytesIO(xlsx_bytes(["name"])))
    parts = dict(parts or {})
    if shared_strings is not None:
        parts[STRINGS] = shared_strings
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in made.namelist():
            data = made.read(name)
            if name == SHEET:
                data = (f'<worksheet xmlns="{MAIN_NS}"><dimension ref="{dimension}"/>'
                        f"<sheetData>{sheet_data}</sheetData></worksheet>").encode()
            elif name == "[Content_Types].xml" and shared_strings is not None:
                data = data.replace(b"</Types>", STRINGS_TYPE.encode() + b"</Types>")
            archive.writestr(name, parts.pop(name, data))
        for name, content in parts.items():
            with archive.open(name, "w") as part:
                for chunk in [content] if isinstance(content, bytes) else content:
                    part.write(chunk)
    return out.getvalue()


def strings_table(*chunks: bytes) -> list[bytes]:
    """A shared-strings part around chunks of <si> elements."""
    return [f'<sst xmlns="{MAIN_NS}">'.encode(), *chunks, b"</sst>"]


def repeated(chunk: bytes, total: int) -> list[bytes]:
    """`total` bytes of `chunk` repeated, as a few large pieces."""
    piece = chunk * (MIB // len(chunk))
    return [piece] * (total // len(piece))


@functools.cache
def dimension_bomb() -> bytes:
    """5 KB: declares every cell of the sheet in use and holds one in Excel's last row."""
    return crafted_xlsx(f'<row r="1">{cell("A1", "name")}</row>'
                        f'<row r="1048576">{cell("A1048576", "X")}</row>',
                        dimension="A1:XFD1048576")


@functools.cache
def shared_strings_bomb() -> bytes:
    """A small zip whose shared-strings table unpacks to 80 MiB of one-letter strings."""
    return crafted_xlsx('<row r="1"><c r="A1" t="s"><v>0</v></c></row>',
                        shared_strings=strings_table(*repeated(b"<si><t>x</t></si>", 80 * MIB)))


@functools.cache
def member_bomb() -> bytes:
    """A picture that unpacks to 256 MiB of zeros (openpyxl would not even read it)."""
    return crafted_xlsx(f'<row r="1">{cell("A1", "name")}</row><row r="2">{cell("A2", "X")}</row>',
                        parts={"xl/media/image1.png": repeated(b"\0", 256 * MIB)})


def test_a_crafted_workbook_within_the_limits_is_read():
    # The attacks below are built the same way: their refusal is for what they hold.
    strings = strings_table(b"<si><t>name</t></si><si><t>Li Si</t></si>")
    data = crafted_xlsx('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
                        '<row r="3"><c r="A3" t="s"><v>1</v></c></row>', shared_strings=strings)
    assert read_roster(data, "r.xlsx") == [
        {"name": "Li Si", "organization": None, "credential_no": None, "line": 3}]
    data = crafted_xlsx('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
                        f'<row r="3"><c r="A3" t="s"><v>1</v></c>{cell("B3", "stray")}</row>',
                        shared_strings=strings)
    assert roster_errors(data, "r.xlsx") == {"rows.3": ["value in a column with no header"]}


def test_dimension_bomb_is_refused_fast():
    data = dimension_bomb()
    assert len(data) < 5000
    started = time.monotonic()
    assert roster_errors(data, "r.xlsx") == {"rows.1048576": [
        "comes after 1,048,574 blank rows (more than 10,000 in a row are refused); "
        "delete the blank rows"]}
    assert time.monotonic() - started < 10  # without the fixes: about 25 minutes


def test_rows_past_excels_last_row_are_refused():
    data = crafted_xlsx(f'<row r="1">{cell("A1", "name")}</row><row r="2">{cell("A2", "A")}</row>'
                        f'<row r="99999999999">{cell("A99999999999", "X")}</row>')
    assert roster_errors(data, "r.xlsx") == {
        "file": ["the sheet has rows past Excel's last row (1048576)"]}


def test_a_wide_row_costs_no_padding_and_columns_past_z_are_not_read():
    # Each row holds a cell in column XFD (16,384): padded, 20,000 rows would be 327 M cells.
    rows = "".join(f'<row r="{n}">{cell(f"A{n}", f"N{n}")}{cell(f"XFD{n}", "x")}</row>'
                   for n in range(2, 20_002))
    data = crafted_xlsx(f'<row r="1">{cell("A1", "name")}</row>{rows}', dimension="A1:XFD20001")
    started = time.monotonic()
    assert len(read_roster(data, "r.xlsx")) == 20_000
    assert time.monotonic() - started < 10


def test_workbook_unpacking_past_the_limit_is_refused_before_parsing():
    for data in (shared_strings_bomb(), member_bomb()):
        assert roster_errors(data, "r.xlsx") == {"file": [
            "the workbook unpacks to more than 64 MiB; keep only the roster in it, "
            "or save it as CSV"]}


def test_too_many_shared_strings_are_refused_while_counting():
    # Distinct strings, so the part is not suspiciously compressible: only the count stops it.
    strings = strings_table("".join(f"<si><t>{n}</t></si>" for n in range(500_001)).encode())
    data = crafted_xlsx('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', shared_strings=strings)
    started = time.monotonic()
    assert roster_errors(data, "r.xlsx") == {"file": [
        "the workbook holds more than 500,000 distinct texts; keep only the roster in it"]}
    assert time.monotonic() - started < 10


def test_entity_expansion_in_shared_strings_is_refused():
    # Ten levels of ten: a billion letters, which expat (2.4 and later) refuses to expand.
    entities = '<!ENTITY e0 "xxxxxxxxxx">' + "".join(
        f'<!ENTITY e{level} "{f"&e{level - 1};" * 10}">' for level in range(1, 10))
    table = (f'<!DOCTYPE sst [{entities}]><sst xmlns="{MAIN_NS}">'
             "<si><t>name</t></si><si><t>&e9;</t></si></sst>").encode()
    data = crafted_xlsx('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
                        '<row r="2"><c r="A2" t="s"><v>1</v></c></row>', shared_strings=[table])
    started = time.monotonic()
    assert roster_errors(data, "r.xlsx") == {"file": ["not a readable .xlsx workbook"]}
    assert time.monotonic() - started < 10


def test_a_part_compressed_like_a_zip_bomb_is_refused():
    data = crafted_xlsx(f'<row r="1">{cell("A1", "name")}</row>',
                        parts={"xl/comments1.xml": repeated(b" ", 2 * MIB)})
    assert roster_errors(data, "r.xlsx") == {"file": [
        "part 'xl/comments1.xml' of the workbook is compressed more than 100-fold, "
        "which no spreadsheet needs"]}


def test_a_large_part_parsed_whole_is_refused():
    # Random text compresses about 2-fold: only the size limit on the styles stops it.
    noise = os.urandom(3 * MIB).hex().encode()
    made = zipfile.ZipFile(io.BytesIO(xlsx_bytes(["name"], ["A"])))
    styles = made.read("xl/styles.xml").replace(b"</styleSheet>",
                                                b"<!-- " + noise + b" --></styleSheet>")
    data = crafted_xlsx(f'<row r="1">{cell("A1", "name")}</row>',
                        parts={"xl/styles.xml": styles})
    assert roster_errors(data, "r.xlsx") == {"file": [
        "part 'xl/styles.xml' of the workbook is larger than 4 MiB"]}


# --- export -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "+李四", "=SUM(A1)", "@x", "-王", "'t Hooft", "'+x", "''", "'", "a'+b", "plain",
])
def test_exported_cells_are_safe_and_read_back_as_they_were(text):
    assert not spreadsheet_safe(text).startswith(rosterfile.FORMULA_STARTS)
    exported = rosterfile.roster_csv([{"name": text, "organization": text, "credential_no": None}])
    assert read_roster(exported.encode(), "r.csv") == [
        {"name": text, "organization": text, "credential_no": None, "line": 2}]


# --- through the HTTP API -----------------------------------------------------------------------

NOTICE = {"title": "核验人员名单公示", "category": "press_credential_verification",
          "issuer": "中国电子报", "roster": [{"name": "张心怡"}]}


def upload(client, token, notice_id, filename, data, **extra):
    files = [("file", (filename, data, XLSX_TYPE if filename.endswith("xlsx") else "text/csv"))]
    files += [("file", part) for part in extra.get("more", [])]
    return client.post(f"/api/v1/notices/{notice_id}/roster:import", files=files, token=token)


def staff_roster(client, tokens, notice_id) -> list[tuple]:
    response = client.get(f"/api/v1/notices/{notice_id}/roster", params={"page_size": 100},
                          token=tokens["editor"])
    assert response.status_code == 200, response.text
    return [(e["name"], e["organization"], e["credential_no"]) for e in response.json()["items"]]


def assert_refused(response, status: int = 422) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    return response.json()["errors"]


@pytest.mark.parametrize("attack", [dimension_bomb, shared_strings_bomb, member_bomb])
def test_spreadsheet_attacks_are_refused_fast_and_change_nothing(client, tokens, attack):
    notice = post_notice(client, tokens, NOTICE)
    data = attack()
    started = time.monotonic()
    errors = assert_refused(upload(client, tokens["editor"], notice["id"], "r.xlsx", data))
    assert time.monotonic() - started < 10
    assert list(errors) in (["file"], ["rows.1048576"])
    assert staff_roster(client, tokens, notice["id"]) == [("张心怡", None, None)]


def test_import_over_the_time_budget_is_refused_and_changes_nothing(app, client, tokens):
    notice = post_notice(client, tokens, NOTICE)
    app.config["ROSTER_IMPORT_SECONDS"] = 0
    errors = assert_refused(upload(client, tokens["editor"], notice["id"], "r.csv", b"name\nA\n"))
    assert errors == {"file": ["reading the file took more than 0 s; split it into smaller files"]}
    assert staff_roster(client, tokens, notice["id"]) == [("张心怡", None, None)]


def test_a_second_file_part_is_refused(client, tokens):
    notice = post_notice(client, tokens, NOTICE)
    response = upload(client, tokens["editor"], notice["id"], "a.csv", b"name\nA\n",
                      more=[("b.csv", b"name\nB\n", "text/csv")])
    assert assert_refused(response) == {"file": ["send one file, not 2"]}
    assert staff_roster(client, tokens, notice["id"]) == [("张心怡", None, None)]


@pytest.mark.parametrize("filename", ["r.xls", "r.txt", "roster"])
def test_an_unknown_file_type_is_refused(client, tokens, filename):
    notice = post_notice(client, tokens, NOTICE)
    errors = assert_refused(upload(client, tokens["editor"], notice["id"], filename, b"name\nA\n"))
    assert list(errors) == ["file"] and "use .csv or .xlsx" in errors["file"][0]


def test_shift_jis_upload_is_refused_and_big5_is_read(client, tokens):
    notice = post_notice(client, tokens, NOTICE)
    sjis = "name\n山田太郎\n".encode("shift_jis")
    errors = assert_refused(upload(client, tokens["editor"], notice["id"], "r.csv", sjis))
    assert "UTF-8" in errors["file"][0]
    big5 = "姓名,工作單位\n陳美玲,聯合報\n".encode("big5")
    assert upload(client, tokens["editor"], notice["id"], "r.csv", big5).status_code == 201
    assert staff_roster(client, tokens, notice["id"]) == [("张心怡", None, None),
                                                          ("陳美玲", "聯合報", None)]


def test_duplicate_rows_in_a_file_are_refused_by_line(client, tokens):
    notice = post_notice(client, tokens, NOTICE)
    errors = assert_refused(upload(client, tokens["editor"], notice["id"], "r.csv",
                                   "name\n李四\n\n李四\n".encode()))
    assert errors == {"rows.4.name": ["duplicate of rows.2"]}


def test_namesakes_told_apart_by_organisation_import_from_a_file(client, tokens):
    notice = post_notice(client, tokens, NOTICE)
    data = "姓名,单位,证号\n王伟,新华社,\n王伟,人民日报,\n王伟,,B1\n".encode()
    assert upload(client, tokens["editor"], notice["id"], "r.csv", data).status_code == 201
    assert staff_roster(client, tokens, notice["id"])[1:] == [
        ("王伟", "新华社", None), ("王伟", "人民日报", None), ("王伟", None, "B1")]


def test_exported_csv_imports_into_the_same_entries(client, tokens):
    entries = [{"name": "+李四", "organization": "=SUM(A1)", "credential_no": "-123"},
               {"name": "=SUM(A1)", "organization": "@x", "credential_no": "+86 10"},
               {"name": "@x", "organization": "-王", "credential_no": None},
               {"name": "-王", "organization": None, "credential_no": "'=1"},
               {"name": "'t Hooft", "organization": "'+李四", "credential_no": "@1"},
               {"name": "张心怡", "organization": "新华社", "credential_no": "B11000001"}]
    source = post_notice(client, tokens, {**NOTICE, "roster": entries})
    exported = client.get(f"/api/v1/notices/{source['id']}/roster.csv", token=tokens["editor"])
    assert exported.status_code == 200
    assert "\n+" not in exported.text and ",=" not in exported.text  # still safe in Excel
    target = post_notice(client, tokens, {**NOTICE, "roster": []})
    response = upload(client, tokens["editor"], target["id"], "r.csv", exported.content)
    assert response.status_code == 201, response.text
    assert staff_roster(client, tokens, target["id"]) == \
        staff_roster(client, tokens, source["id"]) == \
        [(e["name"], e["organization"], e["credential_no"]) for e in entries]
