from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('xiaowai', '0003_cases_and_patrols')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AffectedStudent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('case', fields.ForeignKeyField('xiaowai.Case', source_field='case_id', db_index=True, db_constraint=True, to_field='id', related_name='students', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=32)),
                ('note', fields.CharField(default='', max_length=200)),
                ('added_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('added_by', fields.CharField(max_length=64)),
            ],
            options={'table': 'affected_student', 'app': 'xiaowai', 'pk_attr': 'id', 'table_description': 'A student of a case by name, kept only where the office chooses to.'},
            bases=['Model'],
        ),
    ]
