"""Public pages in Chinese, server-rendered (no JavaScript needed)."""

import functools
import hashlib
import logging
import math
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from peewee import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from schemas.common import MAX_QUERY_LENGTH

from . import articles, errors, limits, notices, textsearch, windows
from .folding import query_pinyin_key
from .models import Article, Notice, RosterEntry, utcnow
from .namecheck import check_name, roster_filter
from .names import MAX_NAME_LENGTH

log = logging.getLogger(__name__)

bp = Blueprint("pages", __name__)

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
MAX_AGE = 60
HOME_OPEN_LIMIT = 50
HOME_RECENT_LIMIT = 10
ROSTER_PAGE_SIZE = 500
ARTICLES_PAGE_SIZE = 20
MAX_PAGE = 100_000
DESCRIPTION_LENGTH = 120
ECHO_LIMIT = 100  # how much of a refused input is shown back in the form

STATUS_LABELS = {"open": "公示中", "scheduled": "尚未开始", "closed": "已结束",
                 "withdrawn": "已撤回"}
MATCH_LABELS = {"exact": "完全一致", "variant": "繁简或写法不同", "pinyin": "同音"}
TYPED_PINYIN_LABEL = "拼音相同"
MATCH_EXPLANATIONS = {
    "exact": "名单上的姓名与您输入的完全相同（全角、半角和空格的差别不计）。",
    "variant": "只是繁体与简体不同，或间隔号“·”的写法不同，按同一个姓名看待。",
    "pinyin": "读音相同（不计声调）：输入汉字时，是汉字不同、读音相同的姓名，可能不是同一个人；"
              "输入拼音时，是读作这个拼音的姓名，请核对汉字。",
}
EXPLAINED = {"match_labels": MATCH_LABELS, "match_explanations": MATCH_EXPLANATIONS}
KIND_LABELS = {"meeting": "会议", "policy": "政策", "news": "新闻"}
ZONE_LABELS = {"Asia/Shanghai": "北京时间"}
ERROR_TEXTS = {
    400: ("请求有误", "请检查输入后重试。"),
    404: ("页面不存在", "您要找的页面不存在，请检查网址。"),
    405: ("不支持这种访问方式", "这个地址只能直接在浏览器中打开。"),
    429: ("访问太频繁", "请稍等一会儿再试。"),
    500: ("服务器出错了", "我们这边出了问题，已经记录下来。请稍后再试。"),
    503: ("服务暂时不可用", "系统暂时无法读取数据，请稍后再试。"),
}
# What was not found, said for the kind of page asked for.
NOT_FOUND_MESSAGES = {
    "pages.notice": "这份公示不存在，或者尚未发布。",
    "pages.article": "这篇文章不存在，或者已被删除。",
}
SIGNATURE_DATE = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")
STYLESHEET = Path(__file__).parent / "static" / "site.css"


@bp.record_once
def _setup(state) -> None:
    # Every template escapes, whatever its file name.
    state.app.jinja_env.autoescape = True
    version = hashlib.sha256(STYLESHEET.read_bytes()).hexdigest()[:12]
    state.app.jinja_env.globals["stylesheet_version"] = version


def is_page_path(path: str) -> bool:
    """Whether `path` belongs to the public pages: all but the paths of the other routes (the API,
    its documentation, health, metrics), which keep problem+json and their own headers. Told
    apart by the first path segment, so an unknown URL under /api/ is the API's too."""
    return first_segment(path) not in other_segments(current_app.url_map)


def first_segment(path: str) -> str:
    return path.lstrip("/").split("/", 1)[0]


@functools.lru_cache(maxsize=16)  # per app (tests make many); the URL map is fixed once serving
def other_segments(url_map) -> frozenset[str]:
    static = first_segment(current_app.static_url_path or "")
    return frozenset(first_segment(rule.rule) for rule in url_map.iter_rules()
                     if rule.endpoint.partition(".")[0] != bp.name) - {static}


# --- presentation: plain values for the templates ----------------------------------------------

def cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def cn_datetime(moment: datetime) -> str:
    return f"{cn_date(moment.date())} {moment:%H:%M}"


