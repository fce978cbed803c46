"""The public-notice registry: a Flask application factory."""

from flask import Flask

from service import config
from service.infra import logs


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app from the environment (and `test_config`, for tests: settings may be given
    as text, as the environment would, or already typed)."""
    from service.api import docs

    app = Flask(__name__, template_folder="web/templates", static_folder="web/static")
    app.config.update(config.from_env())
    app.config.update(
        API_TITLE="Public notice registry",
        API_VERSION="v1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL=docs.ASSETS_URL,  # served by service/api/docs.py, not a CDN
        MAX_CONTENT_LENGTH=config.MAX_BODY_BYTES,  # routes.uploads raises it for a route
    )
    if test_config:
        app.config.update(config.parse(test_config))
    from service.api.parsing import JSONProvider

    app.json = JSONProvider(app)  # reads JSON within bounds
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    logs.configure(app.config["LOG_LEVEL"])

    from service import api, cli
    from service.api import problems
    from service.infra import cache, db, limits, metrics, routes
    from service.web import views as pages

    # Request hooks run in the order registered here: the database connects (db) before the
    # caller's token is read (api, limits). What each route may do is read from its view
    # (service/infra/routes.py), so blueprints may be registered before or after the hooks.
    logs.init_app(app)
    routes.init_app(app)
    db.init_app(app)
    cache.init_app(app)
    problems.init_app(app)
    metrics.init_app(app)
    api.init_app(app)
    docs.init_app(app)
    limits.init_app(app)
    app.register_blueprint(pages.bp)
    db.no_database(app.view_functions["static"])  # Flask's own view, not ours to decorate
    cli.init_app(app)
    return app
