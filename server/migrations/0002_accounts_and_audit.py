from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from server.models.accounts import TokenScope
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('xiaowai', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Account',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('login', fields.CharField(unique=True, max_length=32)),
                ('password_hash', fields.CharField(max_length=256)),
                ('roles', fields.CharField(description='Comma-separated Role values', max_length=64)),
                ('person', fields.ForeignKeyField('xiaowai.Person', source_field='person_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='accounts', on_delete=OnDelete.SET_NULL)),
                ('unit', fields.ForeignKeyField('xiaowai.Unit', source_field='unit_id', null=True, db_index=True, description='The member unit a UNIT account acts for', db_constraint=True, to_field='id', related_name='accounts', on_delete=OnDelete.SET_NULL)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('password_changed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_signed_in_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'account', 'app': 'xiaowai', 'pk_attr': 'id', 'table_description': "A person's (or a member unit's) way into the staff pages."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ApiToken',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=64)),
                ('prefix', fields.CharField(description='Shown to tell tokens apart', max_length=12)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('scope', fields.CharEnumField(description='READ: READ\nWRITE: WRITE', enum_type=TokenScope, max_length=5)),
                ('created_by', fields.ForeignKeyField('xiaowai.Account', source_field='created_by_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='created_tokens', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('last_used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'api_token', 'app': 'xiaowai', 'pk_attr': 'id', 'table_description': "A district integrator's key to the API. Only its hash is kept."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('actor_account_id', fields.IntField(null=True, db_index=True)),
                ('actor_token_id', fields.IntField(null=True)),
                ('actor', fields.CharField(description='Login or token name', max_length=64)),
                ('action', fields.CharField(max_length=64)),
                ('record_type', fields.CharField(max_length=32)),
                ('record_id', fields.IntField()),
                ('before', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('after', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('previous_hash', fields.CharField(max_length=64)),
                ('hash', fields.CharField(unique=True, max_length=64)),
            ],
            options={'table': 'audit_entry', 'app': 'xiaowai', 'indexes': [Index(fields=['record_type', 'record_id']), Index(fields=['at'])], 'pk_attr': 'id', 'table_description': 'One write, chained to the entry before it by a hash.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Session',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('account', fields.ForeignKeyField('xiaowai.Account', source_field='account_id', db_index=True, db_constraint=True, to_field='id', related_name='sessions', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_seen_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'session', 'app': 'xiaowai', 'pk_attr': 'id', 'table_description': 'A signed-in browser. The cookie holds a token, and only its hash is kept.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SignInFailure',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(unique=True, max_length=128)),
                ('failures', fields.IntField(default=0)),
                ('first_failed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('locked_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'sign_in_failure', 'app': 'xiaowai', 'pk_attr': 'id', 'table_description': 'Failed sign-ins per account or per client address, to slow guessing.'},
            bases=['Model'],
        ),
    ]
