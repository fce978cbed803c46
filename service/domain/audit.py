"""The append-only audit trail: every write records one event in the same transaction."""

import json
from datetime import date, datetime

from peewee import fn

from service.domain.models import AuditEvent
from service.infra import auth
from service.infra.cache import bump_data_version
from service.infra.clock import utcnow
from service.infra.db import Prepared, is_sqlite


def record(action: str, entity: str, entity_id: int | None, actor: str, *,
           changes: dict | None = None, due_at: datetime | None = None,
           organization_id: int | None = None) -> None:
    """Append one event; call inside the write's transaction so both land or neither.
    `organization_id` is the organisation of the entity written, if it has one.

    Every write records one, so this is also where the data version counts up and where the
    caller's token is confirmed under lock (auth.confirm_caller)."""
    auth.confirm_caller()
    bump_data_version()
    event = {
        "at": utcnow(),
        "actor": actor,
        "organization_id": actor_organization(organization_id),
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "changes": json.dumps(changes, ensure_ascii=False, default=_iso) if changes else None,
        "due_at": due_at,
    }
    _INSERT_EVENT.rows(None, **{name: value for name, value in event.items() if value is not None})


def _build_insert(_shape, **values):
    return AuditEvent.insert(**values).returning(AuditEvent.id)  # what is not given is NULL


# Built by peewee once per set of values: building it cost more than running it.
_INSERT_EVENT = Prepared(_build_insert)


def actor_organization(entity_organization: int | None) -> int | None:
    """The organisation the caller acted for: the entity's (a token bound to organisations may
    write only its own, so this is the actor's), else a bound token's only one; none for an
    admin's, the CLI's or the scheduler's writes of no organisation's entity (tokens, say)."""
    if entity_organization is not None:
        return entity_organization
    scope = auth.caller_scope()
    return next(iter(scope)) if scope and len(scope) == 1 else None


def _iso(value) -> str:
    """Times in the changes as the rest of the API writes them: 2026-12-10T16:00:00+00:00."""
    return value.isoformat() if isinstance(value, date | datetime) else str(value)


def event_dict(event: AuditEvent) -> dict:
    return {
        "id": event.id,
        "at": event.at,
        "actor": event.actor,
        "organization_id": event.organization_id,
        "action": event.action,
        "entity": event.entity,
        "entity_id": event.entity_id,
        "changes": json.loads(event.changes) if event.changes else None,
        "due_at": event.due_at,
    }


def fresh_id(model, entity: str) -> dict:
    """{"id": …} for a new row of `model` that no audit event has named yet, or {} to let the
    database choose. PostgreSQL's sequences never give an id out twice; SQLite gives a deleted
    row's id to the next one, which would join two entities' audit trails. Call inside the write
    transaction (SQLite's write lock makes the choice safe)."""
    if not is_sqlite():
        return {}
    highest = max(model.select(fn.MAX(model.id)).scalar() or 0,
                  AuditEvent.select(fn.MAX(AuditEvent.entity_id))
                  .where(AuditEvent.entity == entity).scalar() or 0)
    return {"id": highest + 1}
