"""The committed migrations build exactly the models, with every index they need."""

from tortoise import Tortoise
from tortoise.fields.relational import ForeignKeyFieldInstance, OneToOneFieldInstance
from tortoise.migrations.autodetector import MigrationAutodetector

from server.database import APP_LABEL, tortoise_config

# Every index of the database, as its table, its name and its columns in order.
INDEXES_SQLITE = """
    SELECT m.name AS "table", l.name AS "index", i.name AS column_name
    FROM sqlite_master m, pragma_index_list(m.name) l, pragma_index_info(l.name) i
    WHERE m.type = 'table'
    ORDER BY l.name, i.seqno
"""
INDEXES_POSTGRES = """
    SELECT t.relname AS "table", x.indexrelid::regclass::text AS "index",
           a.attname AS column_name
    FROM pg_index x
    JOIN pg_class t ON t.oid = x.indrelid
    CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, place)
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
    WHERE t.relnamespace = 'public'::regnamespace
    ORDER BY 2, k.place
"""


async def indexes_in_the_database(database_url: str) -> set[tuple[str, tuple]]:
    """Each index as its table and the names of its columns, in order."""
    query = INDEXES_SQLITE if database_url.startswith("sqlite") else INDEXES_POSTGRES
    rows = await Tortoise.get_connection("default").execute_query_dict(query)
    columns: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        columns.setdefault((row["table"], row["index"]), []).append(row["column_name"])
    return {(table, tuple(names)) for (table, _index), names in columns.items()}


# Every query filters or joins on these; a missing index turns a lookup into
# a scan of the table, which no one notices until the data grows.
def columns_that_need_an_index() -> set[tuple[str, str]]:
    needed = set()
    for model in Tortoise.apps[APP_LABEL].values():
        meta = model._meta
        for name, field in meta.fields_map.items():
            if isinstance(field, (ForeignKeyFieldInstance, OneToOneFieldInstance)):
                needed.add(
                    (meta.db_table, meta.fields_db_projection[field.source_field])
                )
            elif field.pk:
                continue  # the primary key is its own index on both databases
            elif (field.index or field.unique) and name in meta.fields_db_projection:
                needed.add((meta.db_table, meta.fields_db_projection[name]))
    return needed


async def test_every_foreign_key_and_filtered_column_leads_an_index(db, database_url):
    indexes = await indexes_in_the_database(database_url)
    indexed = {(table, columns[0]) for table, columns in indexes}

    needed = columns_that_need_an_index()
    assert ("institution", "village_id") in needed
    assert needed - indexed == set()


async def test_migrations_are_up_to_date_with_the_models(db, database_url):
    config = tortoise_config(database_url)["apps"]

    changes = await MigrationAutodetector(Tortoise.apps, config).changes()

    assert [writer.name for writer in changes] == []


async def test_every_index_a_model_declares_is_in_the_database(db, database_url):
    # A migration that adds an index has been seen to create none.
    present = await indexes_in_the_database(database_url)

    declared = set()
    for model in Tortoise.apps[APP_LABEL].values():
        meta = model._meta
        for index in meta.indexes:
            names = tuple(meta.fields_db_projection.get(f, f) for f in index)
            declared.add((meta.db_table, names))

    directory = ("institution", ("license_status", "operating_status", "list_name"))
    assert directory in declared
    assert declared - present == set()
