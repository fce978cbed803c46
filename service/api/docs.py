"""The API's documentation page (/docs): Swagger UI from a pinned package, never from a CDN.

flask-smorest renders /docs from the `swagger_ui.html` template, which service/web/templates
overrides (app templates come first) to load Swagger UI from OPENAPI_SWAGGER_UI_URL, served here,
and to start it from static/docs.js: the CSP allows no inline script and no other host, so the page
works on an intranet without internet and nothing but this service runs where staff paste tokens.
"""

from importlib.resources import files

from flask import Blueprint, Flask, Response, request, send_from_directory

from service.infra.headers import protect_html

# Swagger UI's dist/ folder as flask-swagger-ui ships it (checked with 5.34.0, Swagger UI 5.34.0);
# only the files are used: the package's own page starts Swagger UI with an inline script.
SWAGGER_UI_FILES = files("flask_swagger_ui") / "dist"
ASSETS_URL = "/docs/assets/"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
ASSET_MAX_AGE = 86_400  # the files change only with the pinned package

bp = Blueprint("apidocs", __name__)


@bp.get(ASSETS_URL + "<path:filename>")
def asset(filename: str) -> Response:
    """One of Swagger UI's files."""
    return send_from_directory(SWAGGER_UI_FILES, filename, max_age=ASSET_MAX_AGE)


@bp.after_app_request
def _docs_headers(response: Response) -> Response:
    # By path: /docs itself is flask-smorest's view, not ours to decorate.
    if request.path == "/docs" or request.path.startswith("/docs/"):
        protect_html(response, CONTENT_SECURITY_POLICY)
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
