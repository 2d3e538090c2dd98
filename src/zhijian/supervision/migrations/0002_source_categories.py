"""The Art. 3 source categories, as written (items 1, 2, 3, 5, 6, 7)."""

from django.db import migrations


def seed(apps, schema_editor):
    from zhijian.supervision.sources import seed_categories

    seed_categories(apps.get_model("supervision", "SourceCategory"))


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
