"""Prometheus metrics: requests and latency by route and status, database and limit storage errors.

Under gunicorn with several workers, PROMETHEUS_MULTIPROC_DIR (set by deploy/gunicorn.conf.py)
makes every worker write its samples there and /metrics add them up."""

import os
import time

from flask import Flask, g, request
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, multiprocess

REQUESTS = Counter("registry_http_requests_total", "HTTP requests", ["route", "method", "status"])
LATENCY = Histogram("registry_http_request_seconds", "HTTP request latency", ["route", "method"])
DB_ERRORS = Counter("registry_db_errors_total", "Requests refused because the database failed",
                    ["error"])
RATE_LIMIT_STORAGE_FAILURES = Counter(
    "registry_rate_limit_storage_failures_total",
    "Rate limit storage operations that failed (the counts then fell back to process memory)")
# Methods labelled by name; any other is "other". gunicorn passes any token of 3–20 capitals as a
# method, and each new label value is a new series in every worker's sample file: a client
# sending made-up methods would grow them, and /metrics, without bound.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def registry():
    """The registry to expose: all workers' samples in multiprocess mode, else this process's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        combined = CollectorRegistry()
        multiprocess.MultiProcessCollector(combined)
        return combined
    return REGISTRY


def init_app(app: Flask) -> None:
    @app.before_request
    def _start_timer():
        g.started = time.perf_counter()

    @app.after_request
    def _observe(response):
        # The route template (/api/v1/notices/<id:notice_id>), never the URL: no ids or queries.
        route = request.url_rule.rule if request.url_rule else "unmatched"
        method = request.method if request.method in METHODS else "other"
        REQUESTS.labels(route, method, str(response.status_code)).inc()
        if "started" in g:
            LATENCY.labels(route, method).observe(time.perf_counter() - g.started)
        return response
