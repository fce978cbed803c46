"""Notices as the API shows them: fields, window, contacts, roster size, links; and the
public's view of roster entries (credential numbers masked)."""

from collections import defaultdict
from datetime import datetime

from peewee import fn

from service.domain import windows
from service.domain.models import Contact, Notice, NoticeArticle, RosterEntry
from service.domain.organizations import names_of, sees_credentials
from service.domain.status import status_of, window_of


def present(notices: list[Notice], now: datetime, *, brief: bool = False) -> list[dict]:
    """API dicts for a page of notices, with their contacts, roster sizes, links and
    organisations' names in 4 queries;
    `brief` leaves out roster sizes and links (what a name-check match shows)."""
    ids = [n.id for n in notices]
    contacts, links, sizes = defaultdict(list), defaultdict(list), {}
    names = names_of(n.organization_id for n in notices)
    for contact in Contact.select().where(Contact.notice.in_(ids)).order_by(Contact.position):
        contacts[contact.notice_id].append(contact_dict(contact))
    if not brief:
        sizes = dict(
            RosterEntry.select(RosterEntry.notice, fn.COUNT(RosterEntry.id))
            .where(RosterEntry.notice.in_(ids)).group_by(RosterEntry.notice).tuples()
        )
        for link in (NoticeArticle.select().where(NoticeArticle.notice.in_(ids))
                     .order_by(NoticeArticle.article)):
            links[link.notice_id].append(link.article_id)
    return [
        {
            **{field: getattr(n, field) for field in (
                "id", "title", "category", "issuer", "issued_on", "body", "created_at",
                "updated_at", "published_at", "withdrawn_at", "withdrawal_reason",
                "organization_id")},
            # Over the full credential numbers: shown to the public, it would let anyone test
            # guesses of the masked characters of a small roster.
            "roster_digest": n.roster_digest if sees_credentials(n.organization_id) else None,
            "organization_name": names.get(n.organization_id),
            "window": window_dict(n),
            "contacts": contacts[n.id],
            "roster_size": sizes.get(n.id, 0),
            "status": status_of(n, now),
            "article_ids": links[n.id],
        }
        for n in notices
    ]


def present_one(notice: Notice, now: datetime) -> dict:
    return present([notice], now)[0]


def window_dict(notice: Notice) -> dict | None:
    window = window_of(notice)
    return windows.describe(window) if window else None


def contact_dict(contact: Contact) -> dict:
    return {"number": contact.number, "label": contact.label, "e164": contact.e164}


def credential_last4(value: str | None) -> str | None:
    """What the public may see of a credential number: its last 4 characters, if it is longer."""
    return value[-4:] if value and len(value) > 4 else None


def mask_credential(value: str | None) -> str | None:
    """Public rosters show only the last 4 characters of a credential number."""
    if not value:
        return value
    return "*" * (len(value) - 4) + value[-4:] if len(value) > 4 else "*" * len(value)


def roster_entry_dict(entry: RosterEntry, *, masked: bool) -> dict:
    return {
        "id": entry.id,
        "position": entry.position,
        "name": entry.name,
        "organization": entry.organization,
        "credential_no": mask_credential(entry.credential_no) if masked else entry.credential_no,
    }

