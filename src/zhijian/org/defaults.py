"""Default court data: the Baishan intermediate court, its six basic courts and the Jilin high
court above them.

The 法院代字 are derived from the GB/T 2260 administrative-division codes by the SPC rule on case
numbers (high court = province short name; intermediate = + digits 3–4; basic = + digits 3–6),
see DOMAIN.md §7.4. They are LIKELY, not yet checked against the SPC 法院代字表: administrators can
correct them in 系统管理 → 法院.
"""

from __future__ import annotations

LEVELS = [
    ("supreme", "最高人民法院", 0),
    ("high", "高级人民法院", 1),
    ("intermediate", "中级人民法院", 2),
    ("basic", "基层人民法院", 3),
]

# code, full name, short name, level, division code, supervisor code
COURTS = [
    ("吉", "吉林省高级人民法院", "吉林高院", "high", "220000", None),
    ("吉06", "吉林省白山市中级人民法院", "白山中院", "intermediate", "220600", "吉"),
    ("吉0602", "白山市浑江区人民法院", "浑江区法院", "basic", "220602", "吉06"),
    ("吉0605", "白山市江源区人民法院", "江源区法院", "basic", "220605", "吉06"),
    ("吉0621", "抚松县人民法院", "抚松县法院", "basic", "220621", "吉06"),
    ("吉0622", "靖宇县人民法院", "靖宇县法院", "basic", "220622", "吉06"),
    ("吉0623", "长白朝鲜族自治县人民法院", "长白县法院", "basic", "220623", "吉06"),
    ("吉0681", "临江市人民法院", "临江市法院", "basic", "220681", "吉06"),
]
