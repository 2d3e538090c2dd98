"""Documents: navigation and the Chinese labels of the audit actions."""

from __future__ import annotations

from zhijian.audit.labels import ACTION_LABELS
from zhijian.core.registry import NavItem, register_nav
from zhijian.org.choices import Role

register_nav(NavItem("监督办案", "公文", "documents:document_list", icon="file-earmark-text", order=290))
register_nav(
    NavItem(
        "系统管理",
        "公文模板",
        "documents:templates",
        icon="file-earmark-word",
        roles=frozenset({Role.ADMIN}),
        order=930,
    )
)
register_nav(
    NavItem(
        "系统管理",
        "公文编号规则",
        "documents:numbering",
        icon="123",
        roles=frozenset({Role.ADMIN}),
        order=935,
    )
)
ACTION_LABELS.update(
    {
        "documents.issue": "签发公文",
        "documents.render": "生成公文文件",
        "documents.render_failed": "公文生成失败",
        "documents.rerender": "重新生成公文",
        "documents.void": "作废公文",
        "documents.record_copy": "上传公文存档件",
        "documents.template.upload": "上传公文模板",
        "documents.template.activate": "启用公文模板版本",
        "documents.scheme.update": "修改公文编号规则",
        "documents.download": "下载公文",
    }
)
