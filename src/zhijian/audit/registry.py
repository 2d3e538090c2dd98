from zhijian.core.registry import NavItem, register_nav
from zhijian.org.choices import AUDIT_READER_ROLES

register_nav(
    NavItem(
        "系统管理", "审计日志", "audit:event_list", icon="journal-check", roles=AUDIT_READER_ROLES, order=900
    )
)
