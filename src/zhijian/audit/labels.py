"""Chinese labels for audit actions. Apps add theirs with ``ACTION_LABELS.update(...)``."""

ACTION_LABELS: dict[str, str] = {
    "accounts.login": "登录",
    "accounts.logout": "退出登录",
    "accounts.login_failed": "登录失败",
    "accounts.lockout": "账号锁定",
    "accounts.password.change": "修改密码",
    "org.court.create": "新建法院",
    "org.court.update": "修改法院",
    "org.court.delete": "删除法院",
    "org.court.contact": "指定联络专人",
    "org.user.create": "新建用户",
    "org.user.update": "修改用户",
    "org.user.delete": "删除用户",
    "org.user.password_reset": "重置密码",
    "org.person.create": "新建人员",
    "org.person.update": "修改人员",
    "org.person.link": "关联人员账号",
    "org.person.delete": "删除人员",
    "org.grant.create": "临时授权",
    "org.grant.revoke": "撤销授权",
    "audit.export": "导出审计日志",
    "audit.head.rebuilt": "重建审计链头",
    "cases.import": "导入执行案件",
    "cases.party.reveal": "查看当事人完整证件号码或电话",
    "cases.alias.add": "添加导入别名",
    "cases.alias.delete": "删除导入别名",
    "org.person.merge": "合并人员",
    "org.person.split": "拆分同名人员",
}


def label_for(action: str) -> str:
    return ACTION_LABELS.get(action, action)
