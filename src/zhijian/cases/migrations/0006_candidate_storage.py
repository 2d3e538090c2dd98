"""Scan candidates stored for the daily scan (docs/benchmarks.md, "Detection scans"): no index of
their own on the case and court foreign keys (the identity constraint's index begins with the
case, the scan page's with the court), no (rule, state) index (the scan reads every candidate at
once now), and on PostgreSQL pages half filled, so that the daily scan's ``last_seen`` update of
every candidate is a heap-only (HOT) update that touches no index."""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models

FILLFACTOR = 50


def fillfactor(value: int | None) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        table = schema_editor.quote_name(apps.get_model("cases", "ScanCandidate")._meta.db_table)
        setting = f"SET (fillfactor = {value})" if value else "RESET (fillfactor)"
        schema_editor.execute(f"ALTER TABLE {table} {setting}")

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_petition_origin"),
        ("org", "0001_initial"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="scancandidate",
            name="cases_candidate_rule_state",
        ),
        migrations.AlterField(
            model_name="scancandidate",
            name="case",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="candidates",
                to="cases.enforcementcase",
            ),
        ),
        migrations.AlterField(
            model_name="scancandidate",
            name="court",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="org.court",
                verbose_name="执行法院",
            ),
        ),
        migrations.RunPython(fillfactor(FILLFACTOR), fillfactor(None)),
    ]
