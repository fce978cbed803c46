"""The notice scheduler: one leader records openings and closings on time; standbys wait.

Runs as its own process (`flask --app service scheduler`), never inside gunicorn workers. The
database is the truth: jobs are rebuilt from the notices table at start and every poll, and each
transition is written by a guarded UPDATE (service.domain.transitions), so a late, repeated or
duplicated job writes nothing twice."""

import fcntl
import logging
import os
import signal
import socket
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg2
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from playhouse.db_url import parse
from prometheus_client import Counter, Gauge, start_http_server

from service.domain import transitions
from service.domain.models import SchedulerInstance
from service.infra.clock import utcnow
from service.infra.db import database

log = logging.getLogger(__name__)

LEADER_LOCK_ID = 7_400_002  # PostgreSQL advisory lock key
JOB_HORIZON = timedelta(minutes=10)  # date jobs are kept for transitions due this soon
STALE_INSTANCE = timedelta(days=1)

TRANSITIONS_WRITTEN = Counter("registry_scheduler_transitions_total",
                              "Notice transitions written by this scheduler", ["action"])
LAG = Gauge("registry_scheduler_lag_seconds",
            "How late after its due instant the last transition was written")
IS_LEADER = Gauge("registry_scheduler_is_leader", "1 while this process is the leader")


class LeaderLock:
    """Held by one scheduler at a time; released by the OS or PostgreSQL when its process dies."""

    def __init__(self, database_url: str):
        self.url = database_url
        self.handle = None

    def try_acquire(self) -> bool:
        if self.url.startswith("sqlite"):
            path = Path(parse(self.url)["database"] + ".scheduler-lock")
            handle = path.open("a")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                return False
        else:
            # A session lock on a connection of its own: pooled connections would keep it.
            handle = psycopg2.connect(self.url, connect_timeout=5)
            handle.autocommit = True
            with handle.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", (LEADER_LOCK_ID,))
                if not cursor.fetchone()[0]:
                    handle.close()
                    return False
        self.handle = handle
        return True

    def is_held(self) -> bool:
        if self.handle is None:
            return False
        if self.url.startswith("sqlite"):
            return True
        try:
            with self.handle.cursor() as cursor:
                cursor.execute("SELECT 1")
            return True
        except psycopg2.Error:
            return False

    def release(self) -> None:
        if self.handle is not None:
            self.handle.close()  # closing the file or the session releases the lock
            self.handle = None


