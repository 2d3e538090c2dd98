"""Sample content per kind: what the template page previews and ``check_template`` fills in.

Illustrative text only (names are 某, article numbers ××): the services that issue the documents
write the real content. Every sample carries every key any default template reads, so an uploaded
template of any kind validates against it.
"""

from __future__ import annotations

from typing import Any

from .choices import DEFAULT_TYPE_MARKS, DocumentKind

ISSUER = "吉林省白山市中级人民法院"
BASIC_COURT = "白山市浑江区人民法院"
CASE = "（2026）吉0602执123号"

COMMON: dict[str, Any] = {
    "paragraphs": [
        "你院办理的申请执行人张某与被执行人李某买卖合同纠纷一案，申请执行人向本院反映该案久拖未结。"
        "根据《最高人民法院关于执行案件督办工作的规定（试行）》的规定，本院决定对该案进行督办。",
        "请你院认真核查案件执行情况，依法及时采取执行措施。",
    ],
    "cases": [{"number": CASE, "court": BASIC_COURT, "note": "示例", "due_cn": "2026年12月15日"}],
    "tasks": [{"court": BASIC_COURT, "task": "查控被执行人名下财产", "due_cn": "2026年12月15日"}],
    "deadline": "2026-12-15",
    "contact": "王某，0439-0000000",
    "parties": [
        {
            "role": "申诉人（申请执行人）",
            "name": "张某",
            "detail": "男，1980年3月5日出生，汉族，住吉林省白山市浑江区",
        },
        {"role": "被执行人", "name": "白山市某商贸有限公司", "detail": "住所地吉林省白山市浑江区"},
    ],
    "holding_intro": "依照《中华人民共和国民事诉讼法》第××条、《最高人民法院关于人民法院执行工作若干问题的规定（试行）》"
    "第××条的规定，裁定如下：",
    "items": [
        f"一、撤销{BASIC_COURT}（2026）吉0602执异45号执行裁定；",
        f"二、本案由{BASIC_COURT}重新审查。",
    ],
    "closing": "本裁定送达后立即生效。",
    "panel": [
        {"role": "审判长", "name": "王某某"},
        {"role": "审判员", "name": "李某某"},
        {"role": "审判员", "name": "赵某某"},
    ],
    "clerk": "孙某某",
}

ORDER_CASES = [
    {"number": CASE, "note": "有财产可供执行而未执行", "due_cn": "2026年12月31日"},
    {"number": "（2025）吉0602执456号", "note": "超过执行期限未执结", "due_cn": "2027年1月15日"},
    {"number": "（2025）吉0602执恢12号", "note": "执行款未及时发放", "due_cn": "2026年12月20日"},
]

