"""Recording each notice's opening and closing exactly once, however late or often it is asked."""

from datetime import datetime, timedelta

from service.domain import audit
from service.domain.models import Notice
from service.domain.status import public_roster_condition
from service.infra.db import database

SCHEDULER_ACTOR = "scheduler"
# action -> (the instant it falls due, the column that records it was written)
TRANSITIONS = {
    "notice.opened": (Notice.opens_at, Notice.opened_recorded_at),
    "notice.closed": (Notice.closes_at, Notice.closed_recorded_at),
}


def record_due_transitions(now: datetime) -> list[tuple[datetime, str, int]]:
    """Write every transition due by `now` and not yet written, oldest first; returns
    (due_at, action, notice_id) for each. The guarded UPDATE makes a second scheduler, a retry
    or a race write nothing twice: only the UPDATE that flips the column writes the event."""
    written, owners = [], {}
    with database.atomic():
        for action, (due, recorded) in TRANSITIONS.items():
            rows = (Notice.update({recorded: now})
                    .where(Notice.live() & recorded.is_null(True) & (due <= now))
                    .returning(Notice.id, due, Notice.organization).tuples().execute())
            for notice_id, due_at, organization_id in rows:
                written.append((due_at, action, notice_id))
                owners[notice_id] = organization_id
        written.sort()
        for due_at, action, notice_id in written:
            audit.record(action, "notice", notice_id, SCHEDULER_ACTOR, due_at=due_at,
                         organization_id=owners[notice_id])
    return written


def upcoming_transitions(now: datetime, until: datetime,
                         limit: int | None = None) -> list[tuple[datetime, str, int]]:
    """Transitions not yet written that fall due after `now` and by `until`, soonest first."""
    upcoming = []
    for action, (due, recorded) in TRANSITIONS.items():
        rows = (Notice.select(Notice.id, due)
                .where(Notice.live() & recorded.is_null(True) & (due > now) & (due <= until))
                .order_by(due).limit(limit).tuples())
        upcoming += [(due_at, action, notice_id) for notice_id, due_at in rows]
    return sorted(upcoming)[:limit]


def overdue_count(now: datetime) -> int:
    """Transitions due by `now` that no scheduler has written yet."""
    return sum(Notice.select().where(Notice.live() & recorded.is_null(True) & (due <= now)).count()
               for due, recorded in TRANSITIONS.values())


def hide_expired_rosters(now: datetime, days_after_close: int) -> list[int]:
    """Take the rosters of notices closed more than `days_after_close` days ago out of public
    view (staff still see them); returns the notice ids, each audited once."""
    cutoff = now - timedelta(days=days_after_close)
    with database.atomic():
        rows = (Notice.update(roster_hidden_at=now)
                .where(public_roster_condition() & (Notice.closes_at <= cutoff))
                .returning(Notice.id, Notice.organization).tuples().execute())
        owners = dict(rows)
        hidden = sorted(owners)
        for notice_id in hidden:
            audit.record("roster.hidden", "notice", notice_id, SCHEDULER_ACTOR,
                         changes={"days_after_close": days_after_close},
                         organization_id=owners[notice_id])
    return hidden
