"""The append-only audit trail: every write records one event in the same transaction."""

import json
from datetime import date, datetime

from .cache import bump_data_version
from .models import AuditEvent, utcnow


def record(action: str, entity: str, entity_id: int | None, actor: str, *,
           changes: dict | None = None, due_at: datetime | None = None) -> None:
    """Append one event; call inside the write's transaction so both land or neither.

    Every write records one, so this is also where the data version counts up."""
    bump_data_version()
    AuditEvent.insert(
        at=utcnow(),
        actor=actor,
        action=action,
        entity=entity,
        entity_id=entity_id,
        changes=json.dumps(changes, ensure_ascii=False, default=_iso) if changes else None,
        due_at=due_at,
    ).execute()


def _iso(value) -> str:
    """Times in the changes as the rest of the API writes them: 2026-12-10T16:00:00+00:00."""
    return value.isoformat() if isinstance(value, date | datetime) else str(value)


def event_dict(event: AuditEvent) -> dict:
    return {
        "id": event.id,
        "at": event.at,
        "actor": event.actor,
        "action": event.action,
        "entity": event.entity,
        "entity_id": event.entity_id,
        "changes": json.loads(event.changes) if event.changes else None,
        "due_at": event.due_at,
    }