def window_view(window: dict | None, status: str, now: datetime) -> dict | None:
    """The window in words: dates (with times when it does not span whole days) and a countdown."""
    if window is None:
        return None
    opens_at = datetime.fromisoformat(window["opens_at"])
    closes_at = datetime.fromisoformat(window["closes_at"])
    span = windows.Window(opens_at, closes_at, window["timezone"])
    start, end = date.fromisoformat(window["start"]), date.fromisoformat(window["end"])
    if windows.is_whole_days(span):
        starts_text, ends_text = cn_date(start), cn_date(end)
    else:
        zone = ZoneInfo(window["timezone"])
        label = ZONE_LABELS.get(window["timezone"], window["timezone"])
        starts_text = cn_datetime(opens_at.astimezone(zone))
        ends_text = f"{cn_datetime(closes_at.astimezone(zone))}（{label}）"
    closed_text = None
    if status == "open":
        days = max(1, math.ceil((closes_at - now) / timedelta(days=1)))
        countdown = f"距公示结束还有 {days} 天"
    elif status == "scheduled":
        countdown = f"公示尚未开始，{starts_in(opens_at, now, window['timezone'])}"
    elif status == "withdrawn":
        countdown = "公示已撤回"
    else:
        ago = time_ago(end, now.astimezone(ZoneInfo(window["timezone"])).date())
        countdown = f"公示已结束（{ago}）"
        closed_text = f"{end.year}年已结束的公示（{ago}结束）"
    basis = window.get("working_days_basis", "official")
    working_days = f"共 {window['working_days']} 个工作日"
    if basis != "official":
        working_days += "（部分日期按周一至周五估算）"
    return {"text": f"{starts_text} 至 {ends_text}", "starts_text": starts_text,
            "ends_text": ends_text, "countdown": countdown, "closed_text": closed_text,
            "working_days": working_days}


def starts_in(opens_at: datetime, now: datetime, timezone: str) -> str:
    """When a scheduled window opens, counted in the notice's calendar days: "3 天后开始"."""
    zone = ZoneInfo(timezone)
    local = opens_at.astimezone(zone)
    days = (local.date() - now.astimezone(zone).date()).days
    return f"{days} 天后开始" if days > 0 else f"今天 {local:%H:%M} 开始"


def time_ago(day: date, today: date) -> str:
    """How long ago `day` was, in the largest whole unit: "2 年前", "3 个月前", "5 天前"."""
    months = (today.year - day.year) * 12 + today.month - day.month - (today.day < day.day)
    if months >= 12:
        return f"{months // 12} 年前"
    if months >= 1:
        return f"{months} 个月前"
    days = (today - day).days
    return f"{days} 天前" if days > 0 else "今天"


def notice_view(item: dict, now: datetime) -> dict:
    """A presented notice (notices.present, or the notice of a name match) for the templates."""
    issued_on = item.get("issued_on")
    return {
        **item,
        "status_label": STATUS_LABELS.get(item["status"], item["status"]),
        "window_view": window_view(item.get("window"), item["status"], now),
        "issued_on_text": cn_date(issued_on) if issued_on else None,
    }


def paragraphs(text: str, contacts: list[dict] = (), signatures: tuple[str, ...] = ()
               ) -> list[dict]:
    """Paragraphs of `text`, each {"parts": [(text, contact)], "is_signature"}: the report numbers
    become links, and a line that is only the issuer or a date is set as a printed signature."""
    numbers = sorted({c["number"]: c for c in contacts}.items(), key=lambda kv: -len(kv[0]))
    pattern = re.compile("|".join(re.escape(n) for n, _ in numbers)) if numbers else None
    by_number = dict(numbers)
    result = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        is_signature = line in signatures or SIGNATURE_DATE.fullmatch(line) is not None
        if pattern is None:
            result.append({"parts": [(line, None)], "is_signature": is_signature})
            continue
        parts, position = [], 0
        for found in pattern.finditer(line):
            if found.start() > position:
                parts.append((line[position:found.start()], None))
            parts.append((found.group(), by_number[found.group()]))
            position = found.end()
        if position < len(line):
            parts.append((line[position:], None))
        result.append({"parts": parts, "is_signature": is_signature})
    return result


