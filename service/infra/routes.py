"""What a route may do, said by a decorator on its view and read back by the request hooks, so
that renaming a view or its endpoint changes nothing: the upload size here, the routes that need
no database in db.py, the rate limits in limits.py."""

from collections.abc import Callable

from flask import Flask, current_app, request

from service import config


def mark(view: Callable, **attributes) -> Callable:
    """Set `attributes` on `view` for the request hooks to read with `setting`."""
    for name, value in attributes.items():
        setattr(view, name, value)
    return view


def setting(name: str, default):
    """The value the current request's view was marked with (`default` when unmarked or unrouted).

    Decorators copy a view's attributes to their wrapper (functools.wraps), so the mark is found
    wherever it sits in the stack; for a MethodView it is on the method that handles the request."""
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        method = request.method.lower()
        view = getattr(view_class, method, None) or (
            getattr(view_class, "get", None) if method == "head" else None)
    return getattr(view, name, default)


def uploads(max_bytes: int):
    """The route takes bodies up to `max_bytes` (every other route: config.MAX_BODY_BYTES)."""
    return lambda view: mark(view, max_body_bytes=max_bytes)


def init_app(app: Flask) -> None:
    @app.before_request
    def _limit_body_size():
        request.max_content_length = setting("max_body_bytes", config.MAX_BODY_BYTES)
