"""Leave room in each page of the case table on PostgreSQL, so that updates touching no indexed column (the
yellow/red card, updated_at) can be HOT updates: no new index entries, much cheaper for the bulk sweep."""
from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE cases_case SET (fillfactor = 75)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE cases_case RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_lean_indexes")]
    operations = [migrations.RunPython(forwards, backwards)]
