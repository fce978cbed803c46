"""A notice's roster over HTTP: order, paging, masking, adding, removing and file import."""

import hashlib
import json
import threading
from functools import partial

import pytest

from tests import builders
from tests.builders import audit_events, post_notice, xlsx_bytes
from tests.problems import assert_problem

NOTICES = "/api/v1/notices"
AUDIT = "/api/v1/audit"
ROSTER = [
    {"name": "王小明", "organization": "中国电子报社", "credential_no": "A11000012345"},
    {"name": "李娜", "organization": "中国电子报社", "credential_no": "A11000016789"},
    {"name": "张心怡", "organization": "中国电子报社", "credential_no": "A11000024680"},
]


notice_payload = partial(builders.notice_payload, roster=ROSTER)


def create(client, tokens, **overrides) -> dict:
    return post_notice(client, tokens, notice_payload(**overrides))


def create_published(client, tokens, **overrides) -> dict:
    return post_notice(client, tokens, notice_payload(**overrides), publish=True)


def roster(client, notice_id: int, token=None, **params) -> dict:
    response = client.get(f"{NOTICES}/{notice_id}/roster", params=params, token=token)
    assert response.status_code == 200, response.text
    return response.json()


def names(client, tokens, notice_id: int) -> list[tuple[int, str]]:
    items = roster(client, notice_id, token=tokens["editor"], page_size=100)["items"]
    return [(entry["position"], entry["name"]) for entry in items]


def upload(client, tokens, notice_id: int, filename: str, data: bytes, mimetype: str):
    return client.post(f"{NOTICES}/{notice_id}/roster:import",
                       files={"file": (filename, data, mimetype)}, token=tokens["editor"])


# --- reading ------------------------------------------------------------------------------------

def test_roster_is_listed_in_position_order(client, tokens):
    notice = create(client, tokens)

    body = roster(client, notice["id"], token=tokens["editor"])

    assert [(e["position"], e["name"]) for e in body["items"]] == [
        (1, "王小明"), (2, "李娜"), (3, "张心怡")]
    assert body["total"] == 3
    assert notice["roster_size"] == 3


def test_roster_is_paginated(client, tokens):
    notice = create(client, tokens)

    first = roster(client, notice["id"], token=tokens["editor"], page=1, page_size=2)
    second = roster(client, notice["id"], token=tokens["editor"], page=2, page_size=2)

    assert [e["name"] for e in first["items"]] == ["王小明", "李娜"]
    assert [e["name"] for e in second["items"]] == ["张心怡"]
    assert (second["page"], second["page_size"], second["total"]) == (2, 2, 3)
    response = client.get(f"{NOTICES}/{notice['id']}/roster", params={"page_size": 101},
                          token=tokens["editor"])
    assert_problem(response, 422, "page_size")


def test_roster_filters_by_q(client, tokens):
    notice = create(client, tokens)

    body = roster(client, notice["id"], token=tokens["editor"], q="心怡")

    assert [e["name"] for e in body["items"]] == ["张心怡"]
    assert body["total"] == 1


def test_public_sees_credential_numbers_masked(client, tokens):
    notice = create_published(client, tokens)

    public = roster(client, notice["id"])["items"]
    staff = roster(client, notice["id"], token=tokens["editor"])["items"]

    assert [e["credential_no"] for e in public] == [
        "********2345", "********6789", "********4680"]
    assert [e["credential_no"] for e in staff] == [e["credential_no"] for e in ROSTER]
    assert [e["name"] for e in public] == [e["name"] for e in ROSTER]


def test_roster_of_a_draft_is_404_to_the_public(client, tokens):
    notice = create(client, tokens)

    assert_problem(client.get(f"{NOTICES}/{notice['id']}/roster"), 404)


# --- adding -------------------------------------------------------------------------------------

def test_post_one_entry_appends_it(client, tokens):
    notice = create(client, tokens)

    response = client.post(f"{NOTICES}/{notice['id']}/roster",
                           json={"name": "赵六", "organization": "中国电子报社"},
                           token=tokens["editor"])

    assert response.status_code == 201, response.text
    added = response.json()
    assert [(e["position"], e["name"], e["organization"]) for e in added] == [
        (4, "赵六", "中国电子报社")]
    assert names(client, tokens, notice["id"])[-1] == (4, "赵六")
    events = audit_events(client, tokens, notice["id"], "roster.added")
    assert len(events) == 1 and events[0]["changes"]["count"] == 1