class NoticeScheduler:
    """Waits for leadership, then keeps a date job per coming due instant and records them."""

    def __init__(self, database_url: str, timezone: str, *, poll_seconds: float = 1.0,
                 roster_public_days: int | None = None):
        self.lock = LeaderLock(database_url)
        self.timezone = ZoneInfo(timezone)
        self.poll_seconds = poll_seconds
        self.roster_public_days = roster_public_days
        self.instance_id = uuid.uuid4().hex
        # Set by stop(), a signal handler: a plain flag, since a handler that takes a lock the
        # interrupted code holds (as Event.set may) never returns.
        self.stopping = False
        self.scheduler: BackgroundScheduler | None = None

    def run(self) -> None:
        """Until stop(): stand by, lead while the lock is held, stand by again if it is lost."""
        while not self.stopping:
            if self.lock.try_acquire():
                log.info("scheduler %s is the leader", self.instance_id)
                try:
                    self._lead()
                finally:
                    self.lock.release()
                    IS_LEADER.set(0)
            else:
                self._heartbeat("standby")
                self._pause()
        self._forget_instance()

    def stop(self, *_signal) -> None:
        self.stopping = True

    def _pause(self) -> None:
        """Wait one poll interval, or less once stop() is called."""
        deadline = time.monotonic() + self.poll_seconds
        while not self.stopping and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, 0.1))

    def _lead(self) -> None:
        IS_LEADER.set(1)
        self._heartbeat("leader")  # the row the first catch-up's counts are written to
        self.scheduler = BackgroundScheduler(
            timezone=self.timezone,
            # One job at a time: a due job and a reconcile writing the same transitions at once
            # would wait on each other's row locks (a deadlock on PostgreSQL).
            executors={"default": ThreadPoolExecutor(1)},
            # A job missed while the process was down runs however late, once.
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )
        now = datetime.now(self.timezone)
        self.scheduler.add_job(self._reconcile, "interval", seconds=self.poll_seconds,
                               id="reconcile", next_run_time=now)
        if self.roster_public_days is not None:
            self.scheduler.add_job(self._housekeeping, "interval", minutes=1,
                                   id="housekeeping", next_run_time=now)
        self.scheduler.start()
        try:
            while not self.stopping:
                self._pause()
                if not self.lock.is_held():
                    log.warning("scheduler %s lost the leader lock", self.instance_id)
                    break
        finally:
            self.scheduler.shutdown(wait=True)  # the lock is released only after the last write

    def _reconcile(self) -> None:
        """Catch up on anything due, then bring the date jobs in step with the database."""
        if self.stopping:
            return
        with database.connection_context():
            self._record_due()
            now = utcnow()
            # One date job per distinct due instant: notices due together are written together.
            wanted = {f"due:{due_at.isoformat()}": due_at for due_at, _, _
                      in transitions.upcoming_transitions(now, now + JOB_HORIZON)}
            for job in self.scheduler.get_jobs():
                if job.id.startswith("due:") and job.id not in wanted:
                    job.remove()  # withdrawn, extended beyond the horizon, or already written
            for job_id, due_at in wanted.items():
                if self.scheduler.get_job(job_id) is None:
                    self.scheduler.add_job(self._on_due, "date", run_date=due_at, id=job_id)
            self._heartbeat("leader")

    def _on_due(self) -> None:
        with database.connection_context():
            self._record_due()

    def _record_due(self) -> None:
        now = utcnow()
        written = transitions.record_due_transitions(now)
        for due_at, action, notice_id in written:
            TRANSITIONS_WRITTEN.labels(action).inc()
            log.info("recorded %s for notice %s (due %s)", action, notice_id, due_at.isoformat())
        if written:
            lag = (now - written[-1][0]).total_seconds()
            LAG.set(lag)
            (SchedulerInstance.update(last_run_at=now, lag_seconds=lag,
                                      transitions_written=SchedulerInstance.transitions_written
                                      + len(written))
             .where(SchedulerInstance.id == self.instance_id).execute())

    def _housekeeping(self) -> None:
        with database.connection_context():
            hidden = transitions.hide_expired_rosters(utcnow(), self.roster_public_days)
        if hidden:
            log.info("rosters of %d notices left public view", len(hidden))

    def _heartbeat(self, role: str) -> None:
        try:
            with database.connection_context():
                now = utcnow()
                (SchedulerInstance.insert(id=self.instance_id, host=socket.gethostname(),
                                          pid=os.getpid(), role=role, heartbeat_at=now)
                 .on_conflict(conflict_target=[SchedulerInstance.id],
                              update={SchedulerInstance.role: role,
                                      SchedulerInstance.heartbeat_at: now})
                 .execute())
                SchedulerInstance.delete().where(
                    SchedulerInstance.heartbeat_at < now - STALE_INSTANCE).execute()
        except Exception as error:  # noqa: BLE001 - a missed heartbeat must not stop the loop
            log.warning("scheduler heartbeat failed: %s", type(error).__name__)

    def _forget_instance(self) -> None:
        try:
            with database.connection_context():
                SchedulerInstance.delete_by_id(self.instance_id)
        except Exception as error:  # noqa: BLE001 - shutting down anyway
            log.warning("could not remove scheduler heartbeat: %s", type(error).__name__)


def run_forever(app) -> None:
    """The `scheduler` command: run until SIGTERM or SIGINT."""
    notice_scheduler = NoticeScheduler(
        app.config["DATABASE_URL"], app.config["NOTICE_TIMEZONE"],
        poll_seconds=app.config["SCHEDULER_POLL_SECONDS"],
        roster_public_days=app.config["ROSTER_PUBLIC_DAYS_AFTER_CLOSE"],
    )
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # it logs every job run at INFO
    if app.config["SCHEDULER_METRICS_PORT"] is not None:
        start_http_server(app.config["SCHEDULER_METRICS_PORT"],
                          addr=app.config["SCHEDULER_METRICS_ADDR"])
    signal.signal(signal.SIGTERM, notice_scheduler.stop)
    signal.signal(signal.SIGINT, notice_scheduler.stop)
    notice_scheduler.run()
    log.info("scheduler stopped")
