"""The editable alias tables: defaults in code plus administrators' additions, validated,
audited, and used by the import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from zhijian.audit.models import AuditEvent
from zhijian.cases import alias_services
from zhijian.cases.aliases import (
    column_alias_table,
    effective_aliases,
    effective_node_aliases,
    status_alias_table,
)
from zhijian.cases.models import EnforcementCase, ImportAlias
from zhijian.cases.services import ImportRefused, import_cases
from zhijian.core.exceptions import ServiceError
from zhijian.legaltime.services import seed_rules

pytestmark = pytest.mark.django_db


def client_for(world: Any, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


def test_effective_tables_merge_the_defaults_with_the_additions(world: Any) -> None:
    admin = world.user("city.admin")
    assert effective_aliases("column")["承办法官"] == "handler"
    assert "主办人" not in effective_aliases("column")
    alias_services.add_alias(actor=admin, kind="column", alias="主办人", target="handler")
    alias_services.add_alias(actor=admin, kind="status", alias="终本", target="concluded")
    alias_services.add_alias(actor=admin, kind="node", alias="发出执行通知", target="notice_issued")
    assert effective_aliases("column")["主办人"] == "handler"
    assert "主办人" in column_alias_table()["handler"] and "承办人" in column_alias_table()["handler"]
    assert status_alias_table()["终本"] == "concluded" and status_alias_table()["在办"] == "open"
    assert effective_node_aliases({"立案": "filed"}) == {"立案": "filed", "发出执行通知": "notice_issued"}
    from zhijian.cases.events_import import node_aliases, node_key

    assert node_aliases()[node_key("发出 执行通知")] == "notice_issued"  # the events import uses it


def test_additions_are_validated_with_clear_reasons(world: Any) -> None:
    admin = world.user("city.admin")
    cases = [
        ({"kind": "column", "alias": "承 办 人", "target": "handler"}, "已在默认的列名表中"),
        ({"kind": "column", "alias": "主办人", "target": "nonsense"}, "不是可识别的字段"),
        ({"kind": "column", "alias": "  ", "target": "handler"}, "请填写文件中的写法"),
        ({"kind": "column", "alias": "（万元）", "target": "amount_applied"}, "去掉空格和括号中的单位后为空"),
        ({"kind": "status", "alias": "执行中", "target": "open"}, "已在默认的案件状态表中"),
        ({"kind": "status", "alias": "终本", "target": "closed"}, "不是可识别的案件状态"),
        ({"kind": "node", "alias": "立 案", "target": "filed"}, "已在默认的流程节点名称表中"),
        ({"kind": "node", "alias": "送达", "target": "no_such_event"}, "不是可识别的流程节点事件"),
        ({"kind": "other", "alias": "x", "target": "y"}, "请选择别名类别"),
        ({"kind": "column", "alias": "长" * 61, "target": "handler"}, "不能超过 60 个字"),
    ]
    for kwargs, reason in cases:
        with pytest.raises(ServiceError) as exc:
            alias_services.add_alias(actor=admin, **kwargs)
        assert reason in exc.value.message, (kwargs, exc.value.message)
    alias_services.add_alias(actor=admin, kind="column", alias="主办人", target="handler")
    with pytest.raises(ServiceError, match="已添加过"):
        alias_services.add_alias(actor=admin, kind="column", alias="主办 人", target="number")
    # the same spelling may mean something in another table
    alias_services.add_alias(actor=admin, kind="node", alias="主办人", target="handler_assigned")
    assert ImportAlias.objects.count() == 2
    assert AuditEvent.objects.filter(action="cases.alias.add").count() == 2


def test_only_system_administrators_change_the_tables(world: Any) -> None:
    for name in ("x.admin", "city.director", "a.director"):
        with pytest.raises(PermissionDenied):
            alias_services.add_alias(actor=world.user(name), kind="status", alias="终本", target="concluded")
    row = alias_services.add_alias(
        actor=world.user("city.admin"), kind="status", alias="终本", target="concluded"
    )
    with pytest.raises(PermissionDenied):
        alias_services.delete_alias(row, actor=world.user("x.admin"))
    assert client_for(world, "x.admin").post(reverse("cases:alias_delete"), {"id": row.pk}).status_code == 403
    assert ImportAlias.objects.filter(pk=row.pk).exists()
    # other administrators read the tables, without the forms
    html = client_for(world, "x.admin").get(reverse("cases:aliases")).content.decode()
    assert "终本" in html and reverse("cases:alias_add") not in html and "承办法官" in html
    assert client_for(world, "a.director").get(reverse("cases:aliases")).status_code == 403


def test_the_page_adds_and_deletes_with_audit(world: Any) -> None:
    client = client_for(world, "city.admin")
    html = client.get(reverse("cases:aliases")).content.decode()
    assert "承办法官" in html and "网络查控" in html and reverse("cases:alias_add") in html
    response = client.post(
        reverse("cases:alias_add"), {"kind": "column", "alias": "主办人", "target": "handler"}
    )
    assert response.status_code == 302
    row = ImportAlias.objects.get(alias="主办人")
    assert row.created_by == world.user("city.admin")
    event = AuditEvent.objects.get(action="cases.alias.add")
    assert event.after["alias"] == "主办人" and event.after["target"] == "handler"
    # a refused addition keeps what was typed and says why
    response = client.post(
        reverse("cases:alias_add"), {"kind": "column", "alias": "承办人", "target": "handler"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and "已在默认的列名表中" in html and 'value="承办人"' in html
    response = client.post(reverse("cases:alias_delete"), {"id": row.pk})
    assert response.status_code == 302 and not ImportAlias.objects.exists()
    event = AuditEvent.objects.get(action="cases.alias.delete")
    assert event.before["alias"] == "主办人" and event.target_id == str(row.pk)
    response = client.post(reverse("cases:alias_delete"), {"id": row.pk}, follow=True)
    assert "不存在或已被删除" in response.content.decode()


HEADER = "案号,立案日期,主办人,办理状态,结案日期,结案方式,申请执行标的,执行到位金额,申请执行人,被执行人"
ROW = "（2026）测0101执1号,2026-03-02,张三,终本,2026-06-30,终结本次执行程序,100,0,王五,某公司"


def test_the_import_uses_the_added_column_and_status_aliases(world: Any, tmp_path: Path) -> None:
    seed_rules()
    path = tmp_path / "cases.csv"
    path.write_text(f"{HEADER}\n{ROW}\n", encoding="utf-8")
    importer = world.user("city.officer")
    with pytest.raises(ImportRefused) as refused:
        import_cases(path, actor=importer)
    assert "缺少必需的列" in str(refused.value.case_import.errors)
    admin = world.user("city.admin")
    alias_services.add_alias(actor=admin, kind="column", alias="主办人", target="handler")
    alias_services.add_alias(actor=admin, kind="column", alias="办理状态", target="status")
    with pytest.raises(ImportRefused) as refused:
        import_cases(path, actor=importer)
    assert "无法识别的案件状态“终本”" in str(refused.value.case_import.errors)
    alias_services.add_alias(actor=admin, kind="status", alias="终本", target="concluded")
    result = import_cases(path, actor=importer)
    assert result.created == 1
    case = EnforcementCase.objects.get()
    assert case.status == "concluded" and case.handler is not None and case.handler.name == "张三"
