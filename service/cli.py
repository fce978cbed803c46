"""Command-line tools: `flask --app service <command>` (README.md says which may be repeated)."""

from contextlib import contextmanager
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from schemas.common import MAX_NAME_LENGTH
from service.domain import notices, organizations, tokens
from service.domain.errors import Conflict, Invalid
from service.domain.models import Notice
from service.domain.names import OPTIONAL_MAX
from service.domain.roster import verify_rosters
from service.domain.rosterfile import HEADERS, RosterFileError, read_roster
from service.infra import auth
from service.infra.db import database
from service.migrations import LATEST, applied_version, migrate

CLI_ACTOR = "cli"


@contextmanager
def migrated_database():
    """A connection to a database at the current schema; otherwise one line saying what to run
    (instead of a traceback about a missing table)."""
    with database.connection_context():
        version = applied_version()
        if version != LATEST:
            raise click.ClickException(
                f"the database schema is at version {version}, expected {LATEST}; "
                "run `flask --app service init-db` first (make run does)")
        yield


def counted(count: int, noun: str) -> str:
    """`1 name`, `2 names`: the count with the noun in the right number."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


@click.command("init-db")
def init_db_command():
    """Create or migrate the schema to the current version (safe on every start)."""
    with database.connection_context():
        applied = migrate()
    click.echo(f"applied migrations {applied}" if applied else "schema is current")


@click.command("seed")
@with_appcontext
def seed_command():
    """Load the records in seeds/; a second run adds nothing."""
    from seeds.loader import load_seeds

    with migrated_database():
        try:  # e.g. the page's numbers are not valid numbers of PHONE_REGION
            added = load_seeds(default_timezone=current_app.config["NOTICE_TIMEZONE"],
                               region=current_app.config["PHONE_REGION"])
        except Invalid as error:
            raise click.ClickException(_format_errors(error.errors)) from None
    click.echo(f"seeded: {counted(added['notices'], 'notice')}, "
               f"{counted(added['articles'], 'article')} added")


class Lifetime(click.ParamType):
    """--expires-in-days: a whole number of days (1 to 3660), or `never`."""

    name = "N|never"

    def convert(self, value, param, ctx):
        if value == tokens.NEVER:
            return value
        try:
            days = int(value)
        except ValueError:
            self.fail(f"{value!r} is neither a number of days nor {tokens.NEVER!r}", param, ctx)
        if not 1 <= days <= 3660:
            self.fail(f"{days} is not from 1 to 3660", param, ctx)
        return days


@click.command("create-organization")
@click.option("--name", required=True, help="The organization's Chinese name, as printed.")
@click.option("--code", default=None, help="Its unified social credit code (统一社会信用代码).")
@with_appcontext
def create_organization_command(name, code):
    """Register an organization and print its id alone on the last line; with a name already
    registered, print that one's id (nothing changes)."""
    with migrated_database():
        try:
            organization = organizations.ensure_organization(
                name, CLI_ACTOR, uscc=code, region=current_app.config["PHONE_REGION"])
        except (Invalid, Conflict) as error:
            raise click.ClickException(getattr(error, "message", error.detail)) from None
    click.echo(f"organization {organization.id}: {organization.name}", err=True)
    click.echo(organization.id)


@click.command("create-token")
@click.option("--role", type=click.Choice(auth.ROLES), required=True, help="Staff role.")
@click.option("--label", required=True, help="Who or what the token is for.")
@click.option("--org", "organization_ids", type=click.IntRange(min=1), multiple=True,
              help="An organization the token acts for (repeat for several); required for "
                   "editor and publisher, none for admin (every organization).")
@click.option("--expires-in-days", type=Lifetime(), default=None,
              help="Days until the token expires, or `never` (default: TOKEN_LIFETIME_DAYS).")
@with_appcontext
def create_token_command(role, label, organization_ids, expires_in_days):
    """Create a bearer token and print it alone on stdout (only its hash is stored), so that
    TOKEN=$(flask --app service create-token ...) captures it; the note goes to stderr."""
    with migrated_database():
        try:
            row, token = tokens.create_token(
                role, label, CLI_ACTOR, organization_ids=list(organization_ids),
                expires_in_days=expires_in_days,
                lifetime_days=current_app.config["TOKEN_LIFETIME_DAYS"])
        except Invalid as error:
            raise click.ClickException(
                "; ".join(f"--{field.split('.')[0].replace('organization_ids', 'org')}: "
                          f"{messages[0]}" for field, messages in error.errors.items())) from None
    expiry = f"expires {row.expires_at:%Y-%m-%d %H:%M} UTC" if row.expires_at else "never expires"
    click.echo(f"token {row.id} ({role}, {label}, {expiry}) created; it is shown once:", err=True)
    click.echo(token)


