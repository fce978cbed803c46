"""Public pages in Chinese, server-rendered (no JavaScript needed)."""

from flask import Blueprint

bp = Blueprint("pages", __name__)
