"""The data version that public answer caches follow; three roster indexes no query needs (each
slowed every roster insert): the notice id alone and the pinyin entry id are prefixes of other
indexes, and the name check finds exact matches through the variant key; and variant keys made a
function of the stored name.

The variant key used to fold middle dots before NFKC, so a compatibility character that NFKC
turns into "." (U+2024 ONE DOT LEADER, U+FE52, "⒈" …) kept a "." where every other dot became
"·"; it now folds after NFKC, which leaves no "." in any variant key."""

# IF EXISTS: databases made by v1 while it still built the tables from the live models never had
# them.
REDUNDANT_INDEXES = ("roster_entry_notice_id", "roster_pinyin_entry_id", "roster_entry_exact_key")


def upgrade(db, is_sqlite: bool) -> None:
    # Written out rather than DataVersion.create_table(): the model may change, this may not.
    db.execute_sql('CREATE TABLE IF NOT EXISTS "data_version" '
                   '("id" INTEGER NOT NULL PRIMARY KEY, "version" INTEGER NOT NULL)')
    db.execute_sql('INSERT INTO "data_version" ("id", "version") VALUES (1, 0) '
                   "ON CONFLICT DO NOTHING")
    for index in REDUNDANT_INDEXES:
        db.execute_sql(f"DROP INDEX IF EXISTS {index}")
    db.execute_sql("UPDATE roster_entry SET variant_key = REPLACE(variant_key, '.', '·') "
                   f"WHERE variant_key LIKE {db.param}", ("%.%",))