def _roster_columns_help() -> str:
    """The columns a roster file may have, with their other headers and limits, one a line."""
    aliases: dict[str, list[str]] = {}
    for header, field in HEADERS.items():
        if header != field:
            aliases.setdefault(field, []).append(header)
    limits = {"name": MAX_NAME_LENGTH, **OPTIONAL_MAX}
    return "\n".join(f"  {field:<14} {'required' if field == 'name' else 'optional'}, "
                     f"≤ {limits[field]} characters (or {', '.join(aliases[field])})"
                     for field in ("name", "organization", "credential_no"))


@click.command("import-roster", help=f"""Bulk-add names to the draft NOTICE_ID from FILE, all or
nothing (one bad row imports none and names its line).

\b
FILE is .csv (UTF-8; GBK or Big5 as Excel writes them, when they read as Chinese)
or .xlsx (its first sheet). Its first row names the columns, in any order:
{_roster_columns_help()}

Example: examples/roster.csv in the repository.""")
@click.argument("notice_id", type=int)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_roster_command(notice_id, file):
    with migrated_database():
        notice = Notice.get_or_none(Notice.id == notice_id)
        if notice is None:
            raise click.ClickException(f"no notice {notice_id}")
        try:
            rows = read_roster(file.read_bytes(), file.name)
        except RosterFileError as error:
            raise click.ClickException(_format_errors(error.errors)) from None
        from tqdm import tqdm  # for this command only: not loaded in every web worker

        with tqdm(total=len(rows), unit="name", desc="importing") as bar:
            try:
                added = notices.add_roster_entries(
                    notice.id, rows, CLI_ACTOR, action="roster.imported",
                    path=lambda i: f"rows.{rows[i]['line']}", progress=bar.update)
            except Invalid as error:
                raise click.ClickException(_format_errors(error.errors)) from None
            except Conflict as error:
                raise click.ClickException(error.detail) from None
    click.echo(f"imported {counted(len(added), 'name')} into notice {notice_id}")


def _format_errors(errors: dict[str, list[str]]) -> str:
    lines = [f"{field}: {'; '.join(messages)}" for field, messages in errors.items()]
    return "nothing imported:\n" + "\n".join(lines)


@click.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
def export_command(file, force):
    """Write a consistent, versioned dump of every table (tokens excluded) to FILE; an existing
    FILE is refused unless --force."""
    from service.domain.backup import export_to

    if file.exists() and not force:
        raise click.ClickException(f"{file} exists; nothing written (--force replaces it)")
    with migrated_database():
        counts = export_to(file)
    click.echo(f"exported {counted(sum(counts.values()), 'row')} to {file}: {counts}")


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(file):
    """Load a dump made by `export` into an empty, migrated database (all or nothing)."""
    from service.domain.backup import BackupError, import_from

    with database.connection_context():
        try:
            counts = import_from(file)
        except BackupError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"imported {counted(sum(counts.values()), 'row')} from {file}: {counts}")


@click.command("verify-backup")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify_backup_command(file):
    """Read a dump made by `export` through and check every table's count and digest."""
    from service.domain.backup import BackupError, verify_backup

    try:
        counts = verify_backup(file)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{file} is complete: {counted(sum(counts.values()), 'row')}, {counts}")


@click.command("verify-rosters")
def verify_rosters_command():
    """Check every published roster against the digest recorded when it was published."""
    with migrated_database():
        results = verify_rosters()
    altered = [notice_id for notice_id, ok in results if not ok]
    for notice_id in altered:
        click.echo(f"notice {notice_id}: roster differs from its published digest", err=True)
    if altered:
        raise click.exceptions.Exit(1)
    click.echo("1 published roster matches its digest" if len(results) == 1
               else f"{len(results)} published rosters match their digests")


@click.command("scheduler")
@with_appcontext
def scheduler_command():
    """Run the notice scheduler in the foreground until SIGTERM/SIGINT (one leader, others wait)."""
    from service.scheduler import run_forever

    run_forever(current_app)


def init_app(app: Flask) -> None:
    for command in (init_db_command, seed_command, create_organization_command,
                    create_token_command, import_roster_command,
                    scheduler_command, export_command, import_command, verify_backup_command,
                    verify_rosters_command):
        app.cli.add_command(command)
