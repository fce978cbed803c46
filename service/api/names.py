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
NAME_CHECK_BODY = JSONBody(NameCheckSchema())


@blp.route("")
class Names(MethodView):
    @public_rate_limit
    @blp.arguments(NameQueryArgsSchema(), location="query")
    @blp.response(200, NameCheckSchema)
    def get(self, args):
        """Check a name against every published roster"""
        try:
            return NAME_CHECK_BODY.response(check_name(args["q"], utcnow(),
                                                       encode=NAME_CHECK_BODY))
        except Invalid as error:
            raise error.renamed("q") from None