# kind → (title, addressee, overrides of COMMON)
BY_KIND: dict[str, tuple[str, str, dict[str, Any]]] = {
    DocumentKind.ORDER: (
        "督促执行令",
        BASIC_COURT,
        {
            "paragraphs": [
                "经审查，你院办理的附件所列执行案件存在有财产可供执行而未执行、超过执行期限未执结等情形。"
                "根据最高人民法院关于执行监督的有关规定，本院责令你院对上述案件限期办理。",
                "请你院高度重视，逐案落实承办人员和办理措施，在附件所列期限内执结或者依法作出处理。",
            ],
            "cases": ORDER_CASES,
            "deadline": "",
        },
    ),
    DocumentKind.APPLICANT_NOTICE: (
        "告知书",
        "张某",
        {
            "paragraphs": [
                f"你反映{BASIC_COURT}{CASE}案件执行不力一事，本院已立案审查。",
                f"经审查，本院已于2026年11月28日向{BASIC_COURT}发出督促执行令，责令其限期办理。"
                "你可向该院了解案件执行进展情况。",
                "特此告知。",
            ],
            "deadline": "",
            "contact": "",
        },
    ),
    DocumentKind.INSTRUCTION: (
        f"关于纠正{CASE}案件执行行为的通知",
        BASIC_COURT,
        {
            "paragraphs": [
                f"本院在执行监督中发现，你院在办理{CASE}案件中，对案外人名下的财产采取了查封措施，"
                "该执行行为不当。",
                "根据最高人民法院关于执行监督的有关规定，现指令你院予以纠正。",
            ],
            "deadline": "2026-12-15",
        },
    ),
    DocumentKind.DEFERRAL_NOTICE: (
        "暂缓执行通知",
        BASIC_COURT,
        {
            "paragraphs": [
                f"本院在审查{CASE}案件执行监督事项期间，决定对该案被执行人名下位于白山市浑江区的房产"
                "暂缓执行，暂缓执行期间为2026年11月28日至2027年1月27日。",
                "暂缓执行期间，请你院不得对上述财产进行处分。",
            ],
            "deadline": "",
        },
    ),
    DocumentKind.JOINT_NOTICE: (
        f"关于对{CASE}等案件共同执行的决定",
        BASIC_COURT,
        {
            "paragraphs": [
                "为加快案件执行进度，本院决定对下列案件由本院与有关法院共同执行，具体分工如下：",
            ],
            "tasks": [
                {"court": ISSUER, "task": "统筹协调，组织集中执行行动", "due_cn": "2026年12月31日"},
                {
                    "court": BASIC_COURT,
                    "task": "查控被执行人名下不动产、车辆和银行存款",
                    "due_cn": "2026年12月15日",
                },
            ],
            "deadline": "",
        },
    ),
    DocumentKind.JOINT_PLAN: (
        f"{CASE}等案件共同执行方案",
        BASIC_COURT,
        {
            "paragraphs": ["根据本院共同执行决定，制定本方案。各承办法院按下表分工办理，按期报告进展。"],
            "tasks": [
                {"court": ISSUER, "task": "制定处置方案并组织评估拍卖", "due_cn": "2027年1月31日"},
                {"court": BASIC_COURT, "task": "完成财产查封和现场调查", "due_cn": "2026年12月20日"},
            ],
            "deadline": "",
        },
    ),
    DocumentKind.DISCIPLINE_TRANSFER: (
        "关于移送执行人员违纪违法问题线索的函",
        "白山市纪委监委驻白山市中级人民法院纪检监察组",
        {
            "paragraphs": [
                f"本院在对{CASE}案件执行监督中发现，{BASIC_COURT}执行人员在办理该案过程中可能存在"
                "违纪违法问题。根据有关规定，现将问题线索及相关材料移送你组处理。",
                "附：相关材料一份",
            ],
            "deadline": "",
        },
    ),
    DocumentKind.RULING: (
        "执行裁定书",
        "",
        {
            "paragraphs": [
                f"申诉人张某不服{BASIC_COURT}（2026）吉0602执异45号执行裁定，向本院申请执行监督。"
                "本院依法组成合议庭进行了审查，现已审查终结。",
                "本院认为，……",
            ],
            "deadline": "",
            "contact": "",
        },
    ),
}


def sample_number(kind: str | None) -> str:
    if kind == DocumentKind.RULING:
        return "（2026）吉06执监1号"
    return f"白中法{DEFAULT_TYPE_MARKS.get(kind or '', '执督')}〔2026〕1号"


def sample_fields(kind: str | None) -> dict[str, Any]:
    """``context``, ``title``, ``addressee``, ``number`` and ``cc`` of ``kind``'s sample."""
    title, addressee, overrides = BY_KIND.get(
        kind or "", ("关于督办（2026）吉0602执123号案件的函", BASIC_COURT, {})
    )
    return {
        "context": {**COMMON, **overrides},
        "title": title,
        "addressee": addressee,
        "number": sample_number(kind),
        "cc": [] if kind == DocumentKind.RULING else ["吉林省高级人民法院执行局"],
    }
