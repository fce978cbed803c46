"""Staff bearer tokens: create, list, revoke (admin)."""

from flask import current_app
from flask.views import MethodView

from schemas.common import page_schema
from schemas.tokens import NewTokenSchema, TokenCreateSchema, TokenQueryArgsSchema, TokenSchema
from service.api import Blueprint, paginate
from service.domain import audit, tokens
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
        return {"items": [tokens.present(row) for row in rows], **envelope}

    @blp.staff("admin")
    @blp.arguments(TokenCreateSchema())
    @blp.response(201, NewTokenSchema)
    def post(self, data):
        """Create a token; the answer is the only time its secret is shown"""
        days = data.get("expires_in_days")  # left out: the default lifetime
        if "expires_in_days" in data and days is None:  # null: never
            days = tokens.NEVER
        row, token = tokens.create_token(
            data["role"], data["label"], auth.actor_name(),
            organization_ids=data["organization_ids"], expires_in_days=days,
            lifetime_days=current_app.config["TOKEN_LIFETIME_DAYS"])
        return {**tokens.present(row), "token": token}


@blp.route("/<id:token_id>", methods=["DELETE"])
@blp.staff("admin")
@blp.response(204)
def revoke(token_id):
    """Revoke a token at once"""
    with database.atomic():
        # audit.record locks the caller's token too: both are locked here in id order, so two
        # admins revoking each other's tokens at once wait for one another (the second then gets
        # a 401) instead of deadlocking on PostgreSQL (a 503).
        rows = {row.id: row for row in (
            locked(ApiToken.select().where(ApiToken.id == locked_id))
            for locked_id in sorted({token_id, auth.caller().id})) if row is not None}
        row = rows.get(token_id)
        if row is None:
            raise NotFound("token", f"No token {token_id}.")
        if row.revoked_at is None:  # revoking twice is harmless; only the first is recorded
            # Recorded before the row changes: the caller's token is confirmed (audit.record)
            # while still usable, even when it is the one being revoked.
            audit.record("token.revoked", "token", row.id, auth.actor_name())
            row.revoked_at = utcnow()
            row.save(only=[ApiToken.revoked_at])
