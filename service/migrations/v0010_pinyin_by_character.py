"""Roster names' pinyin keys read one character at a time: until now pypinyin read a name's given
part with its phrase dictionary, as if it were a word (单于思东's 于思 as yu sai, not yu si). Every
name whose stored keys differ from folding.pinyin_keys' is given these keys; the others (all the
names of bench/names.py and Faker's real-life lists but 单于思…) are left as they are."""

BATCH = 10_000


def upgrade(db, is_sqlite: bool) -> None:
    from service.domain.errors import Invalid
    from service.domain.folding import pinyin_keys

    param, changed, last = db.param, 0, 0
    while True:
        names = db.execute_sql(f"SELECT id, name FROM roster_entry WHERE id > {param} "
                               f"ORDER BY id LIMIT {BATCH}", (last,)).fetchall()
        if not names:
            break
        stored: dict[int, set[str]] = {}
        for entry_id, key in db.execute_sql(
                f"SELECT entry_id, key FROM roster_pinyin WHERE entry_id > {param} "
                f"AND entry_id <= {param}", (last, names[-1][0])):
            stored.setdefault(entry_id, set()).add(key)
        last = names[-1][0]
        for entry_id, name in names:
            try:
                keys = pinyin_keys(name)
            except Invalid:  # stored under older rules: keep what it has
                continue
            if keys != stored.get(entry_id, set()):
                db.execute_sql(f"DELETE FROM roster_pinyin WHERE entry_id = {param}", (entry_id,))
                for key in sorted(keys):
                    db.execute_sql("INSERT INTO roster_pinyin (entry_id, key) "
                                   f"VALUES ({param}, {param})", (entry_id, key))
                changed += 1
    if changed:
        db.execute_sql("UPDATE data_version SET version = version + 1 WHERE id = 1")
