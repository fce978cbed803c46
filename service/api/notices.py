"""Notices: create, read, edit, publish, extend, withdraw."""

from flask import current_app
from flask.views import MethodView
from marshmallow import ValidationError

from schemas.common import PageArgsSchema, page_schema
from schemas.notices import (
    CorrectionSchema,
    ExtendSchema,
    NoticeCreateSchema,
    NoticeQueryArgsSchema,
    NoticeSchema,
    NoticeUpdateSchema,
    PublishSchema,
    WithdrawSchema,
)
from service.api import Blueprint, paginate
from service.domain import corrections, notices
from service.domain.errors import Forbidden, Invalid
from service.domain.models import Notice
from service.domain.presentation import present, present_one
from service.domain.status import (
    mentioning,
    notices_query,
    open_during_day_condition,
    status_condition,
)
from service.infra import auth
from service.infra.clock import utcnow
from service.infra.db import database
from service.infra.limits import search_rate_limit

URL_PREFIX = "/api/v1/notices"
blp = Blueprint("notices", __name__, description="Public notices (公示) and their lifecycle")
NoticePageSchema = page_schema(NoticeSchema, "NoticePage")
CorrectionPageSchema = page_schema(CorrectionSchema, "CorrectionPage")


def settings() -> dict:
    return {"default_timezone": current_app.config["NOTICE_TIMEZONE"],
            "region": current_app.config["PHONE_REGION"]}


def check_window_and_contacts(data: dict) -> None:
    """Beside the schema's own checks (a marshmallow validator), so that one 422 names every bad
    field."""
    errors, config = {}, settings()
    for field, check, setting in (("window", notices.build_window, "default_timezone"),
                                  ("contacts", notices.clean_contacts, "region")):
        try:
            if field in data:
                check(data[field], config[setting])
        except Invalid as error:
            errors.update(error.errors)
    if errors:
        raise ValidationError(errors)


@blp.route("")
class Notices(MethodView):
    @search_rate_limit
    @blp.arguments(NoticeQueryArgsSchema(), location="query")
    @blp.response(200, NoticePageSchema)
    def get(self, args):
        """List notices (the public sees published ones only)"""
        now = utcnow()
        query = notices_query()
        if "status" in args:
            query = query.where(status_condition(args["status"], now))
        if "category" in args:
            query = query.where(Notice.category == args["category"])
        if "issuer" in args:
            query = query.where(Notice.issuer == args["issuer"])
        if "organization" in args:
            query = query.where(Notice.organization == args["organization"])
        if "q" in args:
            query = query.where(mentioning(args["q"]))
        if "open_on" in args:
            query = query.where(open_during_day_condition(
                args["open_on"], current_app.config["NOTICE_TIMEZONE"]))
        rows, envelope = paginate(query.order_by(Notice.id.desc()), args)
        return {"items": present(rows, now), **envelope}

    @blp.staff("editor")
    @blp.arguments(NoticeCreateSchema(), validate=check_window_and_contacts)
    @blp.response(201, NoticeSchema)
    def post(self, data):
        """Create a draft notice, optionally with its roster"""
        notice = notices.create_notice(data, auth.actor_name(), **settings())
        return present_one(notice, utcnow())


@blp.route("/<id:notice_id>")
class NoticeById(MethodView):
    @blp.etag
    @blp.response(200, NoticeSchema)
    def get(self, notice_id):
        """Get one notice"""
        return present_one(notices.visible_notice(notice_id), utcnow())

    @blp.staff("editor", forbidden="below publisher to correct a published notice, below "
                                   "admin to correct a closed one")
    @blp.etag
    # Optional: no body, no field changed.
    @blp.arguments(NoticeUpdateSchema(), required=False, validate=check_window_and_contacts)
    @blp.response(200, NoticeSchema)
    @blp.alt_response(412, description="If-Match does not match the current ETag")
    def patch(self, data, notice_id):
        """Edit a draft, or correct a published notice (publisher, with a reason; admin once
        it has closed)"""
        notice = notices.visible_notice(notice_id)
        may_correct = auth.role_allows(auth.caller_role(), "publisher")
        may_correct_closed = auth.role_allows(auth.caller_role(), notices.CLOSED_ROLE)
        if notice.published_at is not None and not may_correct:
            raise Forbidden("Correcting a published notice needs the publisher role.")
        with database.atomic():  # If-Match is checked against the row this write locks
            blp.check_etag(present_one(notices.lock_notice(notice_id), utcnow()),
                           NoticeSchema)
            notice = notices.update_notice(notice_id, data, auth.actor_name(),
                                           may_correct=may_correct,
                                           may_correct_closed=may_correct_closed, **settings())
        return present_one(notice, utcnow())


    @blp.staff("editor")
    @blp.response(204)
    def delete(self, notice_id):
        """Delete a draft (a published notice is withdrawn instead, never deleted)"""
        notices.visible_notice(notice_id)
        notices.delete_draft(notice_id, auth.actor_name())


@blp.route("/<id:notice_id>/publish", methods=["POST"])
@blp.staff("publisher")
@blp.arguments(PublishSchema(), required=False)  # optional: no body, not backdated
@blp.response(200, NoticeSchema)
def publish(data, notice_id):
    """Publish a draft: its window, report numbers and roster become public and fixed"""
    notices.visible_notice(notice_id)
    notice = notices.publish_notice(notice_id, auth.actor_name(),
                                    backdated=data.get("backdated", False))
    return present_one(notice, utcnow())


@blp.route("/<id:notice_id>/withdraw", methods=["POST"])
@blp.staff("publisher", forbidden="below admin to withdraw a closed notice")
@blp.arguments(WithdrawSchema())
@blp.response(200, NoticeSchema)
def withdraw(data, notice_id):
    """Withdraw a published notice, with the reason shown to the public (admin once closed)"""
    notices.visible_notice(notice_id)
    notice = notices.withdraw_notice(
        notice_id, data["reason"], auth.actor_name(),
        may_withdraw_closed=auth.role_allows(auth.caller_role(), notices.CLOSED_ROLE))
    return present_one(notice, utcnow())


@blp.route("/<id:notice_id>/extend", methods=["POST"])
@blp.staff("publisher")
@blp.arguments(ExtendSchema())
@blp.response(200, NoticeSchema)
def extend(data, notice_id):
    """Extend a scheduled or open notice's window to a later end"""
    notices.visible_notice(notice_id)
    notice = notices.extend_notice(notice_id, auth.actor_name(), **data)
    return present_one(notice, utcnow())


@blp.route("/<id:notice_id>/corrections")
@search_rate_limit
@blp.arguments(PageArgsSchema(), location="query")
@blp.response(200, CorrectionPageSchema)
def corrections_of(args, notice_id):
    """A published notice's corrections, oldest first: when, why, each public field's earlier
    and new value"""
    notice = notices.visible_notice(notice_id)
    return corrections.history(notice.id, page=args["page"], page_size=args["page_size"])
