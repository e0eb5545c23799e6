"""Importing a spreadsheet over the API, as the import page does.

The file comes as a GraphQL multipart request. A dry run answers what the
import would do and every problem by row and column; without `dryRun`, the
file is imported whole, or, if any row has a problem, not at all.
"""

import strawberry
from strawberry.file_uploads import Upload

from schema.context import Info
from schema.mutations import FieldError, as_field_error
from server import imports
from server.errors import ErrorCode, Refused
from server.i18n import _
from server.permissions import Permission
from server.validation import allowed

MAX_IMPORT_BYTES = 20 * 1024 * 1024

ImportKind = strawberry.enum(imports.Kind, name="ImportKind")


@strawberry.input(description="A spreadsheet to import, sent as a multipart request.")
class ImportRecordsInput:
    kind: ImportKind
    file: Upload = strawberry.field(
        description="An xlsx workbook or a CSV file in UTF-8 or GB18030, at most "
        "20 MB, with the columns of the kind's template."
    )
    dry_run: bool = strawberry.field(
        description="True checks every row and writes nothing."
    )


@strawberry.type(description="Why one row cannot be imported.")
class RowProblem:
    row: int = strawberry.field(
        description="As the spreadsheet numbers it; 1 is the headers."
    )
    column: str | None = strawberry.field(
        description="The column's header as the file writes it; null if no one "
        "column is to blame."
    )
    message: str = strawberry.field(description="In the caller's language.")


@strawberry.type
class ImportRecordsPayload:
    created: int = strawberry.field(description="Rows that add a record (or would).")
    updated: int = strawberry.field(description="Rows that change one (or would).")
    unchanged: int = strawberry.field(description="Rows already recorded as they are.")
    problems: list[RowProblem] = strawberry.field(
        description="The first thousand problems; any problem means nothing "
        "is imported."
    )
    errors: list[FieldError]


@strawberry.type
class ImportMutation:
    @strawberry.mutation(
        description="Check, or import, villages, people, institutions or "
        "assignments from a spreadsheet; importing the same file twice changes "
        "nothing."
    )
    async def import_records(
        self, info: Info, input: ImportRecordsInput
    ) -> ImportRecordsPayload:
        actor = info.context.actor
        kind = imports.Kind(input.kind)
        try:
            allowed(actor, Permission.EDIT_ORGANISATION)
            if (input.file.size or 0) > MAX_IMPORT_BYTES:
                message = _("The file is larger than {megabytes} MB.")
                return _refused(message.format(megabytes=MAX_IMPORT_BYTES >> 20))
            filename = input.file.filename or ""
            if input.dry_run:
                return _answer(
                    await imports.check_import(actor, kind, input.file.file, filename)
                )
            result = await imports.run_import(actor, kind, input.file.file, filename)
        except imports.ImportRefused as refused:
            answer = _answer(refused.plan)
            answer.errors = [
                FieldError(
                    field="file",
                    code=ErrorCode.INVALID,
                    message=_("The file has problems; nothing was imported."),
                )
            ]
            return answer
        except Refused as refused:
            return ImportRecordsPayload(
                created=0,
                updated=0,
                unchanged=0,
                problems=[],
                errors=[as_field_error(error) for error in refused.errors],
            )
        finally:
            await input.file.close()
        return ImportRecordsPayload(
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            problems=[],
            errors=[],
        )


def _answer(plan: imports.ImportPlan) -> ImportRecordsPayload:
    return ImportRecordsPayload(
        created=plan.created,
        updated=plan.updated,
        unchanged=plan.unchanged,
        problems=[
            RowProblem(row=problem.row, column=problem.column, message=problem.message)
            for problem in plan.problems
        ],
        errors=[],
    )


def _refused(message: str) -> ImportRecordsPayload:
    return ImportRecordsPayload(
        created=0,
        updated=0,
        unchanged=0,
        problems=[],
        errors=[FieldError(field="file", code=ErrorCode.INVALID, message=message)],
    )
