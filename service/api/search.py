"""One search box for the public pages: notices, roster names and articles together."""

from flask.views import MethodView

from schemas.search import SearchArgsSchema, SearchResultSchema
from service.api import Blueprint
from service.api.names import NAMES_CHECKED
from service.domain import articles
from service.domain.errors import Invalid
from service.domain.models import Notice
from service.domain.namecheck import check_name
from service.domain.presentation import present
from service.domain.status import mentioning, notices_query, status_rank
from service.infra import auth
from service.infra.clock import utcnow
from service.infra.limits import public_rate_limit, search_rate_limit

URL_PREFIX = "/api/v1/search"
blp = Blueprint("search", __name__, description="Notices, names and articles in one answer")


@blp.route("")
class Search(MethodView):
    # Every request counts, as the README says: the search limit counts a non-empty `q` only,
    # and a `q` of spaces alone (which lists every notice) was counted by neither.
    @public_rate_limit
    @search_rate_limit
    @blp.arguments(SearchArgsSchema(), location="query")
    @blp.response(200, SearchResultSchema)
    def get(self, args):
        """Search notices, roster names and articles at once"""
        q, limit, now, staff = args["q"], args["limit"], utcnow(), auth.is_staff()
        found_notices = (notices_query().where(mentioning(q))
                         .order_by(status_rank(now), Notice.id.desc()).limit(limit))
        try:
            names = check_name(q, now)["matches"][:limit]
        except Invalid:
            names = []  # not a possible name (too long, say): the other parts still answer
        try:
            found_articles = articles.search_page(q=q, page_size=limit, staff=staff)["items"]
        except Invalid:
            found_articles = []  # more different words than an article search takes, likewise
        return {
            "query": q,
            "notices": present(list(found_notices), now),
            "names": names,
            "articles": found_articles,
        }, 200, {"Cache-Control": NAMES_CHECKED}