def test_post_a_list_of_entries_appends_them_in_order(client, tokens):
    notice = create(client, tokens)

    response = client.post(f"{NOTICES}/{notice['id']}/roster",
                           json=[{"name": "赵六"}, {"name": "钱七", "credential_no": "B123456"}],
                           token=tokens["editor"])

    assert response.status_code == 201, response.text
    assert [(e["position"], e["name"]) for e in response.json()] == [(4, "赵六"), (5, "钱七")]
    detail = client.get(f"{NOTICES}/{notice['id']}", token=tokens["editor"]).json()
    assert detail["roster_size"] == 5


def test_added_entries_take_new_ids_in_roster_order_with_their_pinyin(client, tokens):
    """The ids a roster write gives its entries are theirs in roster order (they are given
    before the insert, not read back), and each entry's pinyin keys are filed under its own id,
    also after the entry with the largest id was removed."""
    notice = create(client, tokens)
    last = roster(client, notice["id"], token=tokens["editor"])["items"][-1]
    assert client.delete(f"{NOTICES}/{notice['id']}/roster/{last['id']}",
                         token=tokens["editor"]).status_code == 204

    response = client.post(f"{NOTICES}/{notice['id']}/roster", token=tokens["editor"],
                           json=[{"name": "赵六"}, {"name": "钱七"}, {"name": "孙八"}])

    assert response.status_code == 201, response.text
    added = [(e["id"], e["position"], e["name"]) for e in response.json()]
    listed = [(e["id"], e["position"], e["name"])
              for e in roster(client, notice["id"], token=tokens["editor"])["items"]]
    assert listed[2:] == added and [position for _, position, _ in added] == [3, 4, 5]
    ids = [entry_id for entry_id, _, _ in listed]
    assert len(set(ids)) == 5 and ids[2:] == sorted(ids[2:]) and ids[2] > max(ids[:2])
    client.post(f"{NOTICES}/{notice['id']}/publish", token=tokens["publisher"],
                json={"backdated": True})
    for entry_id, _, name in added:
        pinyin = {"赵六": "zhao liu", "钱七": "qian qi", "孙八": "sun ba"}[name]
        check = client.get("/api/v1/names", params={"q": pinyin}).json()
        assert [m["entry_id"] for m in check["matches"]] == [entry_id]


def test_entries_keep_backslashes_and_copy_markers_verbatim(client, tokens):
    # PostgreSQL loads rosters with COPY, whose text format gives a backslash, \N and \t meanings.
    odd = [{"name": "Ali\\N", "organization": "C:\\报社\\t", "credential_no": "\\N"},
           {"name": "赵六", "organization": "报社", "credential_no": None}]
    notice = create(client, tokens)

    response = client.post(f"{NOTICES}/{notice['id']}/roster", json=odd, token=tokens["editor"])

    assert response.status_code == 201, response.text
    listed = client.get(f"{NOTICES}/{notice['id']}/roster", token=tokens["editor"]).json()
    assert [{key: e[key] for key in ("name", "organization", "credential_no")}
            for e in listed["items"][3:]] == odd


def test_duplicate_of_an_existing_name_adds_nothing(client, tokens):
    notice = create(client, tokens)

    response = client.post(f"{NOTICES}/{notice['id']}/roster",
                           json=[{"name": "赵六"}, {"name": "张心怡"}], token=tokens["editor"])

    body = assert_problem(response, 422)
    assert any(key.endswith("1.name") for key in body["errors"]), body
    assert names(client, tokens, notice["id"]) == [(1, "王小明"), (2, "李娜"), (3, "张心怡")]
    assert audit_events(client, tokens, notice["id"], "roster.added") == []


def test_duplicate_within_a_posted_list_adds_nothing(client, tokens):
    notice = create(client, tokens)

    response = client.post(f"{NOTICES}/{notice['id']}/roster",
                           json=[{"name": "Li Na"}, {"name": "Ｌｉ　Ｎａ"}],  # full-width forms
                           token=tokens["editor"])

    body = assert_problem(response, 422)
    assert any(key.endswith("1.name") for key in body["errors"]), body
    assert len(names(client, tokens, notice["id"])) == 3


