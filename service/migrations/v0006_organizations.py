"""Organisations: the issuers and sources as a resource of their own, tokens bound to them, and
the organisation of every notice, article and audit event.

Each distinct notice issuer and article source of the day becomes an organisation (by its name),
and every notice and article is given the one named as it prints its issuer or source, and their
audit events the same (set-based UPDATE … FROM, one statement per table, SQLite 3.33+ and
PostgreSQL alike). An audit event's
actor may hold a whole token label (200 characters) after its "token:ID:" prefix, so on
PostgreSQL it becomes TEXT (SQLite never enforced the length). On SQLite the article search's
covering index gains the organisation, which its facets count. Idempotent: every step checks
first or is written to change nothing the second time."""

TYPES = {
    True: {"serial": "INTEGER", "timestamp": "DATETIME"},  # SQLite
    False: {"serial": "SERIAL", "timestamp": "TIMESTAMP"},  # PostgreSQL
}

TABLES = """
CREATE TABLE IF NOT EXISTS "organization" (
    "id" {serial} NOT NULL PRIMARY KEY, "name" VARCHAR(200) NOT NULL, "uscc" VARCHAR(18),
    "region" VARCHAR(64), "contacts" TEXT NOT NULL, "created_at" {timestamp} NOT NULL,
    "updated_at" {timestamp} NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS "organization_name" ON "organization" ("name");
CREATE UNIQUE INDEX IF NOT EXISTS "organization_uscc" ON "organization" ("uscc");

CREATE TABLE IF NOT EXISTS "token_organization" (
    "token_id" INTEGER NOT NULL, "organization_id" INTEGER NOT NULL,
    PRIMARY KEY ("token_id", "organization_id"),
    FOREIGN KEY ("token_id") REFERENCES "api_token" ("id") ON DELETE CASCADE,
    FOREIGN KEY ("organization_id") REFERENCES "organization" ("id") ON DELETE CASCADE);
CREATE INDEX IF NOT EXISTS "token_organization_organization_id"
    ON "token_organization" ("organization_id");
"""

# (table, column, its definition when added)
COLUMNS = (
    ("notice", "organization_id", 'INTEGER REFERENCES "organization" ("id")'),
    ("article", "organization_id", 'INTEGER REFERENCES "organization" ("id")'),
    ("audit_event", "organization_id", "INTEGER"),
)
INDEXES = (
    'CREATE INDEX IF NOT EXISTS "notice_organization_id" ON "notice" ("organization_id")',
    'CREATE INDEX IF NOT EXISTS "article_organization_id" ON "article" ("organization_id")',
    'CREATE INDEX IF NOT EXISTS "audit_event_organization_id" '
    'ON "audit_event" ("organization_id")',
)
NOW = "CURRENT_TIMESTAMP"

ORGANIZATIONS_FROM_NAMES = f"""
INSERT INTO organization (name, contacts, created_at, updated_at)
SELECT names.name, '[]', {NOW}, {NOW}
FROM (SELECT issuer AS name FROM notice UNION SELECT source AS name FROM article) AS names
WHERE NOT EXISTS (SELECT 1 FROM organization WHERE organization.name = names.name)
ORDER BY names.name"""

OWNERS = """
UPDATE {table} SET organization_id = organization.id FROM organization
WHERE organization.name = {table}.{column} AND {table}.organization_id IS NULL"""

# The events of notices and articles still there name their organisation, as new events do.
EVENT_OWNERS = """
UPDATE audit_event SET organization_id = {table}.organization_id FROM {table}
WHERE audit_event.entity = '{table}' AND audit_event.entity_id = {table}.id
AND audit_event.organization_id IS NULL"""


def upgrade(db, is_sqlite: bool) -> None:
    for statement in TABLES.format(**TYPES[is_sqlite]).split(";"):
        if statement.strip():
            db.execute_sql(statement)
    for table, column, definition in COLUMNS:
        if column not in {c.name for c in db.get_columns(table)}:
            db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN "{column}" {definition}')
    for statement in INDEXES:
        db.execute_sql(statement)
    if not is_sqlite:
        db.execute_sql('ALTER TABLE "audit_event" ALTER COLUMN "actor" TYPE TEXT')
    if is_sqlite:  # migration 5's covering index, with the organisation the facets now count
        db.execute_sql("DROP INDEX IF EXISTS article_facets")
        db.execute_sql("CREATE INDEX article_facets "
                       "ON article (id, kind, region, published_on, organization_id)")
    db.execute_sql(ORGANIZATIONS_FROM_NAMES)
    db.execute_sql(OWNERS.format(table="notice", column="issuer"))
    db.execute_sql(OWNERS.format(table="article", column="source"))
    for table in ("notice", "article"):
        db.execute_sql(EVENT_OWNERS.format(table=table))
    db.execute_sql("UPDATE data_version SET version = version + 1 WHERE id = 1")
