from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from server.models.supervision import Card, ItemKind, ListChangeState, ListName, ListSource
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('xiaowai', '0004_named_students')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ListChange',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('institution', fields.ForeignKeyField('xiaowai.Institution', source_field='institution_id', db_index=True, db_constraint=True, to_field='id', related_name='list_changes', on_delete=OnDelete.CASCADE)),
                ('list_name', fields.CharEnumField(null=True, description='None: on no list', enum_type=ListName, max_length=5)),
                ('previous', fields.CharEnumField(null=True, description='WHITE: WHITE\nKEY: KEY\nBLACK: BLACK', enum_type=ListName, max_length=5)),
                ('source', fields.CharEnumField(description='RULE: RULE\nOFFICE: OFFICE', enum_type=ListSource, max_length=6)),
                ('rule', fields.CharField(null=True, max_length=32)),
                ('reason', fields.TextField(default='', unique=False)),
                ('details', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('state', fields.CharEnumField(db_index=True, description='APPLIED: APPLIED\nPENDING: PENDING\nREJECTED: REJECTED\nSUPERSEDED: SUPERSEDED', enum_type=ListChangeState, max_length=10)),
                ('proposed_by', fields.CharField(max_length=64)),
                ('proposed_by_account_id', fields.IntField(null=True)),
                ('at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('decided_by', fields.CharField(null=True, max_length=64)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('decision_note', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'list_change', 'app': 'xiaowai', 'pk_attr': 'id', 'table_description': 'A move between the lists, by a rule or by the office.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ScoringTemplate',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('version', fields.IntField(unique=True)),
                ('name', fields.CharField(max_length=64)),
                ('note', fields.TextField(default='', description='What changed, and why', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('created_by', fields.CharField(max_length=64)),
            ],
            options={'table': 'scoring_template', 'app': 'xiaowai', 'pk_attr': 'id', 'table_description': 'One version of the checklist inspections are scored with.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Inspection',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('institution', fields.ForeignKeyField('xiaowai.Institution', source_field='institution_id', db_index=True, db_constraint=True, to_field='id', related_name='inspections', on_delete=OnDelete.RESTRICT)),
                ('instructor', fields.ForeignKeyField('xiaowai.Person', source_field='instructor_id', db_index=True, db_constraint=True, to_field='id', related_name='inspections', on_delete=OnDelete.RESTRICT)),
                ('template', fields.ForeignKeyField('xiaowai.ScoringTemplate', source_field='template_id', db_index=True, db_constraint=True, to_field='id', related_name='inspections', on_delete=OnDelete.RESTRICT)),
                ('inspected_on', fields.DateField(db_index=True)),
                ('score', fields.DecimalField(max_digits=5, decimal_places=1)),
                ('vetoed', fields.BooleanField(default=False)),
                ('card', fields.CharEnumField(description='The card this inspection earned when it was recorded', enum_type=Card, max_length=6)),
                ('notes', fields.TextField(default='', unique=False)),
                ('recorded_by', fields.CharField(max_length=64)),
                ('recorded_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('demo', fields.BooleanField(default=False, description='Made by seed --demo-activity')),
            ],
            options={'table': 'inspection', 'app': 'xiaowai', 'pk_attr': 'id', 'table_description': "An instructor's inspection (日常督查) of a licensed institution, scored."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CardChange',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('institution', fields.ForeignKeyField('xiaowai.Institution', source_field='institution_id', db_index=True, db_constraint=True, to_field='id', related_name='card_changes', on_delete=OnDelete.CASCADE)),
                ('card', fields.CharEnumField(null=True, description='None: not yet assessed', enum_type=Card, max_length=6)),
                ('previous', fields.CharEnumField(null=True, description='GREEN: GREEN\nYELLOW: YELLOW\nRED: RED', enum_type=Card, max_length=6)),
                ('rule', fields.CharField(max_length=32)),
                ('details', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('inspection', fields.ForeignKeyField('xiaowai.Inspection', source_field='inspection_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='card_changes', on_delete=OnDelete.SET_NULL)),
                ('at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'card_change', 'app': 'xiaowai', 'pk_attr': 'id', 'table_description': "An institution's card changed, and the rule that changed it."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TemplateItem',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('template', fields.ForeignKeyField('xiaowai.ScoringTemplate', source_field='template_id', db_index=True, db_constraint=True, to_field='id', related_name='items', on_delete=OnDelete.CASCADE)),
                ('position', fields.IntField()),
                ('section', fields.CharField(max_length=64)),
                ('text', fields.CharField(max_length=400)),
                ('kind', fields.CharEnumField(description='STANDARD: STANDARD\nBONUS: BONUS\nVETO: VETO', enum_type=ItemKind, max_length=8)),
                ('points', fields.DecimalField(max_digits=5, decimal_places=1)),
            ],
            options={'table': 'template_item', 'app': 'xiaowai', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Finding',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('inspection', fields.ForeignKeyField('xiaowai.Inspection', source_field='inspection_id', db_index=True, db_constraint=True, to_field='id', related_name='findings', on_delete=OnDelete.CASCADE)),
                ('institution', fields.ForeignKeyField('xiaowai.Institution', source_field='institution_id', db_index=True, db_constraint=True, to_field='id', related_name='findings', on_delete=OnDelete.RESTRICT)),
                ('item', fields.ForeignKeyField('xiaowai.TemplateItem', source_field='item_id', db_index=True, db_constraint=True, to_field='id', related_name='findings', on_delete=OnDelete.RESTRICT)),
                ('text', fields.TextField(unique=False)),
                ('deadline', fields.DateField(db_index=True)),
                ('serious', fields.BooleanField(default=False)),
                ('case', fields.ForeignKeyField('xiaowai.Case', source_field='case_id', null=True, db_index=True, description='The VIOLATION case a serious finding opened', db_constraint=True, to_field='id', related_name='findings', on_delete=OnDelete.SET_NULL)),
                ('resolved_on', fields.DateField(null=True, db_index=True)),
                ('resolution', fields.TextField(default='', unique=False)),
                ('resolved_by', fields.CharField(null=True, max_length=64)),
            ],
            options={'table': 'finding', 'app': 'xiaowai', 'pk_attr': 'id', 'table_description': 'Something an inspection found that must be fixed by a deadline.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='InspectionResult',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('inspection', fields.ForeignKeyField('xiaowai.Inspection', source_field='inspection_id', db_index=True, db_constraint=True, to_field='id', related_name='results', on_delete=OnDelete.CASCADE)),
                ('item', fields.ForeignKeyField('xiaowai.TemplateItem', source_field='item_id', db_index=True, db_constraint=True, to_field='id', related_name='results', on_delete=OnDelete.RESTRICT)),
                ('points', fields.DecimalField(default=0, description='Deducted from a standard item, or earned on a bonus item', max_digits=5, decimal_places=1)),
                ('breached', fields.BooleanField(default=False, description='A veto item breached')),
                ('note', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'inspection_result', 'app': 'xiaowai', 'pk_attr': 'id', 'table_description': 'How an institution fared on one item of the checklist.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Document',
            name='revoked_on',
            field=fields.DateField(null=True, description='When the authority that issued it withdrew it'),
        ),
        ops.AlterModelOptions(
            name='Evidence',
            options={'table': 'evidence', 'app': 'xiaowai', 'pk_attr': 'id', 'table_description': 'A photo or PDF kept with a patrol, case or inspection, outside the web root.'},
        ),
        ops.AddField(
            model_name='Evidence',
            name='inspection',
            field=fields.ForeignKeyField('xiaowai.Inspection', source_field='inspection_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='evidence', on_delete=OnDelete.CASCADE),
        ),
        ops.AddField(
            model_name='Institution',
            name='card',
            field=fields.CharEnumField(null=True, db_index=True, description='GREEN: GREEN\nYELLOW: YELLOW\nRED: RED', enum_type=Card, max_length=6),
        ),
        ops.AddField(
            model_name='Institution',
            name='card_rule',
            field=fields.CharField(null=True, description='The rule that gave the card', max_length=32),
        ),
        ops.AddField(
            model_name='Institution',
            name='list_name',
            field=fields.CharEnumField(null=True, db_index=True, description='WHITE: WHITE\nKEY: KEY\nBLACK: BLACK', enum_type=ListName, max_length=5),
        ),
        ops.AddField(
            model_name='Institution',
            name='list_verdict',
            field=fields.CharField(null=True, description='What the list rules said last', max_length=48),
        ),
        # AddField records db_index=True but creates no index; make them here.
        ops.RunSQL(
            'CREATE INDEX IF NOT EXISTS "idx_evidence_inspection" ON "evidence" ("inspection_id");'
            'CREATE INDEX IF NOT EXISTS "idx_institution_card" ON "institution" ("card");'
            'CREATE INDEX IF NOT EXISTS "idx_institution_list_name" ON "institution" ("list_name");',
            reverse_sql='DROP INDEX IF EXISTS "idx_evidence_inspection";'
            'DROP INDEX IF EXISTS "idx_institution_card";'
            'DROP INDEX IF EXISTS "idx_institution_list_name";',
        ),
    ]
