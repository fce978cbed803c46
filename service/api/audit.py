"""The audit trail, read-only."""

from flask.views import MethodView

from schemas.audit import AuditEventSchema, AuditQueryArgsSchema
from schemas.common import page_schema
from service.api import Blueprint, paginate
from service.domain.audit import event_dict
from service.domain.models import AuditEvent
from service.infra import auth

URL_PREFIX = "/api/v1/audit"
blp = Blueprint("audit", __name__, description="Append-only record of every write")
AuditPageSchema = page_schema(AuditEventSchema, "AuditPage")


@blp.route("")
class Audit(MethodView):
    @blp.staff("publisher")
    @blp.arguments(AuditQueryArgsSchema(), location="query")
    @blp.response(200, AuditPageSchema)
    def get(self, args):
        """List audit events, newest first (a publisher's token: those of its organizations)"""
        query = AuditEvent.select()
        scope = auth.caller_scope()
        if scope is not None:
            query = query.where(AuditEvent.organization_id.in_(scope))
        for field in ("entity", "entity_id", "action"):
            if field in args:
                query = query.where(getattr(AuditEvent, field) == args[field])
        rows, envelope = paginate(query.order_by(AuditEvent.id.desc()), args)
        return {"items": [event_dict(e) for e in rows], **envelope}
