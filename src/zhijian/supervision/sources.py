"""The Art. 3 source categories as written (the original has no item 4 — never invent one).

Seeded by a data migration; stored as data so that the citation and the flags that drive the
rest of the system (领导批示 fields, petition count, leadership mark, report back by default)
can be read and, if the court's practice differs, adjusted by an administrator.
"""

from __future__ import annotations

from typing import Any

ARTICLE = "第三条"

CATEGORIES: list[dict[str, Any]] = [
    {
        "item": 1,
        "name": "上级领导批示、人大督办",
        "text": "上级法院领导批示、交办、人大及其职能部门督办并要求上报处理结果的案件或执行事宜",
        "is_leader": True,
        "marks_leadership": True,
        "report_back_default": True,
    },
    {
        "item": 2,
        "name": "重大信访、政法委挂牌督办",
        "text": "重大信访案件或党委政法委挂牌督办的案件",
        "is_petition": True,
    },
    {
        "item": 3,
        "name": "本院领导批示、监察室转来",
        "text": "本院领导批示、监察室转来的案件当事人及案外人反映执行不当或执行错误的督办函件及来信",
        "is_leader": True,
        "marks_leadership": True,
    },
    {
        "item": 5,
        "name": "政府、政协、纪检、检察等机关建议",
        "text": "政府、政协、纪检、检察等机关对执行工作提出建议的",
    },
    {
        "item": 6,
        "name": "当事人及案外人来信来访",
        "text": "反映执行不当或执行错误的案件当事人及案外人来信、来访",
        "is_petition": True,
    },
    {
        "item": 7,
        "name": "其他",
        "text": "其他需要实行执行监督的情形",
    },
]


def item_article(item: int) -> str:
    return f"{ARTICLE}第（{'一二三四五六七八九十'[item - 1]}）项"


def seed_categories(model: Any) -> int:
    created = 0
    for order, spec in enumerate(CATEGORIES, start=1):
        _, made = model.objects.get_or_create(
            item=spec["item"],
            defaults={
                "article": item_article(spec["item"]),
                "name": spec["name"],
                "text": spec["text"],
                "is_leader": spec.get("is_leader", False),
                "is_petition": spec.get("is_petition", False),
                "marks_leadership": spec.get("marks_leadership", False),
                "report_back_default": spec.get("report_back_default", False),
                "sort_order": order,
            },
        )
        created += made
    return created
