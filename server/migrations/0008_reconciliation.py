from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from server.models.reconciliation import DifferenceCategory, DifferenceState
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('xiaowai', '0007_phases')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ReconciliationRun',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('uploaded_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('uploaded_by', fields.CharField(max_length=64)),
                ('file_name', fields.CharField(description='As the office named it', max_length=255)),
                ('stored_as', fields.CharField(unique=True, max_length=64)),
                ('sha256', fields.CharField(max_length=64)),
                ('size', fields.IntField()),
                ('row_count', fields.IntField(description='Institutions on the list')),
                ('expiring_within_days', fields.IntField(description='A permit ending within this many days was reported')),
                ('counts', fields.JSONField(default=dict, description='Differences found, by category', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'reconciliation_run', 'app': 'xiaowai', 'pk_attr': 'id', 'table_description': 'One national list compared with the records, kept with its file.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Difference',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('run', fields.ForeignKeyField('xiaowai.ReconciliationRun', source_field='run_id', db_index=True, db_constraint=True, to_field='id', related_name='differences', on_delete=OnDelete.CASCADE)),
                ('category', fields.CharEnumField(db_index=True, description='LICENSED_NOT_LISTED: LICENSED_NOT_LISTED\nLISTED_UNKNOWN: LISTED_UNKNOWN\nNUMBER_DIFFERS: NUMBER_DIFFERS\nADDRESS_DIFFERS: ADDRESS_DIFFERS\nSTATUS_DIFFERS: STATUS_DIFFERS\nPERMIT_EXPIRING: PERMIT_EXPIRING', enum_type=DifferenceCategory, max_length=19)),
                ('institution', fields.ForeignKeyField('xiaowai.Institution', source_field='institution_id', null=True, db_index=True, description='Ours, or null for an institution only the list knows', db_constraint=True, to_field='id', related_name='differences', on_delete=OnDelete.SET_NULL)),
                ('row_number', fields.IntField(null=True, description="The list's row, if any")),
                ('listed', fields.JSONField(null=True, description="The list's row: name, credit code, permit, address", encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('differs_in', fields.CharField(null=True, description='What differs, e.g. credit_code', max_length=32)),
                ('ours', fields.CharField(null=True, max_length=256)),
                ('theirs', fields.CharField(null=True, max_length=256)),
                ('state', fields.CharEnumField(default=DifferenceState.OPEN, db_index=True, description='OPEN: OPEN\nRECORD_UPDATED: RECORD_UPDATED\nCASE_OPENED: CASE_OPENED\nEXPLAINED: EXPLAINED', enum_type=DifferenceState, max_length=14)),
                ('note', fields.TextField(default='', description='Why it was resolved so', unique=False)),
                ('resolved_by', fields.CharField(null=True, max_length=64)),
                ('resolved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('case', fields.ForeignKeyField('xiaowai.Case', source_field='case_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='differences', on_delete=OnDelete.SET_NULL)),
                ('version', fields.IntField(default=1)),
            ],
            options={'table': 'difference', 'app': 'xiaowai', 'pk_attr': 'id', 'table_description': 'Something the list and the records disagree on, and its resolution.'},
            bases=['Model'],
        ),
    ]
