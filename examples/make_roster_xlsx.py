"""Writes examples/roster.xlsx: a roster as an office would type it in a spreadsheet, under the
Chinese headers 姓名, 单位, 证号 (examples/roster.csv shows the English ones). Fictional names.

    .venv/bin/python examples/make_roster_xlsx.py
"""

from pathlib import Path

import openpyxl

ROWS = [
    ("姓名", "单位", "证号"),
    ("孙八", "示例市示例局", "DEMO-0004"),
    ("周九", "示例市示例局", "DEMO-0005"),
    ("吴十", "示例市示例局第二分局", None),
]


def main() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "名单"
    for row in ROWS:
        sheet.append(row)
    workbook.save(Path(__file__).parent / "roster.xlsx")


if __name__ == "__main__":
    main()
