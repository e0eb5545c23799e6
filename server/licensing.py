"""How the documents an institution holds decide its license status.

Nobody types a license status: it follows from the documents. An institution
is fully licensed (证照齐全) when it holds, in force, both a school permit
(办学许可证) and a registration: a business license (营业执照) or a private
non-enterprise registration (民办非企业单位登记证书).

An institution holding only a registration trains without a permit (有照无证);
one holding neither is unlicensed (无证无照). A document counts while it is in
force: held, not expired, and not revoked. An institution that has applied
for a missing document, or holds a permit but has not yet registered, is in
the middle of licensing (证照办理中), and may not train until it is done.
"""

from collections.abc import Iterable
from datetime import date
from typing import Protocol

from server.models import DocumentKind, DocumentStatus, LicenseStatus

REGISTRATIONS = frozenset(
    {DocumentKind.BUSINESS_LICENSE, DocumentKind.NON_ENTERPRISE_REGISTRATION}
)


class DocumentLike(Protocol):
    kind: DocumentKind
    status: DocumentStatus
    valid_until: date | None
    revoked_on: date | None


def derive_license_status(
    documents: Iterable[DocumentLike], today: date
) -> LicenseStatus:
    documents = list(documents)
    in_force = {document.kind for document in documents if _in_force(document, today)}
    has_permit = DocumentKind.SCHOOL_PERMIT in in_force
    has_registration = bool(in_force & REGISTRATIONS)

    if has_permit and has_registration:
        return LicenseStatus.LICENSED
    if has_permit or any(
        document.status == DocumentStatus.APPLIED for document in documents
    ):
        return LicenseStatus.APPLYING
    if has_registration:
        return LicenseStatus.BUSINESS_LICENSE_ONLY
    return LicenseStatus.UNLICENSED


def _in_force(document: DocumentLike, today: date) -> bool:
    if document.status != DocumentStatus.HELD:
        return False
    if document.revoked_on is not None and document.revoked_on <= today:
        return False
    return document.valid_until is None or document.valid_until >= today
