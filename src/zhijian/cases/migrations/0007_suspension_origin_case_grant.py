"""Excluded periods written by a supervision measure (``CaseSuspension.origin``: kept by every
import) and per-case grants for 指定执行 / 提级执行 (``CaseGrant``, one live grant per case and
court: a conditional unique constraint, on SQLite and PostgreSQL alike)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_candidate_storage"),
        ("org", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="casesuspension",
            name="origin",
            field=models.CharField(blank=True, max_length=60, verbose_name="来源"),
        ),
        migrations.CreateModel(
            name="CaseGrant",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("reason", models.CharField(max_length=200, verbose_name="事由")),
                ("origin", models.CharField(blank=True, max_length=60, verbose_name="来源")),
                (
                    "granted_at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="授权时间"),
                ),
                ("revoked_at", models.DateTimeField(blank=True, null=True, verbose_name="撤销时间")),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="grants",
                        to="cases.enforcementcase",
                    ),
                ),
                (
                    "court",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="org.court",
                        verbose_name="指定/提级执行法院",
                    ),
                ),
                (
                    "granted_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="授权人",
                    ),
                ),
            ],
            options={
                "verbose_name": "指定/提级执行授权",
                "verbose_name_plural": "指定/提级执行授权",
                "ordering": ["case", "granted_at"],
                "indexes": [
                    models.Index(
                        condition=models.Q(("revoked_at__isnull", True)),
                        fields=["court", "case"],
                        name="cases_grant_court_live",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("revoked_at__isnull", True)),
                        fields=("case", "court"),
                        name="cases_grant_live_unique",
                    )
                ],
            },
        ),
    ]
