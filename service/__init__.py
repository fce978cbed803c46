"""The public-notice registry: a Flask application factory."""

from flask import Flask, request

from . import config, logs


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app from the environment (and `test_config`, for tests)."""
    app = Flask(__name__)
    app.config.update(config.from_env())
    app.config.update(
        API_TITLE="Public notice registry",
        API_VERSION="v1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL="/docs/assets/",  # served by service.apidocs, not a CDN
        MAX_CONTENT_LENGTH=config.MAX_UPLOAD_BYTES,
    )
    if test_config:
        app.config.update(test_config)
    from .api.parsing import JSONProvider

    app.json = JSONProvider(app)  # reads JSON within bounds
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    logs.configure(app.config["LOG_LEVEL"])

    @app.before_request
    def _limit_body_size():
        # Uploads may be 10 MiB; every other body 1 MiB.
        if not (request.endpoint or "").endswith("import_roster"):
            request.max_content_length = config.MAX_BODY_BYTES

    from . import api, apidocs, cache, cli, db, errors, limits, metrics, pages

    logs.init_app(app)
    db.init_app(app)
    cache.init_app(app)
    errors.init_app(app)
    metrics.init_app(app)
    api.init_app(app)
    apidocs.init_app(app)
    app.register_blueprint(pages.bp)
    limits.init_app(app)
    cli.init_app(app)
    return app
