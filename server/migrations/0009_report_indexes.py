from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('xiaowai', '0008_reconciliation')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='CaseEvent',
            index=Index(fields=['at', 'action']),
        ),
        ops.AddIndex(
            model_name='Inspection',
            index=Index(fields=['institution_id', 'inspected_on']),
        ),
        ops.AddIndex(
            model_name='Inspection',
            index=Index(fields=['inspected_on', 'institution_id']),
        ),
        ops.AddIndex(
            model_name='ListChange',
            index=Index(fields=['decided_at']),
        ),
        ops.AddIndex(
            model_name='Patrol',
            index=Index(fields=['patrolled_on', 'village_id']),
        ),
        ops.AddIndex(
            model_name='RegisterEntry',
            index=Index(fields=['at']),
        ),
    ]
