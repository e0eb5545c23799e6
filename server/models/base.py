"""What every editable record shares: timestamps, a version, a sort key."""

from typing import Any, ClassVar

from tortoise import fields
from tortoise.models import Model

from server.collation import sort_key


class Record(Model):
    """An editable record.

    `version` grows by one with every write; a writer states the version it
    read, so two people editing the same record cannot overwrite each other.
    `sort_name` is the pinyin key of the field named by `NAME_FIELD`, kept up
    to date on every save so that lists order the way readers expect. Bulk
    writes (`bulk_create`, `QuerySet.update`) bypass `save` and must set it.
    """

    NAME_FIELD: ClassVar[str] = "name"

    version = fields.IntField(default=1)
    sort_name = fields.CharField(max_length=400, default="", db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        abstract = True

    async def save(self, *args: Any, **kwargs: Any) -> None:
        self.sort_name = sort_key(getattr(self, self.NAME_FIELD))
        await super().save(*args, **kwargs)
