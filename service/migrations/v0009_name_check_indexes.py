"""The name check reads its counts, statuses and order from the indexes alone: the variant key's
index also holds each entry's notice, position and exact key, and the pinyin key's its entry. A
common name's hundreds of matches were as many row lookups (1M names: 王秀英's 700 and more).
Each replaces the narrower index, which it serves in its stead."""

INDEXES = [
    ("roster_entry_variant_key", "roster_entry_variant_key_match",
     "roster_entry (variant_key, notice_id, position, exact_key)"),
    ("roster_pinyin_key", "roster_pinyin_key_entry", "roster_pinyin (key, entry_id)"),
]


def upgrade(db, is_sqlite: bool) -> None:
    for old, new, definition in INDEXES:
        db.execute_sql(f'CREATE INDEX IF NOT EXISTS "{new}" ON {definition}')
        db.execute_sql(f'DROP INDEX IF EXISTS "{old}"')
