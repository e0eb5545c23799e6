"""Scoring templates, and how an inspection's results add up to a score.

A template is a checklist of items in sections. A standard item is worth its
points, and the inspector deducts from it what the institution falls short;
a bonus item adds what the institution earned, up to its points; a veto item
is worth nothing but, when breached, makes the card red on its own. The
score is the standard items' points less deductions, plus bonuses: it is
computed, never typed.

Templates are versioned: saving one makes a new version and leaves the old
untouched, because past inspections name the version they were scored with.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from server import audit, default_checklist
from server.clock import OFFICE_TIMEZONE
from server.errors import ErrorCode, FieldError, Refused
from server.i18n import _
from server.models import ItemKind, ScoringTemplate, TemplateItem
from server.permissions import COMMAND_LINE, Actor, Permission, require
from server.validation import Checks, allowed

FULL_MARKS = Decimal(100)


@dataclass(frozen=True)
class ResultInput:
    """What the inspector found on one item."""

    item_id: int
    points: Decimal = Decimal(0)  # deducted from a standard item, or a bonus earned
    breached: bool = False
    note: str = ""


@dataclass(frozen=True)
class Score:
    total: Decimal
    full_marks: Decimal
    deducted: Decimal
    earned: Decimal
    breaches: tuple[int, ...]  # the veto items breached

    @property
    def vetoed(self) -> bool:
        return bool(self.breaches)


def score(items: Sequence[TemplateItem], results: Mapping[int, ResultInput]) -> Score:
    """Add up checked results; an item without a result was met in full."""
    full_marks = sum(
        (item.points for item in items if item.kind == ItemKind.STANDARD), Decimal(0)
    )
    deducted = earned = Decimal(0)
    breaches = []
    for item in items:
        result = results.get(item.id)
        if result is None:
            continue
        if item.kind == ItemKind.STANDARD:
            deducted += result.points
        elif item.kind == ItemKind.BONUS:
            earned += result.points
        elif result.breached:
            breaches.append(item.id)
    return Score(
        total=full_marks - deducted + earned,
        full_marks=full_marks,
        deducted=deducted,
        earned=earned,
        breaches=tuple(breaches),
    )


# --- reading templates -------------------------------------------------------


@dataclass(frozen=True)
class Template:
    template: ScoringTemplate
    items: list[TemplateItem]

    @property
    def sections(self) -> list[tuple[str, list[TemplateItem]]]:
        """The items grouped by section, in the order the template lists them."""
        grouped: dict[str, list[TemplateItem]] = {}
        for item in self.items:
            grouped.setdefault(item.section, []).append(item)
        return list(grouped.items())


async def current_template(actor: Actor) -> Template:
    require(actor, Permission.READ_INSTITUTIONS)
    template = await ScoringTemplate.all().order_by("-version").first()
    if template is None:
        raise Refused(
            [FieldError(None, ErrorCode.NOT_FOUND, _("No scoring template yet."))]
        )
    return await _with_items(template)


async def template_by_id(actor: Actor, template_id: int) -> Template | None:
    require(actor, Permission.READ_INSTITUTIONS)
    template = await ScoringTemplate.get_or_none(id=template_id)
    return None if template is None else await _with_items(template)


async def template_versions(actor: Actor) -> list[ScoringTemplate]:
    require(actor, Permission.READ_INSTITUTIONS)
    return await ScoringTemplate.all().order_by("-version")


async def items_by_template(
    template_ids: Iterable[int],
) -> dict[int, list[TemplateItem]]:
    items: dict[int, list[TemplateItem]] = {}
    rows = TemplateItem.filter(template_id__in=list(set(template_ids)))
    for item in await rows.order_by("position"):
        items.setdefault(item.template_id, []).append(item)
    return items


async def _with_items(template: ScoringTemplate) -> Template:
    items = await TemplateItem.filter(template_id=template.id).order_by("position")
    return Template(template, items)


# --- saving a new version ----------------------------------------------------


@dataclass(frozen=True)
class ItemInput:
    section: str
    text: str
    kind: ItemKind
    points: str


async def save_template(
    actor: Actor, based_on: int, name: str, note: str, items: Sequence[ItemInput]
) -> ScoringTemplate:
    """Save a new version; `based_on` is the version the editor started from."""
    allowed(actor, Permission.MANAGE_TEMPLATES)
    checks = Checks()
    name = checks.text("name", name, max_length=64, required=True) or ""
    note = checks.text("note", note, max_length=2000) or ""
    checked = _checked_items(checks, items)
    checks.done()

    try:
        async with in_transaction():
            latest = await ScoringTemplate.all().order_by("-version").first()
            if latest is not None and latest.version != based_on:
                raise _changed_meanwhile(latest)
            template = await _create(
                actor, (latest.version if latest else 0) + 1, name, note, checked
            )
    except IntegrityError:
        # Another save took the same version number first.
        raise _changed_meanwhile(None) from None
    return template


async def ensure_default_template() -> bool:
    """Install the default checklist as version 1; False if any version exists."""
    if await ScoringTemplate.exists():
        return False
    items = [
        ItemInput(section, text, kind, str(points))
        for section, text, kind, points in default_checklist.default_items()
    ]
    await _create(COMMAND_LINE, 1, default_checklist.NAME, "", items)
    return True


async def _create(
    actor: Actor, version: int, name: str, note: str, items: Sequence[ItemInput]
) -> ScoringTemplate:
    template = await ScoringTemplate.create(
        version=version,
        name=name,
        note=note,
        created_at=datetime.now(OFFICE_TIMEZONE),
        created_by=actor.label,
    )
    await TemplateItem.bulk_create(
        [
            TemplateItem(
                template=template,
                position=position,
                section=item.section,
                text=item.text,
                kind=item.kind,
                points=Decimal(item.points),
            )
            for position, item in enumerate(items, start=1)
        ]
    )
    await audit.record(
        actor,
        "template.save",
        template,
        None,
        audit.snapshot(template) | {"items": len(items)},
    )
    return template


def _checked_items(checks: Checks, items: Sequence[ItemInput]) -> list[ItemInput]:
    checked = []
    for index, item in enumerate(items):
        prefix = f"items.{index}"
        section = checks.text(
            f"{prefix}.section", item.section, max_length=64, required=True
        )
        text = checks.text(f"{prefix}.text", item.text, max_length=400, required=True)
        points = _points(checks, f"{prefix}.points", item)
        checked.append(ItemInput(section or "", text or "", item.kind, str(points)))

    # Scores are out of 100, so that the card thresholds mean the same under
    # every version of the template.
    total = sum(
        (Decimal(i.points) for i in checked if i.kind == ItemKind.STANDARD), Decimal(0)
    )
    if total != FULL_MARKS:
        message = _(
            "The standard items must add up to 100 points; these add up to {total}."
        )
        checks.fail("items", ErrorCode.INVALID, message.format(total=total))
    return checked


def _points(checks: Checks, field: str, item: ItemInput) -> Decimal:
    if item.kind == ItemKind.VETO:
        return Decimal(0)  # a veto item is worth nothing; its breach is what counts
    try:
        points = Decimal(str(item.points).strip())
    except InvalidOperation:
        points = Decimal(-1)
    if not (0 < points <= FULL_MARKS) or points != points.quantize(Decimal("0.1")):
        checks.fail(
            field,
            ErrorCode.INVALID,
            _("Points above 0 and at most 100, to one decimal place."),
        )
        return Decimal(0)
    return points


def _changed_meanwhile(latest: ScoringTemplate | None) -> Refused:
    message = _(
        "Someone saved a new version of the template meanwhile; start again from it."
    )
    return Refused([FieldError(None, ErrorCode.CONFLICT, message)], current=latest)
