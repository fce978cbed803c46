"""The scheduler as real processes: on time, exactly once, across restarts, races and a SIGKILL."""

import os
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import requests

from service.domain.models import AuditEvent, Notice, SchedulerInstance
from service.domain.transitions import hide_expired_rosters, record_due_transitions
from service.infra.db import database
from tests.processes import FLASK, ROOT, free_port, stop, wait_until_ready


@pytest.fixture
def start_scheduler(database_url, tmp_path):
    """Start `flask --app service scheduler` processes; all are stopped at the end."""
    processes = []

    def start(**env):
        log = (tmp_path / f"scheduler-{len(processes)}.log").open("w")
        process = subprocess.Popen(
            [FLASK, "--app", "service", "scheduler"], cwd=ROOT, stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "DATABASE_URL": database_url, "SCHEDULER_POLL_SECONDS": "0.5",
                 **env},
        )
        log.close()
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        stop(process)


def publish_notice(client, tokens, opens_at: datetime, closes_at: datetime,
                   names: tuple[str, ...] = ()) -> int:
    response = client.post("/api/v1/notices", token=tokens["editor"], json={
        "title": "调度测试公示", "category": "test", "issuer": "测试单位",
        "window": {"opens_at": opens_at.isoformat(), "closes_at": closes_at.isoformat()},
        "contacts": [{"number": "010-83138953"}],
        "roster": [{"name": name} for name in names],
    })
    assert response.status_code == 201, response.text
    notice_id = response.json()["id"]
    assert client.post(f"/api/v1/notices/{notice_id}/publish", token=tokens["publisher"],
                       json={"backdated": True}).status_code == 200
    return notice_id


def transition_events(notice_id: int) -> list[AuditEvent]:
    with database.connection_context():
        return list(AuditEvent.select()
                    .where((AuditEvent.entity_id == notice_id)
                           & AuditEvent.action.in_(["notice.opened", "notice.closed"]))
                    .order_by(AuditEvent.id))


def wait_for_events(notice_id: int, count: int, seconds: float) -> list[AuditEvent]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        events = transition_events(notice_id)
        if len(events) >= count:
            return events
        time.sleep(0.1)
    return transition_events(notice_id)


