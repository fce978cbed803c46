"""One search box for the public pages: notices, roster names and articles together."""

from flask.views import MethodView

from schemas.search import SearchArgsSchema, SearchResultSchema

from .. import articles, auth, notices
from ..limits import search_rate_limit
from ..models import Notice, utcnow
from ..namecheck import check_name
from . import Blueprint

URL_PREFIX = "/api/v1/search"
blp = Blueprint("search", __name__, description="Notices, names and articles in one answer")


@blp.route("")
class Search(MethodView):
    @search_rate_limit
    @blp.arguments(SearchArgsSchema(), location="query")
    @blp.response(200, SearchResultSchema)
    def get(self, args):
        """Search notices, roster names and articles at once"""
        q, limit, now, staff = args["q"], args["limit"], utcnow(), auth.is_staff()
        text = q.strip()
        found_notices = (notices.notices_query(staff=staff)
                         .where(Notice.title.contains(text) | Notice.body.contains(text))
                         .order_by(notices.status_rank(now), Notice.id.desc()).limit(limit))
        try:
            names = check_name(q, now)["matches"][:limit]
        except ValueError:
            names = []  # not a possible name (too long, say): the other parts still answer
        return {
            "query": q,
            "notices": notices.present(list(found_notices), now),
            "names": names,
            "articles": articles.search_page(q=q, page_size=limit, staff=staff)["items"],
        }
