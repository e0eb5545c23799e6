from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('xiaowai', '0009_report_indexes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='IdempotentWrite',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('caller', fields.CharField(max_length=64)),
                ('key', fields.CharField(max_length=255)),
                ('request_hash', fields.CharField(description='SHA-256 of the body', max_length=64)),
                ('status', fields.IntField()),
                ('content_type', fields.CharField(max_length=100)),
                ('answer', fields.BinaryField()),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'idempotent_write', 'app': 'xiaowai', 'unique_together': (('caller', 'key'),), 'pk_attr': 'id', 'table_description': 'The answer to a write sent with an `Idempotency-Key`.'},
            bases=['Model'],
        ),
    ]
