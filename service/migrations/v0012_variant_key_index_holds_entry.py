"""PostgreSQL: the variant key's index also holds each entry's id, so that the name check reads a
name's entries from the index alone, as it already did on SQLite (whose indexes hold the rowid).
Without the id PostgreSQL read a heap page per matching entry, twice per check (王秀英: 800)."""


def upgrade(db, is_sqlite: bool) -> None:
    if is_sqlite:
        return
    db.execute_sql('CREATE INDEX IF NOT EXISTS "roster_entry_variant_key_entry" ON roster_entry '
                   "(variant_key, notice_id, position, exact_key) INCLUDE (id)")
    db.execute_sql('DROP INDEX IF EXISTS "roster_entry_variant_key_match"')
    # An index-only scan skips the heap only for pages that VACUUM marked all-visible. After
    # inserts autovacuum comes once 20% of the table is new (200,000 entries at 1M names), so the
    # newest rosters were read from the heap until then; 1% instead.
    for table in ("roster_entry", "roster_pinyin"):
        db.execute_sql(f"ALTER TABLE {table} SET (autovacuum_vacuum_insert_scale_factor = 0.01)")
