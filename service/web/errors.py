"""The pages' errors and headers: Chinese error pages for everything under the pages' paths
(an unknown URL included), and the security headers those paths carry. The API's paths keep
problem+json (service/api/problems.py)."""

import functools
import logging

from flask import Blueprint, Response, current_app, render_template, request
from werkzeug.exceptions import HTTPException

from schemas.common import MAX_NAME_LENGTH
from service.api import problems
from service.domain.errors import DomainError, Invalid, NotFound
from service.infra import db
from service.infra.headers import protect_html
from service.web.formatting import wait_text

log = logging.getLogger(__name__)

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
ERROR_TEXTS = {
    400: ("请求有误", "请检查输入后重试。"),
    404: ("页面不存在", "您要找的页面不存在，请检查网址。"),
    405: ("不支持这种访问方式", "这个地址只能直接在浏览器中打开。"),
    429: ("访问太频繁", "请稍等一会儿再试。"),
    500: ("服务器出错了", "我们这边出了问题，已经记录下来。请稍后再试。"),
    503: ("服务暂时不可用", "系统暂时无法读取数据，请稍后再试。"),
}
# Why a typed name was refused, by the code of the domain's Invalid (service/domain/names.py).
NAME_ERROR_TEXTS = {
    "empty": "请输入要查询的姓名。",
    "too_long": f"姓名最多 {MAX_NAME_LENGTH} 个字，请检查后重新输入。",
    "control_character": "输入中含有不可见的控制字符，请重新输入姓名。",
}
NAME_ERROR_DEFAULT = "无法识别这个姓名，请检查后重新输入。"
# What was not found, by the `what` of the domain's NotFound.
NOT_FOUND_TEXTS = {
    "notice": "这份公示不存在，或者尚未发布。",
    "article": "这篇文章不存在，或者尚未发布。",
    "organization": "这个单位不存在。",
}


def name_error_message(error: Invalid) -> str:
    """The Chinese explanation of why a name was refused."""
    return NAME_ERROR_TEXTS.get(error.code, NAME_ERROR_DEFAULT)


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
    pages = current_app.extensions["pages_blueprint"]
    return frozenset(first_segment(rule.rule) for rule in url_map.iter_rules()
                     if rule.endpoint.partition(".")[0] != pages) - {static}


def error_page(status: int, headers: dict | None = None, message: str | None = None) -> Response:
    title, default = ERROR_TEXTS.get(status, ERROR_TEXTS[500 if status >= 500 else 400])
    if status == 429 and (headers or {}).get("Retry-After", "").isdigit():
        message = f"请{wait_text(int(headers['Retry-After']))}后再试。"
    response = current_app.response_class(
        render_template("error.html", status=status, title=title, message=message or default),
        status=status, mimetype="text/html")
    response.headers.update(headers or {})
    response.headers["Cache-Control"] = "no-store"
    return response


def not_found_or_not_allowed(error: HTTPException):
    # App-wide, since an unknown URL belongs to no blueprint: the API keeps its problem+json.
    if not is_page_path(request.path):
        return problems.from_http_exception(error)
    return error_page(error.code, problems.http_error_headers(error))


def page_error(error: Exception):
    if isinstance(error, HTTPException):
        return error_page(error.code or 500, problems.http_error_headers(error))
    if isinstance(error, NotFound):
        return error_page(404, message=NOT_FOUND_TEXTS.get(error.what))
    if isinstance(error, DomainError):
        return error_page(problems.domain_status(error))
    if isinstance(error, db.OUTAGES):
        db.count_outage(error)
        return error_page(503, {"Retry-After": db.RETRY_AFTER})
    log.exception("unhandled %s on page %s", type(error).__name__, request.path)
    return error_page(500)


def page_headers(response: Response) -> Response:
    if is_page_path(request.path):
        protect_html(response, CONTENT_SECURITY_POLICY)
    return response


def attach(bp: Blueprint) -> None:
    """Make `bp` the pages: its errors become Chinese pages, as do unknown URLs outside the API's
    paths, and its paths get the security headers."""
    bp.record_once(lambda state: state.app.extensions.__setitem__("pages_blueprint", bp.name))
    bp.app_errorhandler(404)(not_found_or_not_allowed)
    bp.app_errorhandler(405)(not_found_or_not_allowed)
    bp.errorhandler(Exception)(page_error)
    bp.after_app_request(page_headers)
