"""Records for tests, made and read through the API: the seed page's notice as a request body,
posting and publishing it, and reading back what the API shows."""

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import openpyxl

SHANGHAI = ZoneInfo("Asia/Shanghai")
SEED_TITLE = "《中国电子报》通过2023年度新闻记者证核验人员名单公示"


def notice_payload(**overrides) -> dict:
    """The seed page's notice as a POST body, without a roster; `overrides` replace fields."""
    payload = {
        "title": SEED_TITLE,
        "category": "press_credential_verification",
        "issuer": "中国电子报",
        "issued_on": "2024-01-26",
        "body": "经审核，现将通过2023年度新闻记者证核验人员名单予以公示。",
        "window": {"start": "2024-01-26", "end": "2024-02-05"},
        "contacts": [
            {"number": "010-83138953", "label": "举报电话"},
            {"number": "010-64081702"},
        ],
    }
    payload.update(overrides)
    return payload


def post_notice(client, tokens, payload: dict, *, publish: bool = False,
                role: str = "editor") -> dict:
    """POST a notice as `role` (201 expected); with `publish`, publish it too (200 expected)."""
    response = client.post("/api/v1/notices", json=payload, token=tokens[role])
    assert response.status_code == 201, response.text
    notice = response.json()
    if publish:
        response = client.post(f"/api/v1/notices/{notice['id']}/publish",
                               token=tokens["publisher"], json={"backdated": True})
        assert response.status_code == 200, response.text
        notice = response.json()
    return notice


def withdraw(client, tokens, notice_id: int, reason: str = "名单有误", *,
             role: str = "admin") -> None:
    """Withdraw a published notice (200 expected); as an admin unless `role` says otherwise,
    since only an admin withdraws a notice that has closed."""
    response = client.post(f"/api/v1/notices/{notice_id}/withdraw", json={"reason": reason},
                           token=tokens[role])
    assert response.status_code == 200, response.text


def publish_article(client, tokens, article_id: int) -> dict:
    """Publish a draft article as a publisher (200 expected); the article as it is then."""
    response = client.post(f"/api/v1/articles/{article_id}/publish", token=tokens["publisher"])
    assert response.status_code == 200, response.text
    return response.json()


def audit_events(client, tokens, notice_id: int, action: str) -> list[dict]:
    """The notice's audit events with `action`, as a publisher reads them."""
    response = client.get("/api/v1/audit", params={"entity": "notice", "entity_id": notice_id,
                                                   "action": action}, token=tokens["publisher"])
    assert response.status_code == 200, response.text
    return response.json()["items"]


def check(client, q: str) -> dict:
    """The public name check's answer for `q` (200 expected)."""
    response = client.get("/api/v1/names", params={"q": q})
    assert response.status_code == 200, response.text
    return response.json()


def today() -> date:
    """Today where the seed notices' windows are counted (Asia/Shanghai)."""
    return datetime.now(SHANGHAI).date()


def xlsx_bytes(rows) -> bytes:
    """A workbook whose first sheet holds `rows` (lists of cell values)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