def test_names_differing_only_in_inner_spaces_are_duplicates(client, tokens):
    """The name check folds inner spaces for an exact match, so "赵 六" is "赵六" again."""
    notice = create(client, tokens)

    response = client.post(f"{NOTICES}/{notice['id']}/roster",
                           json=[{"name": "赵六"}, {"name": "赵　六"}], token=tokens["editor"])
    existing = client.post(f"{NOTICES}/{notice['id']}/roster", json={"name": "张 心怡"},
                           token=tokens["editor"])

    assert_problem(response, 422)
    assert_problem(existing, 422)
    assert len(names(client, tokens, notice["id"])) == 3


def test_roster_of_a_published_notice_cannot_change(client, tokens):
    notice = create_published(client, tokens)
    path = f"{NOTICES}/{notice['id']}/roster"
    first_id = roster(client, notice["id"], token=tokens["editor"])["items"][0]["id"]

    assert_problem(client.post(path, json={"name": "赵六"}, token=tokens["editor"]), 409)
    assert_problem(client.delete(f"{path}/{first_id}", token=tokens["editor"]), 409)
    assert_problem(upload(client, tokens, notice["id"], "r.csv", b"name\nzhao\n", "text/csv"),
                   409)
    assert len(names(client, tokens, notice["id"])) == 3


# --- removing -----------------------------------------------------------------------------------

def test_delete_entry_renumbers_positions(client, tokens):
    notice = create(client, tokens)
    first_id = roster(client, notice["id"], token=tokens["editor"])["items"][0]["id"]

    response = client.delete(f"{NOTICES}/{notice['id']}/roster/{first_id}",
                             token=tokens["editor"])

    assert response.status_code == 204, response.text
    assert names(client, tokens, notice["id"]) == [(1, "李娜"), (2, "张心怡")]
    events = audit_events(client, tokens, notice["id"], "roster.removed")
    assert len(events) == 1 and events[0]["changes"]["entry_id"] == first_id
    added = client.post(f"{NOTICES}/{notice['id']}/roster", json={"name": "赵六"},
                        token=tokens["editor"])
    assert added.json()[0]["position"] == 3


def test_delete_entry_of_another_notice_is_404(client, tokens):
    mine = create(client, tokens)
    other = create(client, tokens, roster=[{"name": "赵六"}])
    other_entry = roster(client, other["id"], token=tokens["editor"])["items"][0]["id"]

    response = client.delete(f"{NOTICES}/{mine['id']}/roster/{other_entry}",
                             token=tokens["editor"])

    assert_problem(response, 404)
    assert names(client, tokens, other["id"]) == [(1, "赵六")]
    assert len(names(client, tokens, mine["id"])) == 3


# --- import -------------------------------------------------------------------------------------

def test_import_csv_appends_rows(client, tokens):
    notice = create(client, tokens)
    data = "name,organization,credential_no\n赵六,中国电子报社,B00000001\n钱七,,\n".encode()

    response = upload(client, tokens, notice["id"], "r.csv", data, "text/csv")

    assert response.status_code == 201, response.text
    assert response.json() == {"imported": 2, "roster_size": 5}
    entries = roster(client, notice["id"], token=tokens["editor"])["items"]
    assert [(e["position"], e["name"]) for e in entries[3:]] == [(4, "赵六"), (5, "钱七")]
    assert entries[3]["credential_no"] == "B00000001"
    assert entries[4]["organization"] is None
    events = audit_events(client, tokens, notice["id"], "roster.imported")
    assert len(events) == 1 and events[0]["changes"]["count"] == 2


