"""The data version that public answer caches follow, and three roster indexes no query needs
(each slowed every roster insert): the notice id alone and the pinyin entry id are prefixes of
other indexes, and the name check looks names up by variant key only."""

from ..models import DataVersion

REDUNDANT_INDEXES = ("roster_entry_notice_id", "roster_pinyin_entry_id", "roster_entry_exact_key")


def upgrade(db, is_sqlite: bool) -> None:
    DataVersion.create_table(safe=True)
    DataVersion.insert(id=1, version=0).on_conflict_ignore().execute()
    for index in REDUNDANT_INDEXES:
        db.execute_sql(f"DROP INDEX IF EXISTS {index}")
