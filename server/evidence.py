"""Evidence files: photos and PDFs kept with cases, patrols and inspections.

Files are stored outside the web root (under `var/evidence` unless
configured) by a random name, and served only through a check that the
reader may see the record it belongs to. What a file is is decided by its first
bytes, never by its name or the type the browser claims.
"""

import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tortoise.transactions import in_transaction

from server import audit
from server.cases import visible_cases, visible_patrols
from server.clock import OFFICE_TIMEZONE
from server.errors import ErrorCode, FieldError, Refused
from server.i18n import _
from server.inspections import visible_inspections
from server.models import Case, Evidence, Inspection, Patrol
from server.permissions import Actor, Permission
from server.validation import allowed

MAX_BYTES = 10 * 1024 * 1024
SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
)


def content_type_of(data: bytes) -> str | None:
    for signature, content_type in SIGNATURES:
        if data.startswith(signature):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


async def store(
    actor: Actor,
    folder: Path,
    filename: str,
    data: bytes,
    *,
    case_id: int | None = None,
    patrol_id: int | None = None,
    inspection_id: int | None = None,
) -> Evidence:
    """Keep a file with a record the actor may see and write to.

    The file is written first under a temporary name and renamed into place
    only once its record is in; a failure on the way removes the file, and
    the transaction takes the record back: nothing is left half stored.
    """
    await _may_attach(actor, case_id, patrol_id, inspection_id)
    content_type = check_file(data)

    folder.mkdir(parents=True, exist_ok=True)
    stored_as = secrets.token_hex(16)
    final, partial = folder / stored_as, folder / f"{stored_as}.partial"
    partial.write_bytes(data)
    try:
        async with in_transaction():
            evidence = await Evidence.create(
                case_id=case_id,
                patrol_id=patrol_id,
                inspection_id=inspection_id,
                stored_as=stored_as,
                original_name=Path(filename or "file").name[:255],
                content_type=content_type,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                uploaded_by=actor.label,
                uploaded_at=datetime.now(OFFICE_TIMEZONE),
            )
            await audit.record(
                actor, "evidence.add", evidence, None, audit.snapshot(evidence)
            )
            os.replace(partial, final)
    except BaseException:
        partial.unlink(missing_ok=True)
        final.unlink(missing_ok=True)
        raise
    return evidence


def check_file(data: bytes) -> str:
    """The file's type, if it is one that is kept; `Refused` otherwise."""
    if len(data) > MAX_BYTES:
        message = _("A file can be at most {megabytes} MB.")
        raise Refused(
            [
                FieldError(
                    "file",
                    ErrorCode.TOO_LONG,
                    message.format(megabytes=MAX_BYTES >> 20),
                )
            ]
        )
    content_type = content_type_of(data)
    if content_type is None:
        message = _("Only photos (JPEG, PNG, GIF, WebP) and PDF files are kept.")
        raise Refused([FieldError("file", ErrorCode.INVALID, message)])
    return content_type


async def _may_attach(
    actor: Actor,
    case_id: int | None,
    patrol_id: int | None,
    inspection_id: int | None,
) -> None:
    if [case_id, patrol_id, inspection_id].count(None) != 2:
        raise Refused(
            [FieldError(None, ErrorCode.INVALID, _("Attach the file to one record."))]
        )
    # Whoever may add no file to any such record hears why (sign in first,
    # or not allowed), not that the record they named is not there.
    if inspection_id is not None:
        allowed(actor, Permission.RECORD_INSPECTIONS)
    elif not (
        actor.can(Permission.MANAGE_CASES) or actor.can(Permission.REPORT_PROBLEMS)
    ):
        allowed(actor, Permission.MANAGE_CASES)
    if case_id is not None:
        visible, may_write = await _case_access(actor, case_id)
    elif patrol_id is not None:
        visible, may_write = await _patrol_access(actor, patrol_id)
    else:
        visible, may_write = await _inspection_access(actor, inspection_id)
    if not visible:
        raise Refused(
            [FieldError(None, ErrorCode.NOT_FOUND, _("There is no such record."))]
        )
    if not may_write:
        raise Refused(
            [FieldError(None, ErrorCode.FORBIDDEN, _("Your account may not do this."))]
        )


async def _case_access(actor: Actor, case_id: int) -> tuple[bool, bool]:
    """Whether the actor sees the case, and may add a file to it."""
    if not actor.can(Permission.READ_CASES):
        return False, False
    visible = await visible_cases(actor).filter(id=case_id).exists()
    may_write = actor.can(Permission.MANAGE_CASES) or (
        actor.can(Permission.REPORT_PROBLEMS)
        and await Case.exists(id=case_id, reported_by_id=actor.person_id)
    )
    return visible, may_write


async def _patrol_access(actor: Actor, patrol_id: int) -> tuple[bool, bool]:
    if not actor.can(Permission.READ_CASES):
        return False, False
    visible = await visible_patrols(actor).filter(id=patrol_id).exists()
    may_write = actor.can(Permission.MANAGE_CASES) or (
        actor.can(Permission.REPORT_PROBLEMS)
        and await Patrol.exists(id=patrol_id, supervisor_id=actor.person_id)
    )
    return visible, may_write


async def _inspection_access(actor: Actor, inspection_id: int) -> tuple[bool, bool]:
    """Photos of an inspection are added by the instructor who made it."""
    if not actor.can(Permission.READ_INSTITUTIONS):
        return False, False
    visible = await visible_inspections(actor).filter(id=inspection_id).exists()
    may_write = actor.can(Permission.RECORD_INSPECTIONS) and await Inspection.exists(
        id=inspection_id, instructor_id=actor.person_id
    )
    return visible, may_write


@dataclass(frozen=True)
class StoredFile:
    path: Path
    content_type: str
    original_name: str


async def open_file(actor: Actor, folder: Path, evidence_id: int) -> StoredFile | None:
    """The file, if `actor` may see what it belongs to; None otherwise."""
    evidence = await Evidence.get_or_none(id=evidence_id)
    if evidence is None:
        return None
    if evidence.case_id is not None:
        visible, _may_write = await _case_access(actor, evidence.case_id)
    elif evidence.patrol_id is not None:
        visible, _may_write = await _patrol_access(actor, evidence.patrol_id)
    else:
        visible, _may_write = await _inspection_access(actor, evidence.inspection_id)
    if not visible:
        return None
    return StoredFile(
        folder / evidence.stored_as, evidence.content_type, evidence.original_name
    )
