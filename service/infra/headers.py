"""The security headers of every HTML answer (the pages and /docs), in one place."""

from flask import Response


def protect_html(response: Response, content_security_policy: str) -> Response:
    response.headers["Content-Security-Policy"] = content_security_policy
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    return response
