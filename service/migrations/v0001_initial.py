"""The first schema: notices, contacts, rosters, articles and their links, tokens, audit,
and the article full-text index (FTS5 on SQLite, a weighted tsvector with GIN on PostgreSQL).

Frozen as the models stood when it shipped (commit 3a52a57, 2026-11-26): written out as SQL, so
that editing service/domain/models.py never changes what this migration creates. Each later
change to the schema is a migration of its own."""

# The only differences between the two databases' DDL, as peewee wrote it for those models.
TYPES = {
    True: {"serial": "INTEGER", "timestamp": "DATETIME"},  # SQLite
    False: {"serial": "SERIAL", "timestamp": "TIMESTAMP"},  # PostgreSQL
}

TABLES = """
CREATE TABLE IF NOT EXISTS "notice" (
    "id" {serial} NOT NULL PRIMARY KEY, "title" VARCHAR(200) NOT NULL,
    "category" VARCHAR(64) NOT NULL, "issuer" VARCHAR(200) NOT NULL, "issued_on" DATE,
    "body" TEXT NOT NULL, "timezone" VARCHAR(64) NOT NULL, "opens_at" {timestamp},
    "closes_at" {timestamp}, "created_at" {timestamp} NOT NULL, "updated_at" {timestamp} NOT NULL,
    "published_at" {timestamp}, "withdrawn_at" {timestamp}, "withdrawal_reason" TEXT,
    "opened_recorded_at" {timestamp}, "closed_recorded_at" {timestamp},
    "roster_hidden_at" {timestamp});
CREATE INDEX IF NOT EXISTS "notice_category" ON "notice" ("category");
CREATE INDEX IF NOT EXISTS "notice_issuer" ON "notice" ("issuer");
CREATE INDEX IF NOT EXISTS "notice_opens_at" ON "notice" ("opens_at");
CREATE INDEX IF NOT EXISTS "notice_closes_at" ON "notice" ("closes_at");
CREATE INDEX IF NOT EXISTS "notice_published_at" ON "notice" ("published_at");

CREATE TABLE IF NOT EXISTS "contact" (
    "id" {serial} NOT NULL PRIMARY KEY, "notice_id" INTEGER NOT NULL,
    "position" INTEGER NOT NULL, "number" VARCHAR(32) NOT NULL, "label" VARCHAR(64) NOT NULL,
    "e164" VARCHAR(20) NOT NULL,
    FOREIGN KEY ("notice_id") REFERENCES "notice" ("id") ON DELETE CASCADE);
CREATE INDEX IF NOT EXISTS "contact_notice_id" ON "contact" ("notice_id");
CREATE UNIQUE INDEX IF NOT EXISTS "contact_notice_id_position"
    ON "contact" ("notice_id", "position");

CREATE TABLE IF NOT EXISTS "roster_entry" (
    "id" {serial} NOT NULL PRIMARY KEY, "notice_id" INTEGER NOT NULL,
    "position" INTEGER NOT NULL, "name" VARCHAR(64) NOT NULL, "exact_key" VARCHAR(64) NOT NULL,
    "variant_key" VARCHAR(64) NOT NULL, "organization" VARCHAR(200), "credential_no" VARCHAR(64),
    FOREIGN KEY ("notice_id") REFERENCES "notice" ("id") ON DELETE CASCADE);
CREATE INDEX IF NOT EXISTS "roster_entry_notice_id" ON "roster_entry" ("notice_id");
CREATE INDEX IF NOT EXISTS "roster_entry_exact_key" ON "roster_entry" ("exact_key");
CREATE INDEX IF NOT EXISTS "roster_entry_variant_key" ON "roster_entry" ("variant_key");
CREATE UNIQUE INDEX IF NOT EXISTS "roster_entry_notice_id_exact_key"
    ON "roster_entry" ("notice_id", "exact_key");
CREATE INDEX IF NOT EXISTS "roster_entry_notice_id_position"
    ON "roster_entry" ("notice_id", "position");

CREATE TABLE IF NOT EXISTS "roster_pinyin" (
    "entry_id" INTEGER NOT NULL, "key" VARCHAR(128) NOT NULL, PRIMARY KEY ("entry_id", "key"),
    FOREIGN KEY ("entry_id") REFERENCES "roster_entry" ("id") ON DELETE CASCADE);
CREATE INDEX IF NOT EXISTS "roster_pinyin_entry_id" ON "roster_pinyin" ("entry_id");
CREATE INDEX IF NOT EXISTS "roster_pinyin_key" ON "roster_pinyin" ("key");

CREATE TABLE IF NOT EXISTS "article" (
    "id" {serial} NOT NULL PRIMARY KEY, "title" VARCHAR(200) NOT NULL,
    "kind" VARCHAR(16) NOT NULL, "section" VARCHAR(200), "byline" VARCHAR(200),
    "region" VARCHAR(64), "source" VARCHAR(200) NOT NULL, "published_on" DATE NOT NULL,
    "page" VARCHAR(64), "body" TEXT NOT NULL, "title_tokens" TEXT NOT NULL,
    "body_tokens" TEXT NOT NULL, "created_at" {timestamp} NOT NULL,
    "updated_at" {timestamp} NOT NULL);
CREATE INDEX IF NOT EXISTS "article_kind" ON "article" ("kind");
CREATE INDEX IF NOT EXISTS "article_region" ON "article" ("region");
CREATE INDEX IF NOT EXISTS "article_published_on" ON "article" ("published_on");

CREATE TABLE IF NOT EXISTS "notice_article" (
    "notice_id" INTEGER NOT NULL, "article_id" INTEGER NOT NULL,
    PRIMARY KEY ("notice_id", "article_id"),
    FOREIGN KEY ("notice_id") REFERENCES "notice" ("id") ON DELETE CASCADE,
    FOREIGN KEY ("article_id") REFERENCES "article" ("id") ON DELETE CASCADE);
CREATE INDEX IF NOT EXISTS "notice_article_notice_id" ON "notice_article" ("notice_id");
CREATE INDEX IF NOT EXISTS "notice_article_article_id" ON "notice_article" ("article_id");

CREATE TABLE IF NOT EXISTS "api_token" (
    "id" {serial} NOT NULL PRIMARY KEY, "label" VARCHAR(200) NOT NULL,
    "role" VARCHAR(16) NOT NULL, "token_hash" VARCHAR(64) NOT NULL,
    "created_at" {timestamp} NOT NULL, "expires_at" {timestamp}, "revoked_at" {timestamp});
CREATE UNIQUE INDEX IF NOT EXISTS "api_token_token_hash" ON "api_token" ("token_hash");

CREATE TABLE IF NOT EXISTS "audit_event" (
    "id" {serial} NOT NULL PRIMARY KEY, "at" {timestamp} NOT NULL,
    "actor" VARCHAR(200) NOT NULL, "action" VARCHAR(64) NOT NULL, "entity" VARCHAR(32) NOT NULL,
    "entity_id" INTEGER, "changes" TEXT, "due_at" {timestamp});
CREATE INDEX IF NOT EXISTS "audit_event_at" ON "audit_event" ("at");
CREATE INDEX IF NOT EXISTS "audit_event_action" ON "audit_event" ("action");
CREATE INDEX IF NOT EXISTS "audit_event_entity_entity_id" ON "audit_event" ("entity", "entity_id");

CREATE TABLE IF NOT EXISTS "scheduler_instance" (
    "id" VARCHAR(64) NOT NULL PRIMARY KEY, "host" VARCHAR(200) NOT NULL, "pid" INTEGER NOT NULL,
    "role" VARCHAR(16) NOT NULL, "started_at" {timestamp} NOT NULL,
    "heartbeat_at" {timestamp} NOT NULL, "last_run_at" {timestamp}, "lag_seconds" REAL,
    "transitions_written" INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS "scheduler_instance_heartbeat_at"
    ON "scheduler_instance" ("heartbeat_at");
"""

SQLITE_SEARCH = [
    # rowid = article.id; kept in step by service.domain.articles on every write.
    "CREATE VIRTUAL TABLE article_fts USING fts5(title, body, tokenize='unicode61')",
]

POSTGRES_SEARCH = [
    "ALTER TABLE article ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple', title_tokens), 'A') || "
    "setweight(to_tsvector('simple', body_tokens), 'B')) STORED",
    "CREATE INDEX article_search_vector ON article USING GIN (search_vector)",
]


def upgrade(db, is_sqlite: bool) -> None:
    for statement in TABLES.format(**TYPES[is_sqlite]).split(";"):
        if statement.strip():
            db.execute_sql(statement)
    for statement in SQLITE_SEARCH if is_sqlite else POSTGRES_SEARCH:
        db.execute_sql(statement)
