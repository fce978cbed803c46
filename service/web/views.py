"""Public pages in Chinese, server-rendered (no JavaScript needed)."""

import hashlib
import logging
import math
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, request, url_for

from schemas.common import MAX_QUERY_LENGTH
from service.domain import articles, corrections, notices, organizations, textsearch
from service.domain.errors import Invalid
from service.domain.folding import query_pinyin_key
from service.domain.models import Article, Notice, RosterEntry
from service.domain.namecheck import check_name, roster_filter
from service.domain.presentation import present, present_one, roster_entry_dict
from service.domain.status import status_condition
from service.infra import limits, routes
from service.infra.clock import utcnow
from service.web import errors
from service.web.errors import name_error_message
from service.web.formatting import (
    EXPLAINED,
    MATCH_LABELS,
    TYPED_PINYIN_LABEL,
    article_view,
    cn_local_date,
    correction_view,
    excerpt,
    match_explanation,
    notice_view,
    paragraphs,
    verdict_view,
)

log = logging.getLogger(__name__)

bp = Blueprint("pages", __name__)
errors.attach(bp)

MAX_AGE = 60
HOME_OPEN_LIMIT = 50
HOME_RECENT_LIMIT = 10
ORGANIZATION_RECENT_LIMIT = 20
ROSTER_PAGE_SIZE = 500
ARTICLES_PAGE_SIZE = 20
MAX_PAGE = 100_000
DESCRIPTION_LENGTH = 120
CORRECTIONS_SHOWN = 100  # corrections are exceptional; the API pages through any more
ECHO_LIMIT = 100  # how much of a refused input is shown back in the form

STYLESHEET = Path(__file__).parent / "static" / "site.css"


@bp.record_once
def _setup(state) -> None:
    # Every template escapes, whatever its file name.
    state.app.jinja_env.autoescape = True
    version = hashlib.sha256(STYLESHEET.read_bytes()).hexdigest()[:12]
    state.app.jinja_env.globals["stylesheet_version"] = version


def page_number() -> int:
    number = request.args.get("page", 1, type=int)
    return number if 1 <= number <= MAX_PAGE else 1


def pagination(total: int, page: int, size: int, endpoint: str, **params) -> dict:
    pages = max(1, math.ceil(total / size))

    def link(number: int) -> str:
        return url_for(endpoint, **params, page=number)

    return {"page": page, "pages": pages,
            "previous": link(page - 1) if page > 1 else None,
            "next": link(page + 1) if page < pages else None}


def section(name: str):
    """The menu entry the page belongs to, marked as the current page in base.html."""
    return lambda view: routes.mark(view, page_section=name)


def render_page(template: str, *, status: int = 200, cache: str = "public",
                **context) -> Response:
    """The rendered page; a 200 carries an ETag (answering If-None-Match with 304) and may be
    cached briefly, anything else is not stored."""
    html = render_template(template, section=routes.setting("page_section", None), **context)
    response = current_app.response_class(html, status=status, mimetype="text/html")
    if status != 200:
        response.headers["Cache-Control"] = "no-store"
        return response
    response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
    response.headers["Cache-Control"] = f"{cache}, max-age={MAX_AGE}"
    return response.make_conditional(request)


# --- pages -------------------------------------------------------------------------------------

@bp.get("/")
@section("names")
@limits.public_rate_limit
def home():
    """Open notices (closing soonest first), the latest others, and the name-check box."""
    now = utcnow()
    open_rows = list(Notice.select().where(status_condition("open", now))
                     .order_by(Notice.closes_at, Notice.id.desc()).limit(HOME_OPEN_LIMIT))
    recent_rows = list(
        Notice.select()
        .where(Notice.public() & Notice.id.not_in([n.id for n in open_rows] or [0]))
        .order_by(Notice.published_at.desc(), Notice.id.desc()).limit(HOME_RECENT_LIMIT))
    return render_page(
        "index.html",
        open_notices=[notice_view(n, now) for n in present(open_rows, now)],
        recent_notices=[notice_view(n, now) for n in present(recent_rows, now)],
        name="",
    )


@bp.get("/check")
@section("names")
@limits.public_rate_limit
def check():
    """The name check: a verdict first, then each match explained with what to compare."""
    name = request.args.get("name")
    if name is None:
        return render_page("check.html", name="", result=None, **EXPLAINED)
    now = utcnow()
    try:
        result = check_name(name, now)
        typed_pinyin = query_pinyin_key(name) is not None
    except Invalid as error:
        return render_page("check.html", status=400, name=name[:ECHO_LIMIT], result=None,
                           error=name_error_message(error), **EXPLAINED)
    matches = [
        {**match,
         "label": TYPED_PINYIN_LABEL if match["match"] == "pinyin" and typed_pinyin
         else MATCH_LABELS[match["match"]],
         "explanation": match_explanation(match, result["query"], typed_pinyin),
         "notice": notice_view(match["notice"], now)}
        for match in result["matches"]
    ]
    # Names people check are nobody else's business: no shared cache keeps them.
    return render_page("check.html", cache="private", name=name, result=result,
                       verdict=verdict_view(result, typed_pinyin), matches=matches,
                       more=sum(result["totals"].values()) - len(matches), **EXPLAINED)


