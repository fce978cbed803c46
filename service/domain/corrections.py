"""A notice's public correction history: what each correction changed (its earlier and new
values, public fields only), when and why, read from the audit trail that recorded it."""

import json

from service.domain.models import AuditEvent

# What a correction may change, as the notice shows it to the public (presentation.present).
PUBLIC_FIELDS = ("title", "category", "issuer", "issued_on", "body", "window", "contacts",
                 "article_ids")


def history(notice_id: int, *, page: int = 1, page_size: int = 20) -> dict:
    """A page of the notice's corrections, oldest first, in the list envelope."""
    query = (AuditEvent.select()
             .where((AuditEvent.entity == "notice") & (AuditEvent.entity_id == notice_id)
                    & (AuditEvent.action == "notice.corrected")))
    events = query.order_by(AuditEvent.id).paginate(page, page_size)
    return {"items": [correction_dict(event) for event in events], "total": query.count(),
            "page": page, "page_size": page_size}


def correction_dict(event: AuditEvent) -> dict:
    recorded = json.loads(event.changes)
    changes = {field: {"before": recorded[field][0], "after": recorded[field][1]}
               for field in PUBLIC_FIELDS if field in recorded}
    return {"at": event.at, "fields_": list(changes), "changes": changes,
            "reason": recorded.get("reason", "")}
