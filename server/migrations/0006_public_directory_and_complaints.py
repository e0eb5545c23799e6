from tortoise import migrations
from tortoise.migrations import operations as ops
from server.models.complaints import ComplaintState, Concern
from server.models.institutions import new_public_code
from tortoise.fields.base import OnDelete
from tortoise import fields

async def give_every_institution_a_public_code(apps, schema_editor) -> None:
    client = schema_editor.client
    rows = await client.execute_query_dict('SELECT "id" FROM "institution"')
    for row in rows:
        # Both values are safe to write literally: the id is an integer and
        # the code is drawn from letters and digits only.
        await client.execute_script(
            f'UPDATE "institution" SET "public_code" = \'{new_public_code()}\' '
            f'WHERE "id" = {int(row["id"])}'
        )
    if client.capabilities.dialect == "postgres":
        await client.execute_script(
            'ALTER TABLE "institution" ALTER COLUMN "public_code" SET NOT NULL'
        )
    await client.execute_script(
        'CREATE UNIQUE INDEX "uid_institution_public_code" '
        'ON "institution" ("public_code")'
    )


class StateOnlyAlterField(ops.AlterField):
    """The field as the models declare it, made in the database by the code
    above rather than by a rebuild of the table."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None):
        return None

    async def database_backward(self, app_label, old_state, new_state, state_editor=None):
        return None


class Migration(migrations.Migration):
    dependencies = [('xiaowai', '0005_inspections_cards_lists')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Complaint',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('reference', fields.CharField(unique=True, max_length=16)),
                ('institution', fields.ForeignKeyField('xiaowai.Institution', source_field='institution_id', null=True, db_index=True, description='The institution reported, when the reporter picked a known one', db_constraint=True, to_field='id', related_name='complaints', on_delete=OnDelete.SET_NULL)),
                ('institution_name', fields.CharField(description='The institution as the reporter named it', max_length=128)),
                ('address', fields.CharField(default='', max_length=256)),
                ('concern', fields.CharEnumField(db_index=True, description='UNLICENSED: UNLICENSED\nACADEMIC_TUTORING: ACADEMIC_TUTORING\nFEES: FEES\nSAFETY: SAFETY\nADVERTISING: ADVERTISING\nOTHER: OTHER', enum_type=Concern, max_length=17)),
                ('description', fields.TextField(unique=False)),
                ('contact', fields.CharField(default='', max_length=64)),
                ('client_digest', fields.CharField(db_index=True, max_length=64)),
                ('received_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('state', fields.CharEnumField(default=ComplaintState.RECEIVED, db_index=True, description='RECEIVED: RECEIVED\nCASE_OPENED: CASE_OPENED\nCASE_LINKED: CASE_LINKED\nDISMISSED: DISMISSED', enum_type=ComplaintState, max_length=11)),
                ('case', fields.ForeignKeyField('xiaowai.Case', source_field='case_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='complaints', on_delete=OnDelete.SET_NULL)),
                ('answer', fields.TextField(default='', description='What the office tells the reporter, in plain words', unique=False)),
                ('triaged_by', fields.CharField(null=True, max_length=64)),
                ('triaged_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('substantiated_on', fields.DateField(null=True, db_index=True, description='When the office verified the case it led to: the report was true')),
                ('version', fields.IntField(default=1)),
            ],
            options={'table': 'complaint', 'app': 'xiaowai', 'pk_attr': 'id', 'table_description': 'One report by a member of the public.'},
            bases=['Model'],
        ),
        # Institutions on record get their codes here; SQLite can add neither a
        # unique column nor one whose default is computed per row.
        ops.AddField(
            model_name='Institution',
            name='public_code',
            field=fields.CharField(null=True, max_length=10),
        ),
        ops.RunPython(give_every_institution_a_public_code),
        StateOnlyAlterField(
            model_name='Institution',
            name='public_code',
            field=fields.CharField(default=new_public_code, unique=True, description='Printed on the on-site card; opens its public verification page', max_length=10),
        ),
        ops.AddField(
            model_name='Penalty',
            name='public_summary',
            field=fields.TextField(default='', unique=False),
        ),
        ops.AddField(
            model_name='Penalty',
            name='published_at',
            field=fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Penalty',
            name='version',
            field=fields.IntField(default=1),
        ),
        # AddField records db_index=True but creates no index; make it here.
        ops.RunSQL(
            'CREATE INDEX IF NOT EXISTS "idx_penalty_published_at" ON "penalty" ("published_at");',
            reverse_sql='DROP INDEX IF EXISTS "idx_penalty_published_at";',
        ),
    ]
