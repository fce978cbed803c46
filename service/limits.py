"""Abuse limits on the public routes (name check, search, pages), per client address.

Memory storage by default (one process); RATELIMIT_STORAGE_URI=redis://… shares the counts
between gunicorn workers and instances. Staff requests are not limited."""

import logging
import math
import time

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.middleware.proxy_fix import ProxyFix

from . import auth

# Blueprints whose every route is a public search or page.
LIMITED_BLUEPRINTS = ("names", "search", "articles", "pages")


def init_app(app: Flask) -> Limiter:
    """A limiter of this app's own (several apps in one process keep separate counts)."""
    hops = int(app.config["TRUSTED_PROXY_HOPS"])
    if hops:
        # Behind a reverse proxy the client is in X-Forwarded-For, set by the last `hops` proxies.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    # No X-RateLimit headers: they cost a second storage read (a Redis round trip) on every public
    # request; a 429 still says when to come back (retry_after).
    limiter = Limiter(key_func=get_remote_address, headers_enabled=False)
    public = limiter.shared_limit(lambda: app.config["PUBLIC_RATE_LIMIT"], scope="public",
                                  exempt_when=auth.is_staff)
    for name in LIMITED_BLUEPRINTS:
        public(app.blueprints[name])
    limiter.init_app(app)
    app.extensions["public_limiter"] = limiter
    # Its INFO lines name client addresses; breaches show in the 429 metrics instead.
    logging.getLogger("flask-limiter").setLevel(logging.WARNING)
    return limiter


def retry_after() -> str:
    """Retry-After for a 429: seconds until the breached limit's window resets."""
    limit = current_app.extensions["public_limiter"].current_limit
    return str(max(1, math.ceil(limit.reset_at - time.time()))) if limit else "60"
