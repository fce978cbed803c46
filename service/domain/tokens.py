"""Staff tokens: who may have which, for which organisations, for how long (the CLI's and the
API's one way to make one)."""

from datetime import timedelta

from service.domain import audit
from service.domain.errors import Invalid
from service.domain.models import ApiToken, Organization
from service.infra import auth
from service.infra.clock import utcnow
from service.infra.db import database

MAX_LABEL = 200
NEVER = "never"


def create_token(role: str, label: str, actor: str, *, organization_ids: list[int],
                 expires_in_days: int | str | None, lifetime_days: int) -> tuple[ApiToken, str]:
    """A new token and its secret (shown once). Editors and publishers act for the organisations
    of `organization_ids` (at least one); admins for every one (none given). It expires after
    `expires_in_days`, or `lifetime_days` when that is None; NEVER: only when revoked."""
    label = label.strip()
    if not 1 <= len(label) <= MAX_LABEL:
        raise Invalid("label", "length", f"1 to {MAX_LABEL} characters")
    if role not in auth.ROLES:
        raise Invalid("role", "invalid", f"one of {', '.join(auth.ROLES)}")
    unique = tuple(dict.fromkeys(organization_ids))
    if role == "admin" and unique:
        raise Invalid("organization_ids", "admin_global",
                      "an admin's token acts for every organization: give none")
    if role != "admin" and not unique:
        raise Invalid("organization_ids", "required",
                      "an editor's or publisher's token acts for one or more organizations: "
                      "give their ids")
    days = lifetime_days if expires_in_days is None else expires_in_days
    expires_at = None if days == NEVER else utcnow() + timedelta(days=days)
    with database.atomic():
        known = {i for (i,) in Organization.select(Organization.id)
                 .where(Organization.id.in_(unique)).tuples()}
        missing = {f"organization_ids.{n}": ["no such organization"]
                   for n, i in enumerate(unique) if i not in known}
        if missing:
            raise Invalid.of(missing, "missing")
        row, token = auth.issue_token(role, label, expires_at, unique)
        audit.record("token.created", "token", row.id, actor,
                     changes={"role": role, "label": label, "expires_at": expires_at,
                              "organization_ids": list(unique)},
                     organization_id=unique[0] if len(unique) == 1 else None)
    return row, token


def present(row: ApiToken) -> dict:
    return {**row.__data__, "organization_ids": sorted(auth.organizations_of(row.id))}