def excerpt(text: str, length: int = 90) -> str:
    """The first paragraph of `text`, cut to `length` characters."""
    first = next((line.strip() for line in (text or "").splitlines() if line.strip()), "")
    return first if len(first) <= length else first[:length] + "…"


def name_error_message(error: ValueError) -> str:
    """The Chinese explanation of why clean_name refused a name."""
    text = str(error)
    if "empty" in text:
        return "请输入要查询的姓名。"
    if "longer than" in text:
        return f"姓名最多 {MAX_NAME_LENGTH} 个字，请检查后重新输入。"
    if "control" in text:
        return "输入中含有不可见的控制字符，请重新输入姓名。"
    return "无法识别这个姓名，请检查后重新输入。"


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


def render_page(template: str, *, status: int = 200, cache: str = "public",
                **context) -> Response:
    """The rendered page; a 200 carries an ETag (answering If-None-Match with 304) and may be
    cached briefly, anything else is not stored."""
    response = current_app.response_class(render_template(template, **context), status=status,
                                          mimetype="text/html")
    if status != 200:
        response.headers["Cache-Control"] = "no-store"
        return response
    response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
    response.headers["Cache-Control"] = f"{cache}, max-age={MAX_AGE}"
    return response.make_conditional(request)


# --- pages -------------------------------------------------------------------------------------

@bp.get("/")
@limits.public_rate_limit
def home():
    """Open notices (closing soonest first), the latest others, and the name-check box."""
    now = utcnow()
    open_rows = list(Notice.select().where(notices.status_condition("open", now))
                     .order_by(Notice.closes_at, Notice.id.desc()).limit(HOME_OPEN_LIMIT))
    recent_rows = list(
        Notice.select()
        .where(Notice.public() & Notice.id.not_in([n.id for n in open_rows] or [0]))
        .order_by(Notice.published_at.desc(), Notice.id.desc()).limit(HOME_RECENT_LIMIT))
    return render_page(
        "index.html",
        open_notices=[notice_view(n, now) for n in notices.present(open_rows, now)],
        recent_notices=[notice_view(n, now) for n in notices.present(recent_rows, now)],
        name="",
    )


def verdict_view(result: dict, typed_pinyin: bool) -> dict:
    """The answer in plain Chinese, to lead the page: a sentence, and what else to know."""
    query, matches, verdict = result["query"], result["matches"], result["verdict"]
    same_name = [m for m in matches if m["match"] != "pinyin"]
    withdrawn = [m for m in same_name if m["notice"]["status"] == "withdrawn"]
    sounds = len(matches) - len(same_name)
    notes = []
    if verdict == "listed":
        live = [m for m in same_name if m["notice"]["status"] != "withdrawn"]
        # Notices, not entries: one roster may list two people of one name.
        by_status = {status: len({m["notice"]["id"] for m in live
                                  if m["notice"]["status"] == status})
                     for status in ("open", "scheduled", "closed")}
        parts = [f"{count} 份{text}" for status, text in (
            ("open", "正在公示"), ("scheduled", "尚未开始"), ("closed", "已经结束"))
            if (count := by_status[status])]
        sentence = f"「{query}」在已发布的公示名单上：{'，'.join(parts)}。"
        if not by_status["open"]:
            notes.append("这些公示都不在公示期内，请留意下方每份公示的时间。")
        notes.append("同名的人很多：请把下方记录的单位、证件号后 4 位与对方的证件对照。")
        if withdrawn:
            notes.append(f"另有 {len({m['notice']['id'] for m in withdrawn})} 份已撤回的公示"
                         "也列有这个姓名。")
    elif verdict == "withdrawn_only":
        sentence = f"「{query}」只出现在已撤回的公示名单上，不能据此确认身份。"
        notes.append("撤回原因见下方记录。如有疑问，请向发布单位核实。")
    elif verdict == "similar_only" and typed_pinyin:
        sentence = f"名单上有 {sounds} 条拼音为「{query}」的记录。"
        notes.append("同一拼音可能是不同的汉字、不同的人："
                     "请核对对方姓名的汉字、单位和证件号后 4 位。")
    elif verdict == "similar_only":
        sentence = (f"名单上没有与「{query}」完全一致的姓名；有 {sounds} 条读音相同的记录，"
                    "可能不是同一人。")
        notes.append("请核对汉字是否一致，以及单位和证件号后 4 位。")
    else:
        sentence = f"已发布的公示名单中没有「{query}」。"
        notes.append("也没有拼音相同的姓名。" if typed_pinyin
                     else "也没有繁简写法不同或同音的姓名。")
        notes.append("本站只核对已经发布的公示。没有找到不一定说明对方身份有问题：可能姓名写法不同，"
                     "或对方所在单位的名单不在本站。如有疑问，请向对方单位或有关公示所列的举报电话核实。")
    if sounds and verdict in ("listed", "withdrawn_only"):
        notes.append(f"另有 {sounds} 条读音相同的记录，可能不是同一人。")
    return {"verdict": verdict, "sentence": sentence, "notes": notes}


