"""The registry's tables."""

from datetime import UTC, datetime

from peewee import (
    AutoField,
    CharField,
    CompositeKey,
    DateField,
    DateTimeField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from service.infra.clock import utcnow
from service.infra.db import database


class UTCDateTimeField(DateTimeField):
    """Stores aware datetimes as naive UTC (comparable on both databases); returns aware UTC."""

    def db_value(self, value):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return super().db_value(value)

    def python_value(self, value):
        value = super().python_value(value)
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class Organization(BaseModel):
    """An issuer of notices and source of articles; staff tokens act for one or more."""

    id = AutoField()
    name = CharField(max_length=200, unique=True)  # its Chinese name, as printed
    uscc = CharField(max_length=18, null=True, unique=True)  # 统一社会信用代码
    region = CharField(max_length=64, null=True)
    contacts = TextField(default="[]")  # JSON: [{"number", "label", "e164"}]
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)


class Notice(BaseModel):
    id = AutoField()
    title = CharField(max_length=200)
    category = CharField(max_length=64, index=True)
    issuer = CharField(max_length=200, index=True)  # the organisation's name as printed
    organization = ForeignKeyField(Organization, null=True, index=True)
    issued_on = DateField(null=True)
    body = TextField(default="")
    timezone = CharField(max_length=64)
    opens_at = UTCDateTimeField(null=True, index=True)
    closes_at = UTCDateTimeField(null=True, index=True)
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)
    published_at = UTCDateTimeField(null=True, index=True)
    withdrawn_at = UTCDateTimeField(null=True)
    withdrawal_reason = TextField(null=True)
    # Written once each by the scheduler, when it records notice.opened / notice.closed.
    opened_recorded_at = UTCDateTimeField(null=True)
    closed_recorded_at = UTCDateTimeField(null=True)
    # Set by housekeeping after ROSTER_PUBLIC_DAYS_AFTER_CLOSE: the roster leaves public view.
    roster_hidden_at = UTCDateTimeField(null=True)
    # SHA-256 of the roster as published (roster.roster_digest); null for drafts.
    roster_digest = CharField(max_length=64, null=True)

    @classmethod
    def public(cls):
        """Published: the public sees it, withdrawn or not (a withdrawal shows with its reason)."""
        return cls.published_at.is_null(False)

    @classmethod
    def live(cls):
        """Published and not withdrawn: its window runs, and it opens and closes."""
        return cls.public() & cls.withdrawn_at.is_null(True)


class Contact(BaseModel):
    id = AutoField()
    notice = ForeignKeyField(Notice, backref="contacts", on_delete="CASCADE")
    position = IntegerField()
    number = CharField(max_length=32)
    label = CharField(max_length=64)
    e164 = CharField(max_length=20)

    class Meta:
        indexes = ((("notice", "position"), True),)


class RosterEntry(BaseModel):
    id = AutoField()
    # No index of its own: (notice, position) and (notice, exact_key) both start with it.
    notice = ForeignKeyField(Notice, backref="roster", on_delete="CASCADE", index=False)
    position = IntegerField()
    name = CharField(max_length=64)
    exact_key = CharField(max_length=64)  # width and spaces folded
    variant_key = CharField(max_length=64)  # also traditional→simplified, dots
    organization = CharField(max_length=200, null=True)
    credential_no = CharField(max_length=64, null=True)

    class Meta:
        # Not unique: two people may share a name (told apart by organisation or number).
        indexes = (
            (("notice", "exact_key"), False),
            (("notice", "position"), False),
            # The name check ranks and counts a name's entries from this index alone (on
            # PostgreSQL it also holds the id: migration 12).
            (("variant_key", "notice", "position", "exact_key"), False),
        )


class RosterPinyin(BaseModel):
    """Every toneless pinyin reading of a roster name, for pinyin and homophone matches."""

    entry = ForeignKeyField(RosterEntry, on_delete="CASCADE", index=False)  # the key's prefix
    key = CharField(max_length=128)

    class Meta:
        primary_key = CompositeKey("entry", "key")
        indexes = ((("key", "entry"), False),)  # the name check reads entries from it alone


