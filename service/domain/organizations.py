"""Organisations (the issuers and sources), and the one rule of who acts for which: editors and
publishers for their token's organisations, admins (and the CLI, seeds, scheduler) for all."""

import json

from peewee import IntegrityError
from stdnum.cn import uscc as uscc_code
from stdnum.exceptions import ValidationError as CodeError

from service.domain import audit
from service.domain.contacts import clean_contacts
from service.domain.errors import Conflict, Forbidden, Invalid, NotFound
from service.domain.models import Notice, Organization
from service.infra import auth
from service.infra.clock import utcnow
from service.infra.db import database, locked, placeholders

FIELDS = ("name", "uscc", "region", "contacts")


def clean_uscc(code: str | None) -> str | None:
    """A unified social credit code (统一社会信用代码) in its compact form, its check character
    verified; None stays None."""
    if code is None:
        return None
    try:
        return uscc_code.validate(code)
    except CodeError as error:
        raise Invalid("uscc", "invalid_uscc",
                      f"not a unified social credit code: {error.message}") from None


def _cleaned(data: dict, region: str) -> dict:
    values = {key: data[key] for key in FIELDS if key in data}
    if "name" in values:
        values["name"] = values["name"].strip()
        if not values["name"]:
            raise Invalid("name", "empty", "an organization's name is more than spaces")
    if "uscc" in values:
        values["uscc"] = clean_uscc(values["uscc"])
    if "contacts" in values:
        values["contacts"] = json.dumps(clean_contacts(values["contacts"], region),
                                        ensure_ascii=False)
    return values


def _name_taken() -> Conflict:
    return Conflict("An organization with this name or unified social credit code exists "
                    "already.")


def create_organization(data: dict, actor: str, *, region: str) -> Organization:
    """A new organisation; a name or code already registered is a 409 (checked by the unique
    indexes, so two at once cannot both land)."""
    values = _cleaned(data, region)
    now = utcnow()
    with database.atomic():
        try:
            with database.atomic():  # a savepoint: PostgreSQL's transaction survives the error
                organization = Organization.create(**values, created_at=now, updated_at=now)
        except IntegrityError:
            raise _name_taken() from None
        audit.record("organization.created", "organization", organization.id, actor,
                     changes={key: data[key] for key in FIELDS if key in data},
                     organization_id=organization.id)
    return organization


def ensure_organization(name: str, actor: str, *, uscc: str | None = None,
                        region: str = "CN") -> Organization:
    """The organisation named `name`, created if there is none (the CLI's, idempotent)."""
    found = Organization.get_or_none(Organization.name == name.strip())
    if found is not None:
        return found
    try:
        return create_organization({"name": name, "uscc": uscc}, actor, region=region)
    except Conflict:  # created meanwhile, or the code belongs to another name
        found = Organization.get_or_none(Organization.name == name.strip())
        if found is None:
            raise
        return found


def update_organization(organization_id: int, data: dict, actor: str, *,
                        region: str) -> Organization:
    values = _cleaned(data, region)
    with database.atomic():
        organization = locked(Organization.select().where(Organization.id == organization_id))
        if organization is None:
            raise NotFound("organization", f"No organization {organization_id}.")
        changed = {key: [getattr(organization, key), value] for key, value in values.items()
                   if getattr(organization, key) != value}
        if not changed:
            return organization
        for key, (_, value) in changed.items():
            setattr(organization, key, value)
        organization.updated_at = utcnow()
        try:
            with database.atomic():
                organization.save(only=[getattr(Organization, key)
                                        for key in [*changed, "updated_at"]])
        except IntegrityError:
            raise _name_taken() from None
        audit.record("organization.updated", "organization", organization.id, actor,
                     changes=changed, organization_id=organization.id)
    return organization


def get_organization(organization_id: int) -> Organization:
    organization = Organization.get_or_none(Organization.id == organization_id)
    if organization is None:
        raise NotFound("organization", f"No organization {organization_id}.")
    return organization


def present(organization: Organization) -> dict:
    return {"id": organization.id, "name": organization.name, "uscc": organization.uscc,
            "region": organization.region, "contacts": json.loads(organization.contacts),
            "created_at": organization.created_at, "updated_at": organization.updated_at}


def names_of(ids) -> dict[int, str]:
    """{id: name} of the organisations of `ids` (None skipped), in one query (plain SQL: each
    article search asks twice, and peewee's query builder cost more than the statement)."""
    wanted = list({i for i in ids if i is not None})
    if not wanted:
        return {}
    return dict(database.execute_sql(
        f"SELECT id, name FROM organization WHERE id IN ({placeholders(len(wanted))})", wanted))


def facet(counts: dict[int, int]) -> list[dict]:
    """A search facet of organisations: [{id, name, count}], most first, then by id."""
    names = names_of(counts)
    return [{"id": i, "name": names.get(i), "count": n}
            for i, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


def acts_for(organization_id: int | None) -> bool:
    """Whether the caller acts for this organisation (admins for every one)."""
    scope = auth.caller_scope()
    return scope is None or organization_id in scope


def sees_credentials(organization_id: int | None) -> bool:
    """Whether the caller sees this organisation's rosters as stored (full credential numbers, and
    the roster digest computed over them): its staff and admins; the public sees them masked."""
    return auth.is_staff() and acts_for(organization_id)


def visible(model):
    """SQL: the notices or articles (`model`) the caller sees: published ones, and the drafts of
    its organisations (every draft for an admin)."""
    scope = auth.caller_scope()
    if scope is None:
        return model.id.is_null(False)
    if not scope:
        return model.public()
    return model.public() | model.organization.in_(scope)


def visible_notices():
    return visible(Notice)


def check_own(organization_id: int | None, *, is_draft: bool, what: str,
              detail: str) -> None:
    """For a write (on the row it locked) or a staff-only read (the unmasked roster): another
    organisation's draft is not there for the caller (404, as to the public); its published
    record is there but not the caller's (403). `what` names the kind, `detail` the record."""
    if acts_for(organization_id):
        return
    if is_draft:
        raise NotFound(what, f"No {detail}.")
    raise Forbidden(f"This {what} belongs to another organization; your token does not act "
                    "for it.")


def organization_for_new(requested: int | None) -> int:
    """The organisation a new notice or article belongs to: `requested` when the caller acts for
    it, else the token's only one; required from an admin's token or one acting for several."""
    scope = auth.caller_scope()
    if requested is None:
        if scope is not None and len(scope) == 1:
            return next(iter(scope))
        if scope is not None and not scope:
            raise Forbidden("Your token acts for no organization.")
        raise Invalid("organization_id", "required",
                      "required: the token acts for several organizations, or for all")
    if scope is not None and requested not in scope:
        raise Forbidden(f"Your token does not act for organization {requested}.")
    if Organization.get_or_none(Organization.id == requested) is None:
        raise Invalid("organization_id", "missing", "no such organization")
    return requested
