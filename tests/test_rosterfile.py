"""Tests for service.rosterfile: reading uploaded .csv and .xlsx rosters."""

import io

import openpyxl
import pytest

from service import rosterfile
from service.rosterfile import RosterFileError, read_roster


def xlsx_bytes(*rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


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
    data = b"name\nA\n\n , \n\nA\n"
    assert roster_errors(data) == {"rows.6.name": ["duplicate of row 2"]}


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


def test_duplicate_names_are_reported_after_cleaning():
    data = "name\nLi Si\nZhang\nＬｉ  Si\n".encode()
    assert roster_errors(data) == {"rows.4.name": ["duplicate of row 2"]}


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


def test_too_many_rows_is_a_file_error(monkeypatch):
    monkeypatch.setattr(rosterfile, "MAX_ROWS", 2)
    assert read_roster(b"name\nA\nB\n", "roster.csv")
    assert list(roster_errors(b"name\nA\nB\nC\n")) == ["file"]


def test_errors_stop_being_collected_after_100():
    data = b"name\n" + b"\n".join(b"x" * 65 for _ in range(150)) + b"\n"
    errors = roster_errors(data)
    assert errors["file"] == ["too many errors, first 100 shown"]
    assert len(errors) == 101
    assert "rows.101.name" in errors and "rows.102.name" not in errors
