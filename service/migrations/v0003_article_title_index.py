"""Placeholder: filled by the article search change (title index on PostgreSQL)."""


def upgrade(db, is_sqlite: bool) -> None:
    pass
