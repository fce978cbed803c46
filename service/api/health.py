"""Liveness, readiness and metrics."""

from flask import Response
from marshmallow import Schema, fields
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from service.api import Blueprint
from service.api.problems import problem
from service.infra import limits, metrics
from service.infra.db import no_database
from service.migrations import LATEST, applied_version

URL_PREFIX = "/"
blp = Blueprint("health", __name__, description="Process and database health")


class HealthSchema(Schema):
    status = fields.String()
    schema_version = fields.Integer()
    rate_limit_storage = fields.String(
        metadata={"description": "`ok`, or `degraded` while the rate limit storage fails: the "
                                 "public limits are then counted by each process apart"})


@blp.route("/healthz")
@blp.response(200, HealthSchema)
@no_database
def healthz():
    """Alive while the process runs; does not touch the database."""
    return {"status": "ok"}


@blp.route("/readyz")
@blp.response(200, HealthSchema)
@blp.alt_response(503, description="Database unreachable or not migrated")
def readyz():
    """Ready when the database answers and is migrated to the current version (a failing rate
    limit storage only degrades the limits: still ready)."""
    version = applied_version()
    if version != LATEST:
        return problem(503, f"Database schema is at version {version}, expected {LATEST}; "
                            "run `flask --app service init-db`.")
    return {"status": "ready", "schema_version": version,
            "rate_limit_storage": limits.storage_state()}


@blp.route("/metrics")
@blp.response(200, content_type=CONTENT_TYPE_LATEST)
@no_database
def metrics_view():
    """Prometheus metrics in the text format."""
    return Response(generate_latest(metrics.registry()), mimetype=CONTENT_TYPE_LATEST)