def match_explanation(match: dict, query: str, typed_pinyin: bool) -> str:
    """Why this entry matched, in the terms of what was typed."""
    name = match["name"]
    if match["match"] == "exact":
        return MATCH_EXPLANATIONS["exact"]
    if match["match"] == "variant":
        return f"与您输入的「{query}」只是繁简或间隔号写法不同，按同一个姓名看待。"
    if typed_pinyin:
        return f"「{name}」的拼音与您输入的相同（不计声调）：请核对汉字是否一致。"
    return f"名单上是「{name}」，与您输入的「{query}」读音相同、汉字不同：可能不是同一个人。"


@bp.get("/check")
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
    except ValueError as error:
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
                       **EXPLAINED)


@bp.get("/notices/<id:notice_id>")
@limits.public_rate_limit
@limits.search_rate_limit
def notice(notice_id: int):
    """A notice as printed, with its window, report numbers, roster (filterable) and articles."""
    now = utcnow()
    row = Notice.get_or_none(Notice.id == notice_id)
    if row is None or not notices.is_public(row):
        abort(404)
    item = notice_view(notices.present_one(row, now), now)
    status, filter_error, roster, by_pinyin = 200, None, None, False
    query_text = (request.args.get("q") or "").strip()
    if row.roster_hidden_at is None:
        query = row.roster.order_by(RosterEntry.position)
        if query_text:
            try:
                query = query.where(roster_filter(query_text))
                by_pinyin = query_pinyin_key(query_text) is not None
            except ValueError as error:
                status, filter_error = 400, name_error_message(error)
        total = query.count()
        page = page_number()
        rows = query.paginate(page, ROSTER_PAGE_SIZE)
        entries = [notices.roster_entry_dict(e, masked=True) for e in rows]
        roster = {
            "entries": entries,
            "total": total,
            "has_details": any(e["organization"] or e["credential_no"] for e in entries),
            "pagination": pagination(total, page, ROSTER_PAGE_SIZE, "pages.notice",
                                     notice_id=notice_id, q=query_text or None,
                                     _anchor="roster"),
        }
    linked = list(Article.select().where(Article.id.in_(item["article_ids"]))
                  .order_by(Article.published_on.desc(), Article.id)) if item["article_ids"] else []
    return render_page(
        "notice.html", status=status, notice=item, roster=roster,
        query=query_text[:ECHO_LIMIT], filter_error=filter_error, by_pinyin=by_pinyin,
        body=paragraphs(item["body"], item["contacts"], (row.issuer,)),
        hidden_on=cn_date(row.roster_hidden_at.astimezone(ZoneInfo(row.timezone)).date())
        if row.roster_hidden_at else None,
        withdrawn_on=cn_date(row.withdrawn_at.astimezone(ZoneInfo(row.timezone)).date())
        if row.withdrawn_at else None,
        articles=[{"id": a.id, "title": a.title, "kind": KIND_LABELS.get(a.kind, a.kind),
                   "published_on": cn_date(a.published_on)} for a in linked],
    )


