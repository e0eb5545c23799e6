from dataclasses import dataclass
from datetime import date

import pytest

from server.licensing import derive_license_status
from server.models import DocumentKind, DocumentStatus, LicenseStatus

TODAY = date(2026, 12, 3)
PERMIT = DocumentKind.SCHOOL_PERMIT
LICENSE = DocumentKind.BUSINESS_LICENSE
REGISTRATION = DocumentKind.NON_ENTERPRISE_REGISTRATION
HELD = DocumentStatus.HELD
APPLIED = DocumentStatus.APPLIED


@dataclass
class Doc:
    kind: DocumentKind
    status: DocumentStatus = HELD
    valid_until: date | None = None
    revoked_on: date | None = None


@pytest.mark.parametrize(
    ("documents", "expected"),
    [
        ([Doc(PERMIT), Doc(LICENSE)], LicenseStatus.LICENSED),
        ([Doc(PERMIT), Doc(REGISTRATION)], LicenseStatus.LICENSED),
        ([Doc(LICENSE)], LicenseStatus.BUSINESS_LICENSE_ONLY),
        ([Doc(REGISTRATION)], LicenseStatus.BUSINESS_LICENSE_ONLY),
        ([], LicenseStatus.UNLICENSED),
        ([Doc(LICENSE), Doc(PERMIT, APPLIED)], LicenseStatus.APPLYING),
        ([Doc(PERMIT, APPLIED)], LicenseStatus.APPLYING),
        ([Doc(PERMIT)], LicenseStatus.APPLYING),
    ],
)
def test_status_follows_the_documents_held(documents, expected):
    assert derive_license_status(documents, TODAY) == expected


def test_an_expired_permit_no_longer_counts():
    documents = [Doc(PERMIT, valid_until=date(2026, 12, 2)), Doc(LICENSE)]

    assert (
        derive_license_status(documents, TODAY) == LicenseStatus.BUSINESS_LICENSE_ONLY
    )


def test_a_permit_valid_through_today_still_counts():
    documents = [Doc(PERMIT, valid_until=TODAY), Doc(LICENSE)]

    assert derive_license_status(documents, TODAY) == LicenseStatus.LICENSED


def test_a_revoked_permit_no_longer_counts_from_the_day_it_is_revoked():
    revoked = [Doc(PERMIT, revoked_on=TODAY), Doc(LICENSE)]
    revoked_later = [Doc(PERMIT, revoked_on=date(2026, 12, 4)), Doc(LICENSE)]

    assert derive_license_status(revoked, TODAY) == LicenseStatus.BUSINESS_LICENSE_ONLY
    assert derive_license_status(revoked_later, TODAY) == LicenseStatus.LICENSED
