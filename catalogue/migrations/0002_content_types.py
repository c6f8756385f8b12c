"""The moved models' content types follow them, so staff permissions and admin history stay attached.

A ContentType row names (app_label, model); permissions (auth_permission) and the admin's log
point at its id. Renaming the rows from "recommender" to "catalogue" keeps a curator's
"can change track" and the history of every edited track, where deleting and recreating them
(what `migrate` would otherwise do after the move) would silently drop both.
"""

from django.db import migrations

MOVED = ("track", "video", "clustering", "cluster", "clustermembership", "cataloguestate")


def rename(apps, schema_editor, old, new):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MOVED:
        if not ContentType.objects.using(db).filter(app_label=new, model=model).exists():
            ContentType.objects.using(db).filter(app_label=old, model=model).update(app_label=new)


def forwards(apps, schema_editor):
    rename(apps, schema_editor, "recommender", "catalogue")


def backwards(apps, schema_editor):
    rename(apps, schema_editor, "catalogue", "recommender")


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
