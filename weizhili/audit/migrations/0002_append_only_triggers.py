from django.db import migrations

from . import _append_only


def forwards(apps, schema_editor):
    _append_only.install(schema_editor.connection)


def backwards(apps, schema_editor):
    _append_only.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
