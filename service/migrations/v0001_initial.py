"""The first schema: notices, contacts, rosters, articles and their links, tokens, audit."""

from ..models import TABLES


def upgrade(db) -> None:
    db.create_tables(TABLES)
