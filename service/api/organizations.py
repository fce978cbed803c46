"""Organisations: the issuers of notices and sources of articles (admins write them)."""

from flask import current_app
from flask.views import MethodView

from schemas.common import page_schema
from schemas.organizations import (
    OrganizationCreateSchema,
    OrganizationDetailSchema,
    OrganizationFieldsSchema,
    OrganizationQueryArgsSchema,
    OrganizationSchema,
)
from service.api import Blueprint, paginate
from service.domain import organizations
from service.domain.models import Notice, Organization
from service.domain.presentation import present
from service.domain.status import notices_query, status_condition
from service.infra import auth
from service.infra.clock import utcnow
from service.infra.limits import public_rate_limit, search_rate_limit

URL_PREFIX = "/api/v1/organizations"
blp = Blueprint("organizations", __name__, description="Organizations: issuers and sources")
OrganizationPageSchema = page_schema(OrganizationSchema, "OrganizationPage")
RECENT = 20


def region() -> str:
    return current_app.config["PHONE_REGION"]


def detail(organization: Organization) -> dict:
    """The organisation with its open notices and its latest published ones (as the caller sees
    them: the public, published only)."""
    now = utcnow()
    own = notices_query().where(Notice.organization == organization.id)
    open_now = own.where(status_condition("open", now)).order_by(Notice.closes_at, Notice.id)
    recent = (own.where(Notice.public()).order_by(Notice.published_at.desc(), Notice.id.desc())
              .limit(RECENT))
    return {**organizations.present(organization),
            "open_notices": present(list(open_now), now),
            "recent_notices": present(list(recent), now)}


@blp.route("")
class Organizations(MethodView):
    @public_rate_limit
    @search_rate_limit
    @blp.arguments(OrganizationQueryArgsSchema(), location="query")
    @blp.response(200, OrganizationPageSchema)
    def get(self, args):
        """List organizations by name"""
        query = Organization.select()
        if "q" in args:
            query = query.where(Organization.name.contains(args["q"].strip()))
        rows, envelope = paginate(query.order_by(Organization.name, Organization.id), args)
        return {"items": [organizations.present(row) for row in rows], **envelope}

    @blp.staff("admin")
    @blp.arguments(OrganizationCreateSchema())
    @blp.response(201, OrganizationSchema)
    def post(self, data):
        """Register an organization (a name or code already registered is a 409)"""
        return organizations.present(
            organizations.create_organization(data, auth.actor_name(), region=region()))


@blp.route("/<id:organization_id>")
class OrganizationById(MethodView):
    @public_rate_limit
    @blp.response(200, OrganizationDetailSchema)
    def get(self, organization_id):
        """Get one organization, with its open and latest notices"""
        return detail(organizations.get_organization(organization_id))

    @blp.staff("admin")
    @blp.arguments(OrganizationFieldsSchema(), required=False)
    @blp.response(200, OrganizationSchema)
    def patch(self, data, organization_id):
        """Change an organization's name, code, region or contacts"""
        return organizations.present(organizations.update_organization(
            organization_id, data, auth.actor_name(), region=region()))