class Article(BaseModel):
    id = AutoField()
    title = CharField(max_length=200)
    kind = CharField(max_length=16, index=True)
    section = CharField(max_length=200, null=True)
    byline = CharField(max_length=200, null=True)
    region = CharField(max_length=64, null=True, index=True)
    source = CharField(max_length=200)
    organization = ForeignKeyField(Organization, null=True, index=True)
    published_on = DateField(index=True)
    page = CharField(max_length=64, null=True)
    body = TextField(default="")
    # Application-tokenized text (CJK unigrams, bigrams, Latin words) read by the full-text index.
    title_tokens = TextField(default="")
    body_tokens = TextField(default="")
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)
    published_at = UTCDateTimeField(null=True)  # null: a draft, seen by staff only

    @classmethod
    def public(cls):
        """Published: the public sees it, lists it, finds it; a draft is staff's alone."""
        return cls.published_at.is_null(False)

    @classmethod
    def draft(cls):
        """Not yet published (a partial index, article_drafts, lists them)."""
        return cls.published_at.is_null(True)


class NoticeArticle(BaseModel):
    notice = ForeignKeyField(Notice, on_delete="CASCADE")
    article = ForeignKeyField(Article, on_delete="CASCADE", index=True)

    class Meta:
        primary_key = CompositeKey("notice", "article")


class ApiToken(BaseModel):
    id = AutoField()
    label = CharField(max_length=200)
    role = CharField(max_length=16)
    token_hash = CharField(max_length=64, unique=True)
    created_at = UTCDateTimeField(default=utcnow)
    expires_at = UTCDateTimeField(null=True)  # null: until revoked
    revoked_at = UTCDateTimeField(null=True)


class TokenOrganization(BaseModel):
    """The organisations an editor's or publisher's token acts for (admins: none, all)."""

    token = ForeignKeyField(ApiToken, on_delete="CASCADE", index=False)  # the key's prefix
    organization = ForeignKeyField(Organization, on_delete="CASCADE", index=True)

    class Meta:
        primary_key = CompositeKey("token", "organization")


class AuditEvent(BaseModel):
    id = AutoField()
    at = UTCDateTimeField(default=utcnow, index=True)
    actor = TextField()
    # The organisation the actor acted for (null: an admin, the CLI, the scheduler).
    organization_id = IntegerField(null=True, index=True)
    action = CharField(max_length=64, index=True)
    entity = CharField(max_length=32)
    entity_id = IntegerField(null=True)
    changes = TextField(null=True)  # JSON
    due_at = UTCDateTimeField(null=True)

    class Meta:
        indexes = ((("entity", "entity_id"), False),)


class SchedulerInstance(BaseModel):
    """Heartbeat of each running scheduler process: which one leads, and how it is doing."""

    id = CharField(max_length=64, primary_key=True)
    host = CharField(max_length=200)
    pid = IntegerField()
    role = CharField(max_length=16)  # leader | standby
    started_at = UTCDateTimeField(default=utcnow)
    heartbeat_at = UTCDateTimeField(default=utcnow, index=True)
    last_run_at = UTCDateTimeField(null=True)
    lag_seconds = FloatField(null=True)  # how late the last transition was recorded
    transitions_written = IntegerField(default=0)


class DataVersion(BaseModel):
    """One row, counted up by every write (with its audit event): public answers cached under an
    older version are stale."""

    id = IntegerField(primary_key=True)
    version = IntegerField()


class SchemaVersion(BaseModel):
    version = IntegerField(primary_key=True)
    applied_at = UTCDateTimeField(default=utcnow)


TABLES = [Organization, Notice, Contact, RosterEntry, RosterPinyin, Article, NoticeArticle,
          ApiToken, TokenOrganization, AuditEvent, SchedulerInstance]
