"""API: the Chinese labels of the audit actions and the 接口令牌 page in the navigation."""

from __future__ import annotations

from zhijian.audit.labels import ACTION_LABELS
from zhijian.core.registry import NavItem, register_nav

register_nav(NavItem("个人设置", "接口令牌", "accounts:api_token", icon="key", order=990))

ACTION_LABELS.update(
    {
        "api.token.create": "创建接口令牌",
        "api.token.regenerate": "重新生成接口令牌",
        "api.token.revoke": "吊销接口令牌",
    }
)
