from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('xiaowai', '0006_public_directory_and_complaints')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Phase',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ordinal', fields.IntField(unique=True, description='1 for the first phase')),
                ('name', fields.CharField(max_length=64)),
                ('starts_on', fields.DateField()),
                ('ends_on', fields.DateField()),
                ('description', fields.TextField(default='', description="The plan's paragraph", unique=False)),
                ('version', fields.IntField(default=1)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'phase', 'app': 'xiaowai', 'pk_attr': 'id', 'table_description': 'A phase of the plan: mobilisation, implementation, acceptance, deepening.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PhaseTask',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('phase', fields.ForeignKeyField('xiaowai.Phase', source_field='phase_id', db_index=True, db_constraint=True, to_field='id', related_name='tasks', on_delete=OnDelete.CASCADE)),
                ('ordinal', fields.IntField(description="Its place among the phase's tasks")),
                ('text', fields.TextField(description='The task as the plan words it', unique=False)),
                ('measure', fields.CharField(default='', description='How progress is counted from the records, or empty for a task the office marks done by hand', max_length=48)),
                ('done_on', fields.DateField(null=True)),
                ('done_note', fields.TextField(default='', unique=False)),
                ('done_by', fields.CharField(null=True, max_length=64)),
                ('version', fields.IntField(default=1)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'phase_task', 'app': 'xiaowai', 'unique_together': (('phase', 'ordinal'),), 'pk_attr': 'id', 'table_description': 'A task a phase asks, and, for a task marked by hand, when it was done.'},
            bases=['Model'],
        ),
    ]