@bp.get("/articles/<id:article_id>")
@limits.public_rate_limit
def article(article_id: int):
    """An article with the published notices linked to it."""
    now = utcnow()
    row = Article.get_or_none(Article.id == article_id)
    if row is None:
        abort(404)
    item = articles.present_one(row, staff=False)
    linked = list(Notice.select().where(Notice.id.in_(item["notice_ids"]))
                  .order_by(Notice.id.desc())) if item["notice_ids"] else []
    return render_page(
        "article.html",
        description=excerpt(item["body"], DESCRIPTION_LENGTH) or item["title"],
        article={**item, "kind_label": KIND_LABELS.get(item["kind"], item["kind"]),
                 "published_on_text": cn_date(item["published_on"])},
        body=paragraphs(item["body"]),
        linked_notices=[notice_view(n, now) for n in notices.present(linked, now)],
    )


@bp.get("/articles")
@limits.public_rate_limit
@limits.search_rate_limit
def article_search():
    """Articles, newest first, or those matching `q` with a snippet around the hit."""
    query_text = (request.args.get("q") or "").strip()
    if len(query_text) > MAX_QUERY_LENGTH:
        return render_page("articles.html", status=400, query=query_text[:ECHO_LIMIT],
                           error=f"搜索词最多 {MAX_QUERY_LENGTH} 个字，请缩短后重试。",
                           items=[], total=0, pagination=None)
    q = query_text or None
    page = page_number()
    found = articles.search_page(q=q, page=page, page_size=ARTICLES_PAGE_SIZE)
    items = [{**item, "kind_label": KIND_LABELS.get(item["kind"], item["kind"]),
              "published_on_text": cn_date(item["published_on"]),
              "excerpt": excerpt(item["body"]),
              # The whole title, escaped, with its hits in <mark> as in the body's snippet.
              **({"title_marked": textsearch.snippet(item["title"], q, len(item["title"]))}
                 if q else {})}
             for item in found["items"]]
    return render_page("articles.html", query=query_text, items=items, total=found["total"],
                       pagination=pagination(found["total"], page, ARTICLES_PAGE_SIZE,
                                             "pages.article_search", q=q))


# --- errors and headers ------------------------------------------------------------------------

def error_page(status: int, headers: dict | None = None) -> Response:
    title, message = ERROR_TEXTS.get(status, ERROR_TEXTS[500 if status >= 500 else 400])
    if status == 404:
        message = NOT_FOUND_MESSAGES.get(request.endpoint, message)
    if status == 429 and (headers or {}).get("Retry-After", "").isdigit():
        message = f"请{wait_text(int(headers['Retry-After']))}后再试。"
    response = current_app.response_class(
        render_template("error.html", status=status, title=title, message=message),
        status=status, mimetype="text/html")
    response.headers.update(headers or {})
    response.headers["Cache-Control"] = "no-store"
    return response


def wait_text(seconds: int) -> str:
    """A wait in words: "30 秒", "2 分钟" (rounded up, so waiting that long is enough)."""
    return f"{seconds} 秒" if seconds < 60 else f"{math.ceil(seconds / 60)} 分钟"


@bp.app_errorhandler(404)
@bp.app_errorhandler(405)
def _not_found_or_not_allowed(error: HTTPException):
    # App-wide, since an unknown URL belongs to no blueprint: the API keeps its problem+json.
    if not is_page_path(request.path):
        return errors.from_http_exception(error)
    headers = {}
    if error.code == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    return error_page(error.code, headers)


@bp.errorhandler(Exception)
def _page_error(error: Exception):
    if isinstance(error, HTTPException):
        return error_page(error.code or 500,
                          {"Retry-After": limits.retry_after()} if error.code == 429 else None)
    if isinstance(error, OperationalError | InterfaceError):
        log.warning("database unavailable: %s: %s", type(error).__name__, error)
        return error_page(503, {"Retry-After": "5"})
    log.exception("unhandled %s on page %s", type(error).__name__, request.path)
    return error_page(500)


@bp.after_app_request
def _page_headers(response: Response) -> Response:
    if is_page_path(request.path):
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
    return response
