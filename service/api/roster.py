"""A notice's roster of names."""

from flask import Response, current_app
from flask.views import MethodView

from schemas.common import page_schema
from schemas.notices import OneOrManyRosterEntriesSchema, RosterEntryInputSchema
from schemas.roster import (
    RosterEntrySchema,
    RosterImportFileSchema,
    RosterImportResultSchema,
    RosterQueryArgsSchema,
    RosterVerificationSchema,
)
from service import config
from service.api import Blueprint, paginate
from service.api.names import NAMES_CHECKED
from service.domain import notices, organizations, roster
from service.domain.errors import Conflict, Invalid, NotFound
from service.domain.models import RosterEntry
from service.domain.namecheck import roster_filter
from service.domain.presentation import roster_entry_dict
from service.domain.rosterfile import read_roster, roster_csv
from service.infra import auth
from service.infra.limits import search_rate_limit
from service.infra.routes import uploads

URL_PREFIX = "/api/v1/notices"
blp = Blueprint("roster", __name__, description="Rosters: the names a notice publishes")
RosterPageSchema = page_schema(RosterEntrySchema, "RosterPage")
# The types read_roster reads (it goes by the file name: .csv, UTF-8 with or without BOM; .xlsx).
ROSTER_FILE = {"content": {"multipart/form-data": {"encoding": {"file": {"contentType": (
    "text/csv, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}}}}}
# What OneOrManyRosterEntriesSchema(many=True) loads: one entry, or a list of at least one.
ONE_OR_MANY_ENTRIES = {"content": {"application/json": {"schema": {"oneOf": [
    RosterEntryInputSchema,
    {"type": "array", "items": RosterEntryInputSchema, "minItems": 1},
]}}}}


@blp.route("/<id:notice_id>/roster")
class Roster(MethodView):
    @search_rate_limit
    @blp.arguments(RosterQueryArgsSchema(), location="query")
    @blp.response(200, RosterPageSchema)
    def get(self, args, notice_id):
        """List a notice's roster in publication order"""
        notice = notices.visible_notice(notice_id)
        if notice.roster_hidden_at is not None and not auth.is_staff():
            raise NotFound("roster", f"The roster of notice {notice_id} is no longer public.")
        query = notice.roster.order_by(RosterEntry.position)
        if "q" in args:
            try:
                query = query.where(roster_filter(args["q"]))
            except Invalid as error:
                raise error.renamed("q") from None
        rows, envelope = paginate(query, args)
        masked = not organizations.sees_credentials(notice.organization_id)
        page = {"items": [roster_entry_dict(e, masked=masked) for e in rows], **envelope}
        # Filtered by a name, it is a name check: kept by no shared cache (names.NAMES_CHECKED).
        return (page, 200, {"Cache-Control": NAMES_CHECKED}) if "q" in args else page

    @blp.staff("editor")
    @blp.arguments(OneOrManyRosterEntriesSchema(many=True))
    @blp.doc(requestBody=ONE_OR_MANY_ENTRIES)
    @blp.response(201, RosterEntrySchema(many=True))
    def post(self, entries, notice_id):
        """Add one entry or a list of entries to a draft's roster"""
        if not entries:
            raise Invalid("_schema", "empty", "no entries given")
        notices.visible_notice(notice_id)
        added = notices.add_roster_entries(notice_id, entries, auth.actor_name())
        rows = RosterEntry.select().where(RosterEntry.id.in_(added)).order_by(RosterEntry.position)
        return [roster_entry_dict(e, masked=False) for e in rows]


@blp.route("/<id:notice_id>/roster.csv")
@blp.staff("editor")
@blp.response(200, content_type="text/csv")
def export_roster_csv(notice_id):
    """Download the roster as CSV (UTF-8 with BOM, for Excel), safe to open in a spreadsheet"""
    notice = notices.visible_notice(notice_id)
    organizations.check_own(notice.organization_id, is_draft=notice.published_at is None,
                            what="notice", detail=f"notice {notice_id}")
    entries = notice.roster.order_by(RosterEntry.position)
    body = roster_csv([roster_entry_dict(e, masked=False) for e in entries])
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="notice-{notice_id}-roster.csv"'})


@blp.route("/<id:notice_id>/roster:verify")
@blp.staff("admin")
@blp.response(200, RosterVerificationSchema)
def verify_roster(notice_id):
    """Check a published roster against the digest recorded when it was published"""
    notice = notices.visible_notice(notice_id)
    if notice.published_at is None:
        raise Conflict("A draft's roster has no published digest yet.")
    return roster.verify_roster(notice)


@blp.route("/<id:notice_id>/roster/<id:entry_id>", methods=["DELETE"])
@blp.staff("editor")
@blp.response(204)
def delete_entry(notice_id, entry_id):
    """Remove an entry from a draft's roster"""
    notices.visible_notice(notice_id)
    notices.remove_roster_entry(notice_id, entry_id, auth.actor_name())


@blp.route("/<id:notice_id>/roster:import", methods=["POST"])
@uploads(max_bytes=config.MAX_UPLOAD_BYTES)
@blp.staff("editor")
@blp.arguments(RosterImportFileSchema(), location="files")
@blp.doc(requestBody=ROSTER_FILE)
@blp.response(201, RosterImportResultSchema)
def import_roster(files, notice_id):
    """Bulk-add names from a .csv or .xlsx upload (column name, optional organization,
    credential_no), all or nothing"""
    notice = notices.visible_notice(notice_id)
    upload = files["file"]
    rows = read_roster(upload.read(), upload.filename or "",
                       seconds=current_app.config["ROSTER_IMPORT_SECONDS"])
    added = notices.add_roster_entries(notice.id, rows, auth.actor_name(), action="roster.imported",
                                       path=lambda i: f"rows.{rows[i]['line']}")
    return {"imported": len(added), "roster_size": notice.roster.count()}
