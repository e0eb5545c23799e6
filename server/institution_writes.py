"""Changing institutions: their facts, their documents, their instructors.

Every write here checks the actor, validates everything it was sent, runs in
one transaction and leaves an audit entry with the record before and after.
"""

from collections import Counter
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

from tortoise.transactions import in_transaction

from server import audit, standing
from server.clock import today
from server.errors import ErrorCode, FieldError, Refused
from server.i18n import _
from server.licensing import derive_license_status
from server.models import (
    Category,
    Document,
    DocumentKind,
    DocumentStatus,
    Institution,
    InstructorAssignment,
    LicenseStatus,
    OperatingStatus,
    Person,
    Village,
)
from server.models.base import INSERT_BATCH
from server.organisation import home_subdistrict
from server.permissions import Actor
from server.validation import KEEP, Checks, claim_version, may_edit


@dataclass(frozen=True)
class DocumentInput:
    kind: DocumentKind
    status: DocumentStatus = DocumentStatus.HELD
    number: str | None = None
    issued_on: date | None = None
    valid_until: date | None = None
    revoked_on: date | None = None


@dataclass(frozen=True)
class InstitutionInput:
    """An institution's editable facts. In an update, KEEP leaves a field alone."""

    registered_name: Any = KEEP
    signboard_name: Any = KEEP
    credit_code: Any = KEEP
    category: Any = KEEP
    address: Any = KEEP
    village_id: Any = KEEP
    operating_status: Any = KEEP
    documents: Any = field(default=KEEP)

    def given(self) -> dict[str, Any]:
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if getattr(self, f.name) is not KEEP
        }


async def create_institution(actor: Actor, data: InstitutionInput) -> Institution:
    may_edit(actor)
    values = await _checked(data.given(), creating=True)

    async with in_transaction():
        subdistrict = await home_subdistrict()
        documents = values.pop("documents", [])
        institution = await Institution.create(
            subdistrict=subdistrict,
            license_status=derive_license_status(documents, today()),
            **values,
        )
        await _replace_documents(institution, documents)
        await audit.record(
            actor, "institution.create", institution, None, await _snapshot(institution)
        )
    return institution


async def create_institutions(
    actor: Actor, items: list[InstitutionInput]
) -> list[Institution]:
    """Create many institutions at once, as an import does: each checked,
    stored and audited as `create_institution` would, in a few statements
    for all of them rather than several for each."""
    may_edit(actor)
    checks = Checks()
    cleaned = [_cleaned(checks, item.given(), creating=True) for item in items]
    await _unique_credit_codes(checks, [item.get("credit_code") for item in cleaned])
    await _villages_exist(checks, {item.get("village_id") for item in cleaned})
    checks.done()

    async with in_transaction():
        subdistrict = await home_subdistrict()
        held = [values.pop("documents", []) for values in cleaned]
        institutions = await Institution.insert_new(
            [
                {
                    "subdistrict": subdistrict,
                    "license_status": derive_license_status(documents, today()),
                    **values,
                }
                for values, documents in zip(cleaned, held, strict=True)
            ]
        )
        for institution, documents in zip(institutions, held, strict=True):
            for document in documents:
                document.institution = institution
        all_documents = [document for documents in held for document in documents]
        await Document.bulk_create(all_documents, batch_size=INSERT_BATCH)
        afters = [
            _snapshot_of(institution, documents)
            for institution, documents in zip(institutions, held, strict=True)
        ]
        await audit.record_created(actor, "institution.create", institutions, afters)
    return institutions


async def _unique_credit_codes(checks: Checks, codes: list[str | None]) -> None:
    given = [code for code in codes if code]
    for code, times in Counter(given).items():
        if times > 1:
            message = _("The credit code {code} is given to two institutions.")
            checks.fail("creditCode", ErrorCode.DUPLICATE, message.format(code=code))
    holders = await Institution.filter(credit_code__in=given).values(
        "credit_code", "registered_name"
    )
    for holder in holders:
        message = _("{name} already has the credit code {code}.")
        checks.fail(
            "creditCode",
            ErrorCode.DUPLICATE,
            message.format(name=holder["registered_name"], code=holder["credit_code"]),
        )


async def _villages_exist(checks: Checks, village_ids: set[int | None]) -> None:
    wanted = village_ids - {None}
    found = set(await Village.filter(id__in=wanted).values_list("id", flat=True))
    if wanted - found:
        checks.fail("village", ErrorCode.NOT_FOUND, _("Choose one from the list."))


async def update_institution(
    actor: Actor, institution_id: int, version: int, data: InstitutionInput
) -> Institution:
    may_edit(actor)
    values = await _checked(data.given(), creating=False, institution_id=institution_id)

    async with in_transaction():
        institution = await claim_version(Institution, institution_id, version)
        before = await _snapshot(institution) | {"version": version}
        documents = values.pop("documents", None)
        for name, value in values.items():
            setattr(institution, name, value)
        if documents is not None:
            await _replace_documents(institution, documents)
        current = await Document.filter(institution_id=institution.id)
        institution.license_status = derive_license_status(current, today())
        await institution.save()
        await audit.record(
            actor,
            "institution.update",
            institution,
            before,
            await _snapshot(institution),
        )
        await standing.refresh([institution.id], by=actor.label)
    return institution


async def _checked(
    values: dict[str, Any], *, creating: bool, institution_id: int | None = None
) -> dict[str, Any]:
    """The values cleaned and checked, or `Refused` with every problem."""
    checks = Checks()
    values = _cleaned(checks, values, creating=creating)
    if "credit_code" in values:
        await _unique_credit_code(checks, values["credit_code"], institution_id)
    if "village_id" in values:
        await checks.exists("village", Village, values["village_id"])
    checks.done()
    return values


