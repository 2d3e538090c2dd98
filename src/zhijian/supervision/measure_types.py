"""The measures of Arts. 2, 7 and 8 as data (seeded into ``MeasureType``).

Each type: its article of the regulation, its legal basis, whether it is a 公文 (numbered by a
文号) or a 裁定 (an 执行裁定书 numbered by the 执监/执他 case registered for it, approved after the
collegial panel's deliberation), the document kind it produces and the legal-time rule its
follow-up deadline runs on. Whether the 分管院领导 approves after the 局长 is configuration
(``MeasureType.leader_approval``; default: rulings yes, 公文 no).
"""

from __future__ import annotations

from typing import Any

from zhijian.legaltime.defaults import SEED

ORDER = "order"
INSTRUCT = "instruct"
CORRECT = "correct"
ELEVATE = "elevate"
DESIGNATE = "designate"
JOINT = "joint"
PLAN = "plan"
DEFER = "defer"

CPL_237 = "《中华人民共和国民事诉讼法》第二百三十七条"
PROC = "《最高人民法院关于适用〈中华人民共和国民事诉讼法〉执行程序若干问题的解释》"
WORK = "《最高人民法院关于人民法院执行工作若干问题的规定（试行）》"

DEFAULTS: list[dict[str, Any]] = [
    {
        "code": ORDER, "name": "督促执行令", "article": "第七条", "form": "document", "document_kind": "order",
        "basis": f"{PROC}第十一条；{WORK}第七十四条第一款", "rule_code": "SUP_ORDER", "leader_approval": False,
    },
    {
        "code": INSTRUCT, "name": "指令纠正", "article": "第二条", "form": "document",
        "document_kind": "instruction", "basis": f"{WORK}第七十二条", "rule_code": "SUP_CORRECT",
        "leader_approval": False,
    },
    {
        "code": CORRECT, "name": "裁定纠正", "article": "第二条", "form": "ruling", "document_kind": "ruling",
        "basis": f"{WORK}第七十二条", "rule_code": "", "leader_approval": True,
    },
    {
        "code": ELEVATE, "name": "提级执行", "article": "第八条", "form": "ruling", "document_kind": "ruling",
        "basis": f"{CPL_237}；{PROC}第十条至第十二条；{WORK}第七十四条第二款", "rule_code": "",
        "leader_approval": True,
    },
    {
        "code": DESIGNATE, "name": "指定执行", "article": "第八条", "form": "ruling", "document_kind": "ruling",
        "basis": f"{CPL_237}；{PROC}第十条至第十二条；{WORK}第七十四条第二款", "rule_code": "",
        "leader_approval": True,
    },
    {
        "code": JOINT, "name": "共同执行", "article": "第八条", "form": "document", "document_kind": "joint_notice",
        "basis": f"{WORK}第七十四条第二款", "rule_code": "", "leader_approval": False,
    },
    {
        "code": PLAN, "name": "共同制定执行方案", "article": "第八条", "form": "document",
        "document_kind": "joint_plan", "basis": f"{SEED}第八条", "rule_code": "",
        "leader_approval": False,
    },
    {
        "code": DEFER, "name": "暂缓执行", "article": "第二条", "form": "document",
        "document_kind": "deferral_notice", "basis": f"{WORK}第七十七条；{PROC}第十三条",
        "rule_code": "SUP_DEFER", "leader_approval": False,
    },
]  # fmt: skip

RULINGS = frozenset({CORRECT, ELEVATE, DESIGNATE})
# measures addressed to one case (an order lists its cases; joint measures may list tasks)
SINGLE_CASE = frozenset({INSTRUCT, CORRECT, ELEVATE, DESIGNATE, DEFER, JOINT, PLAN})


def seed_measure_types(model: Any) -> int:
    """Create the types that do not exist yet (idempotent; configured rows are left alone)."""
    made = 0
    for order, spec in enumerate(DEFAULTS):
        _, created = model.objects.get_or_create(
            code=spec["code"], defaults={**spec, "sort_order": order * 10}
        )
        made += int(created)
    return made