def soon(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


def test_notice_opens_and_closes_on_time_exactly_once(client, tokens, start_scheduler):
    start_scheduler()
    notice_id = publish_notice(client, tokens, soon(2), soon(4))
    events = wait_for_events(notice_id, 2, seconds=8)
    time.sleep(1.5)  # anything written twice would show by now
    events = transition_events(notice_id)
    assert [e.action for e in events] == ["notice.opened", "notice.closed"]
    for event in events:
        assert event.actor == "scheduler"
        assert timedelta(0) <= event.at - event.due_at <= timedelta(seconds=1)
    assert client.get(f"/api/v1/notices/{notice_id}").json()["status"] == "closed"


def test_two_schedulers_write_each_transition_once(client, tokens, start_scheduler):
    start_scheduler()
    start_scheduler()
    notice_id = publish_notice(client, tokens, soon(2), soon(3))
    wait_for_events(notice_id, 2, seconds=8)
    time.sleep(1.5)
    assert [e.action for e in transition_events(notice_id)] == ["notice.opened", "notice.closed"]


def test_standby_takes_over_when_leader_is_killed(client, tokens, start_scheduler):
    leader = start_scheduler()
    time.sleep(2)  # the first one takes the lock
    start_scheduler()
    notice_id = publish_notice(client, tokens, soon(3), soon(5))
    leader.send_signal(signal.SIGKILL)
    leader.wait(timeout=5)
    events = wait_for_events(notice_id, 2, seconds=15)
    assert [e.action for e in events] == ["notice.opened", "notice.closed"]
    # Taken over well within 10 s: nothing later than that after its due instant.
    assert all(e.at - e.due_at < timedelta(seconds=10) for e in events)


def test_closing_missed_while_down_is_caught_up_once_with_its_due_instant(
        client, tokens, start_scheduler):
    opens_at, closes_at = soon(-60), soon(1)
    notice_id = publish_notice(client, tokens, opens_at, closes_at)
    time.sleep(1.5)  # the window closes while no scheduler runs
    start_scheduler()
    events = wait_for_events(notice_id, 2, seconds=8)
    time.sleep(1)
    events = transition_events(notice_id)
    assert [e.action for e in events] == ["notice.opened", "notice.closed"]
    assert [e.due_at for e in events] == [opens_at, closes_at]
    assert events[0].id < events[1].id  # oldest first


def test_extension_before_close_means_no_close_at_the_old_instant(
        client, tokens, start_scheduler):
    start_scheduler()
    notice_id = publish_notice(client, tokens, soon(-60), soon(2))
    later = soon(60)
    response = client.post(f"/api/v1/notices/{notice_id}/extend", token=tokens["publisher"],
                           json={"closes_at": later.isoformat()})
    assert response.status_code == 200
    time.sleep(4)
    assert [e.action for e in transition_events(notice_id)] == ["notice.opened"]


def test_withdrawal_before_close_means_no_close(client, tokens, start_scheduler):
    start_scheduler()
    notice_id = publish_notice(client, tokens, soon(-60), soon(2))
    response = client.post(f"/api/v1/notices/{notice_id}/withdraw", token=tokens["publisher"],
                           json={"reason": "名单有误"})
    assert response.status_code == 200
    time.sleep(4)
    assert [e.action for e in transition_events(notice_id)] == []


def test_scheduler_stops_cleanly_on_sigterm(app, start_scheduler):
    process = start_scheduler()
    deadline = time.monotonic() + 30  # booting takes longer on a busy machine
    while time.monotonic() < deadline:  # its first heartbeat: its signal handlers are in place
        with database.connection_context():
            if SchedulerInstance.select().where(SchedulerInstance.pid == process.pid).exists():
                break
        time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0


def test_sigterm_at_any_moment_of_start_or_leadership_stops_the_scheduler(app, start_scheduler):
    """Signalled while booting, while taking the lead, while its first jobs run or while leading
    (today's CI once saw one ignore SIGTERM for 15 s), it exits promptly every time."""
    for delay in (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 6.0):
        process = start_scheduler(SCHEDULER_POLL_SECONDS="0.2")
        time.sleep(delay)
        assert stop(process, seconds=10) in (0, -signal.SIGTERM)  # before its handler: killed


def test_status_route_shows_leader_and_standby(client, tokens, start_scheduler):
    start_scheduler()
    time.sleep(1.5)
    start_scheduler()
    notice_id = publish_notice(client, tokens, soon(300), soon(600))
    deadline = time.monotonic() + 15  # both processes have booted and sent a heartbeat
    while True:
        status = client.get("/api/v1/scheduler", token=tokens["admin"]).json()
        roles = sorted(i["role"] for i in status["instances"] if i["is_alive"])
        if roles == ["leader", "standby"] or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert roles == ["leader", "standby"]
    assert status["leader"] is not None
    assert {"notice_id": notice_id, "action": "notice.opened"}.items() <= \
        status["next_transitions"][0].items()
    assert status["overdue"] == 0
    assert client.get("/api/v1/scheduler", token=tokens["publisher"]).status_code == 403


def test_recording_is_idempotent_without_a_process(client, tokens):
    notice_id = publish_notice(client, tokens, soon(-120), soon(-60))
    with database.connection_context():
        now = datetime.now(UTC)
        first = record_due_transitions(now)
        assert [(action, nid) for _, action, nid in first] == [
            ("notice.opened", notice_id), ("notice.closed", notice_id)]
        assert record_due_transitions(now) == []


def test_housekeeping_hides_old_rosters_from_public_only(client, tokens, start_scheduler):
    old = publish_notice(client, tokens, soon(-10 * 86400), soon(-3 * 86400), ("姬晓婷",))
    recent = publish_notice(client, tokens, soon(-2 * 86400), soon(-3600), ("沈丛",))
    start_scheduler(ROSTER_PUBLIC_DAYS_AFTER_CLOSE="1")
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline:
        with database.connection_context():
            if Notice.get_by_id(old).roster_hidden_at is not None:
                break
        time.sleep(0.2)
    assert client.get(f"/api/v1/notices/{old}/roster").status_code == 404
    assert client.get(f"/api/v1/notices/{old}/roster", token=tokens["editor"]).status_code == 200
    assert client.get(f"/api/v1/notices/{recent}/roster").status_code == 200
    assert client.get("/api/v1/names", params={"q": "姬晓婷"}).json()["matches"] == []
    assert len(client.get("/api/v1/names", params={"q": "沈丛"}).json()["matches"]) == 1
    with database.connection_context():
        hidden = AuditEvent.select().where(AuditEvent.action == "roster.hidden")
        assert [e.entity_id for e in hidden] == [old]
        assert hide_expired_rosters(datetime.now(UTC), 1) == []


def test_rosters_stay_public_by_default(client, tokens, start_scheduler):
    closed_long_ago = publish_notice(client, tokens, soon(-900 * 86400), soon(-800 * 86400),
                                     ("刘晶",))
    start_scheduler()
    wait_for_events(closed_long_ago, 2, seconds=8)
    assert client.get(f"/api/v1/notices/{closed_long_ago}/roster").json()["total"] == 1
    assert len(client.get("/api/v1/names", params={"q": "刘晶"}).json()["matches"]) == 1


def test_scheduler_metrics_count_transitions_and_lag(client, tokens, start_scheduler):
    port = free_port()
    notice_id = publish_notice(client, tokens, soon(-120), soon(-60))
    process = start_scheduler(SCHEDULER_METRICS_PORT=str(port))
    wait_for_events(notice_id, 2, seconds=8)
    text = wait_until_ready(f"http://127.0.0.1:{port}/metrics", process)
    assert 'registry_scheduler_transitions_total{action="notice.closed"} 1.0' in text
    assert "registry_scheduler_is_leader 1.0" in text
    lag = float(next(line.split()[1] for line in text.splitlines()
                     if line.startswith("registry_scheduler_lag_seconds ")))
    assert 59 <= lag < 120  # the closing was caught up about a minute late


def test_extensions_across_the_opening_instant_never_reopen(client, tokens, start_scheduler):
    """An extension writes only the end of the window: the scheduler's record that a notice
    opened stays, so notice.opened is written once however many extensions cross the instant."""
    start_scheduler()
    opens_at = soon(4)
    notice_ids = [publish_notice(client, tokens, opens_at, soon(3600)) for _ in range(12)]

    def keep_extending(notice_id):  # one client per notice, back to back around the instant
        with requests.Session() as session:
            minutes = 0
            while datetime.now(UTC) < opens_at + timedelta(seconds=1.5):
                minutes += 1
                response = session.post(
                    f"{client.base_url}/api/v1/notices/{notice_id}/extend",
                    headers={"Authorization": f"Bearer {tokens['publisher']}"},
                    json={"closes_at": soon(3600 + 60 * minutes).isoformat()}, timeout=30)
                assert response.status_code == 200, response.text

    time.sleep(max(0.0, (opens_at - datetime.now(UTC)).total_seconds() - 1))
    with ThreadPoolExecutor(len(notice_ids)) as pool:
        list(pool.map(keep_extending, notice_ids))
    time.sleep(2)
    for notice_id in notice_ids:
        assert [e.action for e in transition_events(notice_id)] == ["notice.opened"]
