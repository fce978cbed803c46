"""Bearer tokens and the three nested staff roles."""

import hashlib
import hmac
import secrets
from datetime import datetime
from functools import wraps

from flask import g, has_request_context, request
from flask_smorest import abort

from service.domain.models import ApiToken, TokenOrganization
from service.infra.clock import utcnow
from service.infra.db import locked

ROLES = ("editor", "publisher", "admin")  # each includes the ones before it
PUBLIC = "public"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(role: str, label: str, expires_at: datetime | None = None,
                organization_ids: tuple[int, ...] = ()) -> tuple[ApiToken, str]:
    """Store a new token's hash and its organisations; the plain token is returned once and
    never kept. The rules on who gets which are service.domain.tokens.create_token's."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    token = secrets.token_urlsafe(32)
    row = ApiToken.create(role=role, label=label, token_hash=hash_token(token),
                          created_at=utcnow(), expires_at=expires_at)
    if organization_ids:
        TokenOrganization.insert_many(
            [{"token": row.id, "organization": org} for org in organization_ids]).execute()
    return row, token


def organizations_of(token_id: int) -> frozenset[int]:
    return frozenset(org for (org,) in TokenOrganization.select(TokenOrganization.organization)
                     .where(TokenOrganization.token == token_id).tuples())


def is_usable(token: ApiToken, now: datetime) -> bool:
    """Neither revoked nor expired."""
    return token.revoked_at is None and (token.expires_at is None or now < token.expires_at)


def role_allows(have: str, need: str) -> bool:
    """Whether a caller with role `have` may act where `need` is required."""
    if need == PUBLIC:
        return True
    return have in ROLES and ROLES.index(have) >= ROLES.index(need)


def _token_from_header() -> ApiToken | None:
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        abort(401, message="Use 'Authorization: Bearer <token>'.",
              headers={"WWW-Authenticate": "Bearer"})
    digest = hash_token(token.strip())
    row = ApiToken.get_or_none(ApiToken.token_hash == digest)
    # The lookup is by hash, so timing reveals nothing of the token; compare anyway.
    if (row is None or not is_usable(row, utcnow())
            or not hmac.compare_digest(row.token_hash, digest)):
        abort(401, message="The token is not valid.", headers={"WWW-Authenticate": "Bearer"})
    return row


def caller() -> ApiToken | None:
    """The token of this request (None for the public); a bad token is a 401."""
    if "token" not in g:
        g.token = _token_from_header()
    return g.token


def confirm_caller() -> None:
    """Inside a write's transaction: the caller's token, read again under lock, is still usable.
    Revocation locks the same row, so no write by a token commits after its revocation (a
    request authenticated a moment before it is refused with 401 and writes nothing)."""
    token = caller() if has_request_context() else None
    if token is None:
        return
    current = locked(ApiToken.select().where(ApiToken.id == token.id))
    if current is None or not is_usable(current, utcnow()):
        abort(401, message="The token was revoked or expired during this request; nothing was "
                           "changed.", headers={"WWW-Authenticate": "Bearer"})


def caller_scope() -> frozenset[int] | None:
    """The organisations the caller acts for: None for every one (an admin's token, or no
    request at all: the CLI, the seeds, the scheduler), none for the public. A token's
    organisations never change after it is made, so they are read once per request."""
    if not has_request_context():
        return None
    token = caller()
    if token is None:
        return frozenset()
    if token.role == "admin":
        return None
    if "scope" not in g:
        g.scope = organizations_of(token.id)
    return g.scope


def caller_role() -> str:
    token = caller()
    return token.role if token else PUBLIC


def is_staff() -> bool:
    return caller() is not None


def actor_name() -> str:
    """How the audit trail names the caller (never the token itself)."""
    token = caller()
    return f"token:{token.id}:{token.label}" if token else PUBLIC


def demand(role: str, unauthenticated: str = "This action needs a staff token.") -> None:
    """401 without a valid token (saying `unauthenticated`), 403 when the role is too low: for a
    view whose arguments decide whether it needs a role at all (require, for all its calls)."""
    token = caller()
    if token is None:
        abort(401, message=unauthenticated, headers={"WWW-Authenticate": "Bearer"})
    if not role_allows(token.role, role):
        abort(403, message=f"This action needs the {role} role.")


def require(role: str):
    """View decorator: 401 without a valid token, 403 when the role is too low."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            demand(role)
            return view(*args, **kwargs)

        wrapper._required_role = role
        return wrapper

    return decorator