@bp.get("/notices/<id:notice_id>")
@limits.public_rate_limit
@limits.search_rate_limit
def notice(notice_id: int):
    """A notice as printed, with its window, report numbers, roster (filterable) and articles."""
    now = utcnow()
    row = notices.visible_notice(notice_id, public_only=True)
    item = notice_view(present_one(row, now), now)
    status, filter_error, roster, by_pinyin = 200, None, None, False
    query_text = (request.args.get("q") or "").strip()
    if row.roster_hidden_at is None:
        query = row.roster.order_by(RosterEntry.position)
        if query_text:
            try:
                query = query.where(roster_filter(query_text))
                by_pinyin = query_pinyin_key(query_text) is not None
            except Invalid as error:
                status, filter_error = 400, name_error_message(error)
        total = query.count()
        page = page_number()
        rows = query.paginate(page, ROSTER_PAGE_SIZE)
        entries = [roster_entry_dict(e, masked=True) for e in rows]
        roster = {
            "entries": entries,
            "total": total,
            "has_details": any(e["organization"] or e["credential_no"] for e in entries),
            "pagination": pagination(total, page, ROSTER_PAGE_SIZE, "pages.notice",
                                     notice_id=notice_id, q=query_text or None,
                                     _anchor="roster"),
        }
    linked = list(Article.select().where(Article.id.in_(item["article_ids"]) & Article.public())
                  .order_by(Article.published_on.desc(), Article.id)) if item["article_ids"] else []
    corrected = corrections.history(row.id, page_size=CORRECTIONS_SHOWN)
    return render_page(
        # A roster filtered by a name is a name check: no shared cache keeps it, as for /check.
        "notice.html", status=status, cache="private" if query_text else "public",
        notice=item, roster=roster,
        query=query_text[:ECHO_LIMIT], filter_error=filter_error, by_pinyin=by_pinyin,
        body=paragraphs(item["body"], item["contacts"], (row.issuer,)),
        hidden_on=row.roster_hidden_at and cn_local_date(row.roster_hidden_at, row.timezone),
        withdrawn_on=row.withdrawn_at and cn_local_date(row.withdrawn_at, row.timezone),
        articles=[article_view({"id": a.id, "title": a.title, "kind": a.kind,
                                "published_on": a.published_on}) for a in linked],
        corrections=[correction_view(c, row.timezone) for c in corrected["items"]],
        corrections_total=corrected["total"],
    )


@bp.get("/orgs/<id:organization_id>")
@limits.public_rate_limit
def organization(organization_id: int):
    """An organisation: its name, code, region and numbers, its open and latest notices."""
    now = utcnow()
    row = organizations.get_organization(organization_id)
    public = Notice.select().where(Notice.public() & (Notice.organization == row.id))
    open_rows = list(public.where(status_condition("open", now))
                     .order_by(Notice.closes_at, Notice.id.desc()).limit(HOME_OPEN_LIMIT))
    recent_rows = list(
        public.where(Notice.id.not_in([n.id for n in open_rows] or [0]))
        .order_by(Notice.published_at.desc(), Notice.id.desc()).limit(ORGANIZATION_RECENT_LIMIT))
    return render_page(
        "organization.html", organization=organizations.present(row),
        open_notices=[notice_view(n, now) for n in present(open_rows, now)],
        recent_notices=[notice_view(n, now) for n in present(recent_rows, now)],
    )


@bp.get("/articles/<id:article_id>")
@section("articles")
@limits.public_rate_limit
def article(article_id: int):
    """An article with the published notices linked to it."""
    now = utcnow()
    row = articles.get_article(article_id, public_only=True)
    item = articles.present_one(row, staff=False)
    linked = list(Notice.select().where(Notice.id.in_(item["notice_ids"]))
                  .order_by(Notice.id.desc())) if item["notice_ids"] else []
    return render_page(
        "article.html",
        description=excerpt(item["body"], DESCRIPTION_LENGTH) or item["title"],
        article=article_view(item),
        body=paragraphs(item["body"]),
        linked_notices=[notice_view(n, now) for n in present(linked, now)],
    )


@bp.get("/articles")
@section("articles")
@limits.public_rate_limit
@limits.search_rate_limit
def article_search():
    """Articles, newest first, or those matching `q` with a snippet around the hit."""
    query_text = (request.args.get("q") or "").strip()

    def refused(error: str):
        return render_page("articles.html", status=400, query=query_text[:ECHO_LIMIT],
                           error=error, items=[], total=0, pagination=None)

    if len(query_text) > MAX_QUERY_LENGTH:
        return refused(f"搜索词最多 {MAX_QUERY_LENGTH} 个字，请缩短后重试。")
    q = query_text or None
    page = page_number()
    try:
        found = articles.search_page(q=q, page=page, page_size=ARTICLES_PAGE_SIZE)
    except Invalid as error:
        if error.code != "too_many_terms":
            raise
        return refused(f"搜索词最多 {textsearch.MOST_TERMS} 个不同的词（以空格或标点分开），"
                       "请减少后重试。")
    items = [{**article_view(item), "excerpt": excerpt(item["body"]),
              # The whole title, escaped, with its hits in <mark> as in the body's snippet.
              **({"title_marked": textsearch.snippet(item["title"], q, len(item["title"]))}
                 if q else {})}
             for item in found["items"]]
    return render_page("articles.html", query=query_text, items=items, total=found["total"],
                       pagination=pagination(found["total"], page, ARTICLES_PAGE_SIZE,
                                             "pages.article_search", q=q))
