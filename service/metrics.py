"""Prometheus metrics: request counts and latency by route and status."""

import time

from flask import Flask, g, request
from prometheus_client import REGISTRY, Counter, Histogram

REQUESTS = Counter("registry_http_requests_total", "HTTP requests", ["route", "method", "status"])
LATENCY = Histogram("registry_http_request_seconds", "HTTP request latency", ["route", "method"])


def registry():
    return REGISTRY


def init_app(app: Flask) -> None:
    @app.before_request
    def _start_timer():
        g.started = time.perf_counter()

    @app.after_request
    def _observe(response):
        route = request.url_rule.rule if request.url_rule else "unmatched"
        REQUESTS.labels(route, request.method, str(response.status_code)).inc()
        if "started" in g:
            LATENCY.labels(route, request.method).observe(time.perf_counter() - g.started)
        return response