def test_import_xlsx_appends_rows(client, tokens):
    notice = create(client, tokens, roster=[])
    data = xlsx_bytes([["姓名", "单位"], ["赵六", "江西省工业和信息化厅"], ["钱七", None]])

    response = upload(client, tokens, notice["id"], "r.xlsx", data,
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    assert response.status_code == 201, response.text
    assert response.json() == {"imported": 2, "roster_size": 2}
    entries = roster(client, notice["id"], token=tokens["editor"])["items"]
    assert [(e["name"], e["organization"]) for e in entries] == [
        ("赵六", "江西省工业和信息化厅"), ("钱七", None)]


def test_import_with_one_bad_row_imports_nothing(client, tokens):
    notice = create(client, tokens)
    data = "name,organization\n赵六,中国电子报社\n,中国电子报社\n钱七,\n".encode()

    response = upload(client, tokens, notice["id"], "r.csv", data, "text/csv")

    body = assert_problem(response, 422, "rows.3.name")
    assert "rows.2.name" not in body["errors"]
    assert len(names(client, tokens, notice["id"])) == 3
    assert audit_events(client, tokens, notice["id"], "roster.imported") == []


def test_import_of_a_name_already_on_the_roster_imports_nothing(client, tokens):
    notice = create(client, tokens)
    data = "name\n赵六\n钱七\n李娜\n".encode()

    response = upload(client, tokens, notice["id"], "r.csv", data, "text/csv")

    assert_problem(response, 422, "rows.4.name")
    assert len(names(client, tokens, notice["id"])) == 3


def test_import_of_an_unsupported_file_type_is_refused(client, tokens):
    notice = create(client, tokens)

    response = upload(client, tokens, notice["id"], "r.txt", "name\n赵六\n".encode(),
                      "text/plain")

    assert_problem(response, 422, "file")
    assert len(names(client, tokens, notice["id"])) == 3


def test_import_over_10_mib_is_413(client, tokens):
    notice = create(client, tokens)
    data = "name\n赵六\n".encode() + b"\n" * (10 * 1024 * 1024)

    response = upload(client, tokens, notice["id"], "r.csv", data, "text/csv")

    assert_problem(response, 413)
    assert len(names(client, tokens, notice["id"])) == 3


def test_import_between_1_and_10_mib_is_not_refused_for_size(client, tokens):
    notice = create(client, tokens)
    data = "name\n赵六\n".encode() + b"\n" * (2 * 1024 * 1024)  # blank lines are skipped

    response = upload(client, tokens, notice["id"], "r.csv", data, "text/csv")

    assert response.status_code == 201, response.text
    assert response.json() == {"imported": 1, "roster_size": 4}


def test_concurrent_additions_keep_positions_unique(client, tokens):
    notice = create(client, tokens, roster=[])
    statuses = []

    def add(prefix: str):
        response = client.post(f"{NOTICES}/{notice['id']}/roster", token=tokens["editor"],
                               json=[{"name": f"{prefix}{i}"} for i in range(50)])
        statuses.append(response.status_code)

    threads = [threading.Thread(target=add, args=(p,)) for p in "甲乙丙丁"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201] * 4
    roster = client.get(f"{NOTICES}/{notice['id']}/roster", token=tokens["editor"],
                        params={"page_size": 100, "page": 1}).json()
    rest = client.get(f"{NOTICES}/{notice['id']}/roster", token=tokens["editor"],
                      params={"page_size": 100, "page": 2}).json()
    positions = [e["position"] for e in roster["items"] + rest["items"]]
    assert positions == list(range(1, 201))


WANG_WEI_JIA = {"name": "王伟", "organization": "甲报", "credential_no": "11000011111111"}
WANG_WEI_YI = {"name": "王伟", "organization": "乙报", "credential_no": "11000022222222"}


def test_two_people_of_one_name_are_both_listed_and_both_found(client, tokens):
    notice = create_published(client, tokens, roster=[WANG_WEI_JIA, WANG_WEI_YI])

    listed = roster(client, notice["id"])["items"]
    assert [(e["name"], e["organization"]) for e in listed] == [("王伟", "甲报"), ("王伟", "乙报")]
    check = client.get("/api/v1/names", params={"q": "王伟"}).json()
    assert sorted(m["entry_id"] for m in check["matches"]) == sorted(e["id"] for e in listed)


@pytest.mark.parametrize("second, duplicate", [
    ({"name": "王伟"}, True),                                          # name only beside it
    ({"name": "王伟", "organization": "甲报"}, False),                   # same paper, no number
    ({"name": "王伟", "organization": "甲报", "credential_no": "11000011111111"}, True),
    ({"name": "王伟", "organization": "乙报", "credential_no": "11000011111111"}, False),
    ({"name": "王　伟", "organization": "甲报", "credential_no": "11000011111111"}, True),
])
def test_a_repeated_name_is_a_duplicate_unless_told_apart(client, tokens, second, duplicate):
    response = client.post(NOTICES, json=notice_payload(roster=[WANG_WEI_JIA, second]),
                           token=tokens["editor"])
    if duplicate:
        body = assert_problem(response, 422, "roster.1.name")
        assert body["errors"]["roster.1.name"] == ["duplicate of 0"]
    else:
        assert response.status_code == 201, response.text


def test_a_name_only_entry_stays_alone(client, tokens):
    notice = create(client, tokens, roster=[{"name": "王伟"}])
    response = client.post(f"{NOTICES}/{notice['id']}/roster", json=WANG_WEI_JIA,
                           token=tokens["editor"])
    body = assert_problem(response, 422)
    assert list(body["errors"].values()) == [["already on the roster"]]


def digest_of(entries: list[dict]) -> str:
    """The roster digest as the README defines it."""
    lines = "".join(json.dumps([e["position"], e["name"], e["organization"], e["credential_no"]],
                               ensure_ascii=False, separators=(",", ":")) + "\n"
                    for e in entries)
    return hashlib.sha256(lines.encode()).hexdigest()


def test_published_notice_shows_its_roster_digest_and_verifies(client, tokens):
    draft = create(client, tokens)
    assert draft["roster_digest"] is None
    notice = client.post(f"{NOTICES}/{draft['id']}/publish", token=tokens["publisher"],
                json={"backdated": True}).json()

    entries = roster(client, notice["id"], token=tokens["editor"])["items"]
    assert notice["roster_digest"] == digest_of(entries)
    assert client.get(f"{NOTICES}/{notice['id']}",
                      token=tokens["editor"]).json()["roster_digest"] == digest_of(entries)
    [event] = audit_events(client, tokens, notice["id"], "notice.published")
    assert event["changes"]["roster_size"] == 3
    assert event["changes"]["roster_digest"] == notice["roster_digest"]
    verified = client.get(f"{NOTICES}/{notice['id']}/roster:verify", token=tokens["admin"])
    assert verified.json() == {"notice_id": notice["id"], "roster_digest": digest_of(entries),
                               "computed_digest": digest_of(entries), "roster_size": 3,
                               "matches": True}


def test_the_public_is_not_shown_the_digest_over_credential_numbers_it_sees_masked(
        client, tokens):
    """The digest covers the full credential numbers: for a one-entry roster, whose number the
    public sees as ***********0077, trying the masked characters against it would find them."""
    notice = create_published(client, tokens)
    assert notice["roster_digest"]
    for path in (f"{NOTICES}/{notice['id']}", f"{NOTICES}?page_size=100"):
        body = client.get(path).json()
        shown = body["items"] if "items" in body else [body]
        assert all(n["roster_digest"] is None for n in shown)
    other = client.post("/api/v1/organizations", token=tokens["admin"], json={"name": "另一家报社"})
    other_editor = client.post("/api/v1/tokens", token=tokens["admin"], json={
        "role": "editor", "label": "other", "organization_ids": [other.json()["id"]]})
    assert client.get(f"{NOTICES}/{notice['id']}", token=other_editor.json()["token"]
                      ).json()["roster_digest"] is None
    assert client.get(f"{NOTICES}/{notice['id']}",
                      token=tokens["editor"]).json()["roster_digest"] == notice["roster_digest"]
    assert notice["roster_digest"] not in client.get(f"/notices/{notice['id']}").text


def test_a_roster_altered_behind_the_api_fails_verification(client, tokens, runner, db):
    notice = create_published(client, tokens)
    db.execute_sql("UPDATE roster_entry SET name = '张新怡' WHERE name = '张心怡'")

    verified = client.get(f"{NOTICES}/{notice['id']}/roster:verify", token=tokens["admin"])
    assert verified.json()["matches"] is False
    assert verified.json()["roster_digest"] == notice["roster_digest"]
    result = runner.invoke(args=["verify-rosters"])
    assert result.exit_code == 1
    assert f"notice {notice['id']}: roster differs" in result.output


def test_verify_rosters_passes_on_untouched_rosters(client, tokens, runner):
    create_published(client, tokens)
    result = runner.invoke(args=["verify-rosters"])
    assert result.exit_code == 0, result.output
    assert "1 published roster matches its digest" in result.output
