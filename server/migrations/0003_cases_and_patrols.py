from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from server.models.cases import CaseAction, CaseKind, CaseState, DispatchState, PenaltyType
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('xiaowai', '0002_accounts_and_audit')]

    initial = False

    operations = [
        ops.CreateModel(
            name='NoticeCounter',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('year', fields.IntField(unique=True)),
                ('last_sequence', fields.IntField(default=0)),
            ],
            options={'table': 'notice_counter', 'app': 'xiaowai', 'pk_attr': 'id', 'table_description': 'The last rectification notice number given in a year.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Patrol',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('village', fields.ForeignKeyField('xiaowai.Village', source_field='village_id', db_index=True, db_constraint=True, to_field='id', related_name='patrols', on_delete=OnDelete.RESTRICT)),
                ('supervisor', fields.ForeignKeyField('xiaowai.Person', source_field='supervisor_id', db_index=True, db_constraint=True, to_field='id', related_name='patrols', on_delete=OnDelete.RESTRICT)),
                ('patrolled_on', fields.DateField(db_index=True)),
                ('places', fields.TextField(default='', unique=False)),
                ('notes', fields.TextField(default='', unique=False)),
                ('demo', fields.BooleanField(default=False, description='Made by seed --demo-activity')),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'patrol', 'app': 'xiaowai', 'pk_attr': 'id', 'table_description': "A social supervisor's visit to a village (巡查, 摸排)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Case',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('institution', fields.ForeignKeyField('xiaowai.Institution', source_field='institution_id', db_index=True, db_constraint=True, to_field='id', related_name='cases', on_delete=OnDelete.RESTRICT)),
                ('village', fields.ForeignKeyField('xiaowai.Village', source_field='village_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='cases', on_delete=OnDelete.SET_NULL)),
                ('patrol', fields.ForeignKeyField('xiaowai.Patrol', source_field='patrol_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='cases', on_delete=OnDelete.SET_NULL)),
                ('reported_by', fields.ForeignKeyField('xiaowai.Person', source_field='reported_by_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='reported_cases', on_delete=OnDelete.SET_NULL)),
                ('kind', fields.CharEnumField(db_index=True, description='BUSINESS_LICENSE_ONLY: BUSINESS_LICENSE_ONLY\nUNLICENSED: UNLICENSED\nOPERATING_BEFORE_APPROVAL: OPERATING_BEFORE_APPROVAL\nVIOLATION: VIOLATION', enum_type=CaseKind, max_length=25)),
                ('state', fields.CharEnumField(default=CaseState.REPORTED, db_index=True, description='REPORTED: REPORTED\nVERIFIED: VERIFIED\nNOTICE_ISSUED: NOTICE_ISSUED\nSTOP_ORDERED: STOP_ORDERED\nESCALATED: ESCALATED\nPENALISED: PENALISED\nBANNED: BANNED\nRECTIFIED: RECTIFIED\nDISMISSED: DISMISSED\nCLOSED: CLOSED', enum_type=CaseState, max_length=13)),
                ('finding', fields.TextField(description='What the reporter saw', unique=False)),
                ('reported_on', fields.DateField(db_index=True)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('demo', fields.BooleanField(default=False, description='Made by seed --demo-activity')),
                ('version', fields.IntField(default=1)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'case_record', 'app': 'xiaowai', 'pk_attr': 'id', 'table_description': 'One problem found, followed to its close-out (销号).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CaseEvent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('case', fields.ForeignKeyField('xiaowai.Case', source_field='case_id', db_index=True, db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.CASCADE)),
                ('action', fields.CharEnumField(description='REPORT: REPORT\nVERIFY: VERIFY\nDISMISS: DISMISS\nISSUE_NOTICE: ISSUE_NOTICE\nORDER_STOP: ORDER_STOP\nESCALATE: ESCALATE\nRECORD_PENALTY: RECORD_PENALTY\nBAN: BAN\nCONFIRM_RECTIFIED: CONFIRM_RECTIFIED\nCLOSE_OUT: CLOSE_OUT\nUPDATE_REGISTER: UPDATE_REGISTER\nDISPATCH: DISPATCH\nACKNOWLEDGE: ACKNOWLEDGE\nREPORT_BACK: REPORT_BACK', enum_type=CaseAction, max_length=17)),
                ('from_state', fields.CharEnumField(null=True, description='REPORTED: REPORTED\nVERIFIED: VERIFIED\nNOTICE_ISSUED: NOTICE_ISSUED\nSTOP_ORDERED: STOP_ORDERED\nESCALATED: ESCALATED\nPENALISED: PENALISED\nBANNED: BANNED\nRECTIFIED: RECTIFIED\nDISMISSED: DISMISSED\nCLOSED: CLOSED', enum_type=CaseState, max_length=13)),
                ('to_state', fields.CharEnumField(description='REPORTED: REPORTED\nVERIFIED: VERIFIED\nNOTICE_ISSUED: NOTICE_ISSUED\nSTOP_ORDERED: STOP_ORDERED\nESCALATED: ESCALATED\nPENALISED: PENALISED\nBANNED: BANNED\nRECTIFIED: RECTIFIED\nDISMISSED: DISMISSED\nCLOSED: CLOSED', enum_type=CaseState, max_length=13)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('actor', fields.CharField(max_length=64)),
                ('actor_account_id', fields.IntField(null=True)),
                ('note', fields.TextField(default='', unique=False)),
                ('details', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'case_event', 'app': 'xiaowai', 'pk_attr': 'id', 'table_description': "One step in a case's timeline: who, when, what, and the state it left."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Dispatch',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('case', fields.ForeignKeyField('xiaowai.Case', source_field='case_id', db_index=True, db_constraint=True, to_field='id', related_name='dispatches', on_delete=OnDelete.CASCADE)),
                ('unit', fields.ForeignKeyField('xiaowai.Unit', source_field='unit_id', db_index=True, db_constraint=True, to_field='id', related_name='dispatches', on_delete=OnDelete.RESTRICT)),
                ('state', fields.CharEnumField(default=DispatchState.SENT, db_index=True, description='SENT: SENT\nACKNOWLEDGED: ACKNOWLEDGED\nREPORTED: REPORTED', enum_type=DispatchState, max_length=12)),
                ('request', fields.TextField(unique=False)),
                ('due_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('sent_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('acknowledged_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reported_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('report', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'dispatch', 'app': 'xiaowai', 'pk_attr': 'id', 'table_description': 'A case sent to a member unit (街道吹哨), and its answer (部门报到).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Evidence',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('case', fields.ForeignKeyField('xiaowai.Case', source_field='case_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='evidence', on_delete=OnDelete.CASCADE)),
                ('patrol', fields.ForeignKeyField('xiaowai.Patrol', source_field='patrol_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='evidence', on_delete=OnDelete.CASCADE)),
                ('stored_as', fields.CharField(unique=True, max_length=128)),
                ('original_name', fields.CharField(max_length=255)),
                ('content_type', fields.CharField(max_length=64)),
                ('size', fields.IntField()),
                ('sha256', fields.CharField(max_length=64)),
                ('uploaded_by', fields.CharField(max_length=64)),
                ('uploaded_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'evidence', 'app': 'xiaowai', 'pk_attr': 'id', 'table_description': 'A photo or PDF kept with a patrol or a case, stored outside the web root.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Notice',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('case', fields.ForeignKeyField('xiaowai.Case', source_field='case_id', db_index=True, db_constraint=True, to_field='id', related_name='notices', on_delete=OnDelete.RESTRICT)),
                ('year', fields.IntField()),
                ('sequence', fields.IntField()),
                ('number', fields.CharField(unique=True, max_length=64)),
                ('issued_on', fields.DateField()),
                ('deadline', fields.DateField(db_index=True)),
                ('requirements', fields.JSONField(description='Requirement values', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('findings', fields.TextField(unique=False)),
                ('corrects', fields.ForeignKeyField('xiaowai.Notice', source_field='corrects_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='corrections', on_delete=OnDelete.RESTRICT)),
                ('issued_by', fields.CharField(max_length=64)),
            ],
            options={'table': 'notice', 'app': 'xiaowai', 'unique_together': (('year', 'sequence'),), 'pk_attr': 'id', 'table_description': 'A rectification notice (整改通知书). Never edited: a correction is a new'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Penalty',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('case', fields.ForeignKeyField('xiaowai.Case', source_field='case_id', db_index=True, db_constraint=True, to_field='id', related_name='penalties', on_delete=OnDelete.RESTRICT)),
                ('decision_number', fields.CharField(max_length=64)),
                ('decided_on', fields.DateField()),
                ('penalty_type', fields.CharEnumField(description='WARNING: WARNING\nFINE: FINE\nCONFISCATION: CONFISCATION\nSUSPENSION: SUSPENSION\nREVOCATION: REVOCATION\nOTHER: OTHER', enum_type=PenaltyType, max_length=12)),
                ('amount', fields.DecimalField(null=True, max_digits=12, decimal_places=2)),
                ('published', fields.BooleanField(default=False)),
            ],
            options={'table': 'penalty', 'app': 'xiaowai', 'pk_attr': 'id', 'table_description': 'An administrative penalty (行政处罚) recorded on a case.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RegisterEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('case', fields.ForeignKeyField('xiaowai.Case', source_field='case_id', db_index=True, db_constraint=True, to_field='id', related_name='register', on_delete=OnDelete.CASCADE)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('students_affected', fields.IntField()),
                ('students_resettled', fields.IntField()),
                ('fees_owed', fields.DecimalField(max_digits=12, decimal_places=2)),
                ('fees_refunded', fields.DecimalField(max_digits=12, decimal_places=2)),
                ('recorded_by', fields.CharField(max_length=64)),
            ],
            options={'table': 'register_entry', 'app': 'xiaowai', 'pk_attr': 'id', 'table_description': 'The students and fees of a case as they stood at a moment.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Institution',
            name='teaches',
            field=fields.CharField(null=True, description='What it trains', max_length=256),
        ),
        ops.AddField(
            model_name='Institution',
            name='trades_as',
            field=fields.CharField(null=True, description='The business it is registered or advertised as, e.g. 教育咨询', max_length=64),
        ),
    ]
