"""Staff bearer tokens: create, list, revoke (admin)."""

from datetime import timedelta

from flask.views import MethodView

from schemas.common import page_schema
from schemas.tokens import NewTokenSchema, TokenCreateSchema, TokenQueryArgsSchema, TokenSchema
from service.api import Blueprint, paginate
from service.domain import audit
from service.domain.errors import NotFound
from service.domain.models import ApiToken
from service.infra import auth
from service.infra.clock import utcnow
from service.infra.db import database, locked

URL_PREFIX = "/api/v1/tokens"
blp = Blueprint("tokens", __name__, description="Staff bearer tokens")
TokenPageSchema = page_schema(TokenSchema, "TokenPage")


@blp.route("")
class Tokens(MethodView):
    @blp.staff("admin")
    @blp.arguments(TokenQueryArgsSchema(), location="query")
    @blp.response(200, TokenPageSchema)
    def get(self, args):
        """List tokens (never their secrets)"""
        rows, envelope = paginate(ApiToken.select().order_by(ApiToken.id), args)
        return {"items": rows, **envelope}

    @blp.staff("admin")
    @blp.arguments(TokenCreateSchema())
    @blp.response(201, NewTokenSchema)
    def post(self, data):
        """Create a token; the answer is the only time its secret is shown"""
        days = data.get("expires_in_days")
        expires_at = utcnow() + timedelta(days=days) if days else None
        with database.atomic():
            row, token = auth.issue_token(data["role"], data["label"], expires_at)
            audit.record("token.created", "token", row.id, auth.actor_name(),
                         changes={"role": row.role, "label": row.label,
                                  "expires_at": expires_at})
        return {**row.__data__, "token": token}


@blp.route("/<id:token_id>", methods=["DELETE"])
@blp.staff("admin")
@blp.response(204)
def revoke(token_id):
    """Revoke a token at once"""
    with database.atomic():
        row = locked(ApiToken.select().where(ApiToken.id == token_id))
        if row is None:
            raise NotFound("token", f"No token {token_id}.")
        if row.revoked_at is None:  # revoking twice is harmless; only the first is recorded
            # Recorded before the row changes: the caller's token is confirmed (audit.record)
            # while still usable, even when it is the one being revoked.
            audit.record("token.revoked", "token", row.id, auth.actor_name())
            row.revoked_at = utcnow()
            row.save(only=[ApiToken.revoked_at])
