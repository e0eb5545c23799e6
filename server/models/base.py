"""What every editable record shares: timestamps, a version, a sort key."""

from typing import Any, ClassVar, Self

from tortoise import fields
from tortoise.models import Model

from server.collation import sort_key
from server.database import reserve_ids


class Record(Model):
    """An editable record.

    `version` grows by one with every write; a writer states the version it
    read, so two people editing the same record cannot overwrite each other.
    `sort_name` is the pinyin key of the field named by `NAME_FIELD`, kept up
    to date on every save so that lists order the way readers expect. Bulk
    writes bypass `save`: `insert_new` sets it, and `bulk_create` or
    `QuerySet.update` must.
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

    @classmethod
    async def insert_new(cls, rows: list[dict[str, Any]]) -> list[Self]:
        """Create a record of each of `rows` (field values) in a few statements.

        Each is given its key before the insert, which a bulk insert would not
        report, so the caller can point children and audit entries at it.
        """
        ids = await reserve_ids(cls, len(rows))
        records = [cls(id=id_, **values) for id_, values in zip(ids, rows, strict=True)]
        for record in records:
            record.sort_name = sort_key(getattr(record, record.NAME_FIELD))
        await cls.bulk_create(records, batch_size=INSERT_BATCH)
        return records


# Rows per INSERT statement: well under SQLite's limit of 32,766 parameters.
INSERT_BATCH = 500