def _cleaned(
    checks: Checks, values: dict[str, Any], *, creating: bool
) -> dict[str, Any]:
    """The checks that need no database: lengths, formats and choices."""
    if creating or "registered_name" in values:
        values["registered_name"] = checks.text(
            "registeredName",
            values.get("registered_name"),
            max_length=128,
            required=True,
        )
    if "signboard_name" in values:
        values["signboard_name"] = checks.text(
            "signboardName", values["signboard_name"], max_length=128
        )
    if "address" in values:
        values["address"] = checks.text("address", values["address"], max_length=256)
    if "credit_code" in values:
        values["credit_code"] = checks.credit_code("creditCode", values["credit_code"])
    if "category" in values and values["category"] is not None:
        values["category"] = Category(values["category"])
    if "operating_status" in values:
        values["operating_status"] = OperatingStatus(
            values["operating_status"] or OperatingStatus.OPERATING
        )
    if "documents" in values:
        values["documents"] = _checked_documents(checks, values["documents"] or [])
    return values


async def _unique_credit_code(
    checks: Checks, code: str | None, institution_id: int | None
) -> None:
    if code is None:
        return
    holder = await Institution.get_or_none(credit_code=code)
    if holder is not None and holder.id != institution_id:
        message = _("{name} already has this credit code.")
        checks.fail(
            "creditCode",
            ErrorCode.DUPLICATE,
            message.format(name=holder.registered_name),
        )


def _checked_documents(
    checks: Checks, documents: list[DocumentInput]
) -> list[Document]:
    kinds = [document.kind for document in documents]
    if len(set(kinds)) != len(kinds):
        checks.fail(
            "documents",
            ErrorCode.DUPLICATE,
            _("Each kind of document can be listed once."),
        )

    checked = []
    for index, document in enumerate(documents):
        prefix = f"documents.{index}"
        number = checks.text(f"{prefix}.number", document.number, max_length=64)
        checks.dates_in_order(
            f"{prefix}.validUntil", document.issued_on, document.valid_until
        )
        checked.append(
            Document(
                kind=DocumentKind(document.kind),
                status=DocumentStatus(document.status),
                number=number,
                issued_on=document.issued_on,
                valid_until=document.valid_until,
                revoked_on=document.revoked_on,
            )
        )
    return checked


async def _replace_documents(
    institution: Institution, documents: list[Document]
) -> None:
    await Document.filter(institution_id=institution.id).delete()
    for document in documents:
        document.institution = institution
        await document.save()


async def _snapshot(institution: Institution) -> dict[str, Any]:
    documents = await Document.filter(institution_id=institution.id)
    return _snapshot_of(institution, documents)


def _snapshot_of(institution: Institution, documents: list[Document]) -> dict[str, Any]:
    return audit.snapshot(
        institution,
        documents=[
            {
                "kind": document.kind,
                "status": document.status,
                "number": document.number,
                "issued_on": document.issued_on,
                "valid_until": document.valid_until,
                "revoked_on": document.revoked_on,
            }
            for document in sorted(documents, key=lambda document: document.kind)
        ],
    )


async def assign_instructor(
    actor: Actor, person_id: int, institution_id: int
) -> Institution:
    """Post a teacher to a licensed institution as its party-building instructor."""
    may_edit(actor)
    person = await Person.get_or_none(id=person_id)
    institution = await Institution.get_or_none(id=institution_id)

    checks = Checks()
    if person is None:
        checks.fail("person", ErrorCode.NOT_FOUND, _("Choose one from the list."))
    elif person.school_id is None:
        checks.fail(
            "person",
            ErrorCode.INVALID,
            _("Instructors are teachers: record the person's school first."),
        )
    if institution is None:
        checks.fail("institution", ErrorCode.NOT_FOUND, _("Choose one from the list."))
    elif institution.license_status != LicenseStatus.LICENSED:
        checks.fail(
            "institution",
            ErrorCode.INVALID,
            _("Instructors are posted to fully licensed institutions only."),
        )
    elif await InstructorAssignment.exists(
        person_id=person_id, institution_id=institution_id
    ):
        checks.fail(
            "person", ErrorCode.DUPLICATE, _("This instructor is already posted here.")
        )
    checks.done()

    async with in_transaction():
        before = await _instructors(institution)
        await InstructorAssignment.create(person=person, institution=institution)
        after = await _instructors(institution)
        await audit.record(actor, "instructor.assign", institution, before, after)
    return institution


async def unassign_instructor(
    actor: Actor, person_id: int, institution_id: int
) -> Institution:
    may_edit(actor)
    institution = await Institution.get_or_none(id=institution_id)
    assignment = await InstructorAssignment.get_or_none(
        person_id=person_id, institution_id=institution_id
    )
    if institution is None or assignment is None:
        field, message = (
            ("person", _("This instructor is not posted here."))
            if institution
            else ("institution", _("There is no such institution."))
        )
        raise Refused([FieldError(field, ErrorCode.NOT_FOUND, message)])

    async with in_transaction():
        before = await _instructors(institution)
        await assignment.delete()
        await audit.record(
            actor,
            "instructor.unassign",
            institution,
            before,
            await _instructors(institution),
        )
    return institution


async def _instructors(institution: Institution) -> dict[str, Any]:
    ids = (
        await InstructorAssignment.filter(institution_id=institution.id)
        .order_by("person_id")
        .values_list("person_id", flat=True)
    )
    return {"instructor_ids": list(ids)}
