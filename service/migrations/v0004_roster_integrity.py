"""Rosters as published and as they are in life: each published notice keeps its roster's digest,
and one roster may list two people of the same name (the (notice, exact_key) index is no longer
unique; roster.clean_roster says when a repeated name is a duplicate).

Notices published before this migration get the digest of their roster as it is now: from here
on, any change to it shows."""

ROSTER_KEY_INDEX = "roster_entry_notice_id_exact_key"


def upgrade(db, is_sqlite: bool) -> None:
    from service.domain.roster import (
        roster_digest,  # the digest's one definition, which must never change
    )

    if "roster_digest" not in {column.name for column in db.get_columns("notice")}:
        db.execute_sql("ALTER TABLE notice ADD COLUMN roster_digest VARCHAR(64)")
    db.execute_sql(f"DROP INDEX IF EXISTS {ROSTER_KEY_INDEX}")
    db.execute_sql(f"CREATE INDEX {ROSTER_KEY_INDEX} ON roster_entry (notice_id, exact_key)")
    published = db.execute_sql("SELECT id FROM notice WHERE published_at IS NOT NULL "
                               "AND roster_digest IS NULL").fetchall()
    for (notice_id,) in published:
        db.execute_sql(f"UPDATE notice SET roster_digest = {db.param} WHERE id = {db.param}",
                       (roster_digest(notice_id)[1], notice_id))
