from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_events_dues_flags"),
    ]

    operations = [
        migrations.RenameField(model_name="caseextension", old_name="days", new_name="length"),
        migrations.AlterField(
            model_name="caseextension", name="length", field=models.PositiveIntegerField(verbose_name="延长")
        ),
        migrations.AddField(
            model_name="caseextension",
            name="unit",
            field=models.CharField(
                choices=[("days", "日"), ("months", "个月")],
                default="days",
                max_length=8,
                verbose_name="单位",
            ),
        ),
        migrations.AddIndex(
            model_name="scancandidate",
            index=models.Index(fields=["rule", "state"], name="cases_candidate_rule_state"),
        ),
    ]
