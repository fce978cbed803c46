"""The API's enumerations (schemas/, the published contract) are the domain's own values: a status,
role or match kind added on one side only would be refused or never produced."""

from schemas.names import MATCH_KINDS
from schemas.notices import STATUSES
from schemas.tokens import ROLES as API_ROLES
from service.domain.namecheck import MATCH_ORDER
from service.domain.status import STATUS_ORDER
from service.infra.auth import ROLES


def test_every_status_the_domain_ranks_is_one_the_api_documents():
    assert sorted(STATUS_ORDER) == sorted(STATUSES)


def test_match_kinds_and_roles_are_the_domains():
    assert MATCH_ORDER == MATCH_KINDS
    assert ROLES == API_ROLES
