"""The public name check."""

from flask.views import MethodView
from flask_smorest import abort

from schemas.names import NameCheckSchema, NameQueryArgsSchema

from ..limits import public_rate_limit
from ..models import utcnow
from ..namecheck import check_name
from . import Blueprint, JSONBody

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
        except ValueError as error:
            abort(422, errors={"q": [str(error)]})
