"""Documents: the Chinese labels of the audit actions."""

from __future__ import annotations

from zhijian.audit.labels import ACTION_LABELS

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
    }
)
