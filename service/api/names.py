"""The public name check."""

from flask.views import MethodView

from schemas.names import NameCheckSchema, NameQueryArgsSchema
from service.api import Blueprint, JSONBody
from service.domain.errors import Invalid
from service.domain.namecheck import check_name
from service.infra.clock import utcnow
from service.infra.limits import public_rate_limit

URL_PREFIX = "/api/v1/names"
blp = Blueprint("names", __name__, description="Check whether a name is on a published roster")
# The domain builds the answer in the schema's shape (tests/test_names_paging.py holds it to it).
NAME_CHECK_BODY = JSONBody(NameCheckSchema(), shaped=True)
# Names people check are nobody else's business: no shared cache (a proxy, a CDN) keeps the
# answer under its URL, as none keeps the /check page.
NAMES_CHECKED = "private"


@blp.route("")
class Names(MethodView):
    @public_rate_limit
    @blp.arguments(NameQueryArgsSchema(), location="query")
    @blp.response(200, NameCheckSchema)
    def get(self, args):
        """Check a name against every published roster

        The first 20 matches of each kind (exact, variant, pinyin), each kind's `totals`, and in
        `next` a link to the following page of a kind that has more (the same query with `kind`
        and `cursor`); such a page holds only that kind's matches."""
        try:
            response = NAME_CHECK_BODY.response(check_name(
                args["q"], utcnow(), kind=args.get("kind"), cursor=args.get("cursor"),
                encode=NAME_CHECK_BODY))
        except Invalid as error:
            if error.field == "cursor":
                raise
            raise error.renamed("q") from None
        response.headers["Cache-Control"] = NAMES_CHECKED
        return response
