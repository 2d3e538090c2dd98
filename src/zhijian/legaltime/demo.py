"""Demo data for the legal clock: the default rules and a few deadlines in every state."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from zhijian.core.demo import demo_loader
from zhijian.org.models import User

from . import services
from .models import Deadline


@demo_loader(5, "期限规则")
def rules() -> int:
    return services.seed_rules()


DEMO_DEADLINES = [
    # (owner, kind, title, days before today the period started, rule code or (length, unit))
    ("city.officer", "source_reply", "向市人大常委会内务司法委员会报告王某某来信办理结果", 40, (30, "days")),
    ("city.officer", "letter", "督办函：浑江区法院（2025）吉0602执1234号案", 4, "SUP_LETTER"),
    ("city.director", "source_reply", "答复市人民检察院检察建议", 10, (3, "months")),
    ("hunjiang.contact", "report", "向中院报送张某某案执行情况说明", 3, (15, "days")),
    ("jiangyuan.contact", "report", "报送李某某信访案件处理意见", 20, (30, "days")),
    ("fusong.director", "matter", "执行信访办结：刘某某反映执行不力", 6, "PETITION_CONCLUDE"),
]


@demo_loader(30, "演示期限")
def deadlines() -> int:
    today = timezone.localdate()
    created = 0
    for username, kind, title, ago, rule in DEMO_DEADLINES:
        if Deadline.objects.filter(title=title).exists():
            continue
        owner = User.objects.get(username=username)
        assert owner.court is not None
        kwargs = {"rule_code": rule} if isinstance(rule, str) else {"length": rule[0], "unit": rule[1]}
        deadline = services.create_deadline(
            actor=owner,
            title=title,
            court=owner.court,
            owner=owner,
            start_date=today - dt.timedelta(days=ago),
            kind=kind,
            **kwargs,
        )
        if username == "jiangyuan.contact":
            services.suspend_deadline(
                deadline,
                actor=owner,
                start=today - dt.timedelta(days=5),
                reason="申请执行人与被执行人和解，申请暂缓",
            )
        created += 1
    return created
