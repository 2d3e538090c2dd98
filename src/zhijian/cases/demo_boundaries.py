"""Demo cases just inside and just outside every scan rule, imported through both import doors
(a case file, then an events file) so that the demo shows each rule at its boundary:

* for each rule with a due date (Art. 7(a) and every node check): a case whose due date was the
  last day before today (a candidate) and one whose due date is today or the first one after
  (not yet) — found by searching start dates with the legal clock, never by date arithmetic;
* Art. 8 久拖不结: filed exactly on the threshold and one day after;
* Art. 8 执行障碍, Art. 13 重复上访 / 复议纠错: one case with the fact and one without;
  领导督办 / 媒体关注 are set through ``flags.set_attention`` (as the later issues' links will).

Numbers use the sequence range 9001… of the current year, in 浑江区法院 (吉0602) and the
other basic courts, so they never collide with the other demo cases.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from pathlib import Path

from django.utils import timezone

from zhijian.core.demo import demo_loader
from zhijian.legaltime.services import get_calendar

from .dues import NODE_CHECKS, RuleBook, RuleVersion, _fast
from .flags import set_attention
from .importer import import_file
from .models import EnforcementCase
from .scans import long_delay_threshold

CASE_HEADER = "案号,立案日期,承办人,案件状态,结案日期,结案方式,申请执行标的（元）,执行到位金额（元）,申请执行人,被执行人,被执行人证件号码,被执行人联系电话,执行依据类型,原案号,数据截至日期"
EVENT_HEADER = "案号,节点,开始日期,结束日期,说明,数据截至日期"
RESPONDENTS = ["王某某", "李某", "白山市某商贸有限公司", "赵某某", "孙某", "吉林某矿业有限公司", "周某某"]
COURTS = ["吉0602", "吉0605", "吉0621", "吉0622", "吉0623", "吉0681"]
# node check → (start event name in the export, the act's name), for checks not counted from 立案
NODE_EVENTS = {
    "clue_check": ("提供财产线索", "核查财产线索"),
    "investigation_start": ("申请法院调查", "启动财产调查"),
    "investigation_done": ("启动财产调查", "完成财产调查"),
    "payout": ("案款到账", "案款发放"),
}
DONE_NAMES = {"handler": "确定承办人", "notice": "发出执行通知书", "clues_request": "通知提供财产线索"}


def boundary_starts(
    due_of: Callable[[dt.date], dt.date | None], today: dt.date, earliest: dt.date
) -> tuple[dt.date, dt.date]:
    """(start just outside, start just inside): the latest start whose due date is before today,
    and the earliest start whose due date is today or later. Due dates never decrease as the
    start moves later, so one walk forward finds both."""
    outside = inside = None
    day = earliest
    while inside is None:
        due = due_of(day)
        if due is not None and due < today:
            outside = day
        elif due is not None:
            inside = day
        day = dt.date.fromordinal(day.toordinal() + 1)
    assert outside is not None, "the search must start early enough"
    return outside, inside


@demo_loader(45, "演示：各检测规则的边界案件")
def boundary_cases() -> int:
    today = timezone.localdate()
    if EnforcementCase.objects.filter(number__endswith="执9001号").exists():
        return 0
    book, calendar = RuleBook(), get_calendar()
    as_of = today.isoformat()
    cases: list[list[str]] = []
    events: list[list[str]] = []
    seq = iter(range(9001, 9999))

    def add_case(court: str, filed: dt.date, *, handler: str = "张建国", type_code: str = "执", status: str = "执行中",
                 concluded: str = "", method: str = "", original: str = "", note: str = "") -> str:  # fmt: skip
        number = f"（{filed.year}）{court}{type_code}{next(seq)}号"
        cases.append([number, filed.isoformat(), handler, status, concluded, method, "120000", "0",
                      "白山市某建材有限公司", RESPONDENTS[len(cases) % len(RESPONDENTS)], "220602198001011234", "13804391234",
                      "民事判决", original, as_of])  # fmt: skip
        return number

    def add_event(number: str, name: str, on: dt.date, end: dt.date | None = None, note: str = "") -> None:
        events.append([number, name, on.isoformat(), end.isoformat() if end else "", note, as_of])

    def routine(number: str, filed: dt.date, skip: str) -> None:
        """The acts due from 立案 recorded on time, except the one under test."""
        add_event(number, "立案", filed)
        for key, name in DONE_NAMES.items():
            if key != skip and key != "handler":
                add_event(number, name, filed)

    # Art. 7(a): the enforcement time limit (6 months from 立案)
    def limit(filed: dt.date) -> dt.date | None:
        return book.limit_fast(calendar, filed, "执", False)[1]

    outside, inside = boundary_starts(limit, today, dt.date.fromordinal(today.toordinal() - 200))
    for filed in (outside, inside):
        number = add_case(COURTS[0], filed, note="执行期限")
        routine(number, filed, "")

    # node checks counted from 立案 (handler, notice, clues_request)
    for check in NODE_CHECKS:
        rule = book.pick(check.rules, today, "执", False)
        if rule is None:
            continue

        def node_due(start: dt.date, rule: RuleVersion = rule) -> dt.date:
            return _fast(calendar, start, rule, 0)[0]

        earliest = dt.date.fromordinal(today.toordinal() - 60)
        outside, inside = boundary_starts(node_due, today, earliest)
        court = COURTS[1 + NODE_CHECKS.index(check) % 5]
        for start in (outside, inside):
            if check.key in NODE_EVENTS:
                filed = dt.date.fromordinal(outside.toordinal() - 3)
                number = add_case(court, filed, note=check.label)
                routine(number, filed, "")
                start_name, _ = NODE_EVENTS[check.key]
                add_event(number, start_name, start)
            else:
                filed = start
                number = add_case(
                    court, filed, handler="" if check.key == "handler" else "张建国", note=check.label
                )
                routine(number, filed, check.key)

    # Art. 8 久拖不结: filed the day before the threshold (a candidate) and on it (not yet)
    threshold = long_delay_threshold(today)
    for filed in (dt.date.fromordinal(threshold.toordinal() - 1), threshold):
        number = add_case(COURTS[2], filed, note="久拖不结")
        routine(number, filed, "")
    # Art. 8 执行障碍: one recorded and not removed, one removed
    recent = dt.date.fromordinal(today.toordinal() - 40)
    blocked = add_case(COURTS[3], recent, note="执行障碍")
    routine(blocked, recent, "")
    add_event(blocked, "执行障碍", dt.date.fromordinal(recent.toordinal() + 5), None, "被执行人下落不明")
    cleared = add_case(COURTS[3], recent, note="障碍已消除")
    routine(cleared, recent, "")
    add_event(cleared, "执行障碍", dt.date.fromordinal(recent.toordinal() + 5), None, "财产被案外人占有")
    add_event(cleared, "执行障碍消除", dt.date.fromordinal(recent.toordinal() + 20), None, "已腾退")
    # a case under an open suspension: no running time limit (中止中)
    suspended = add_case(COURTS[3], dt.date.fromordinal(today.toordinal() - 120), note="中止执行")
    routine(suspended, dt.date.fromordinal(today.toordinal() - 120), "")
    add_event(
        suspended, "中止执行", dt.date.fromordinal(today.toordinal() - 30), None, "被执行人进入破产程序"
    )
    # Art. 13 重复上访: two petitions (a candidate) and one
    for count in (2, 1):
        number = add_case(COURTS[4], recent, note=f"信访{count}次")
        routine(number, recent, "")
        for k in range(count):
            add_event(
                number, "执行信访" if k else "集体访", dt.date.fromordinal(recent.toordinal() + 10 + 7 * k)
            )
    # Art. 13 复议纠错: an 执复 case of the city court concluded by 撤销 names its original case
    corrected = add_case(COURTS[5], recent, note="复议纠错")
    routine(corrected, recent, "")
    upheld = add_case(COURTS[5], recent, note="复议驳回")
    routine(upheld, recent, "")
    ended = dt.date.fromordinal(today.toordinal() - 5)
    add_case("吉06", recent, type_code="执复", status="已结案", concluded=ended.isoformat(),
             method="撤销执行法院的执行裁定", original=corrected)  # fmt: skip
    add_case("吉06", recent, type_code="执复", status="已结案", concluded=ended.isoformat(),
             method="驳回复议申请", original=upheld)  # fmt: skip
    # Art. 13 领导督办 / 媒体关注: set by links (here: the demo), one case each
    leadership = add_case(COURTS[0], recent, note="领导督办")
    routine(leadership, recent, "")
    media = add_case(COURTS[0], recent, note="媒体关注")
    routine(media, recent, "")

    with tempfile.TemporaryDirectory() as tmp:
        case_file = Path(tmp) / "演示-边界案件.csv"
        case_file.write_bytes(
            ("\n".join([CASE_HEADER, *(",".join(r) for r in cases)]) + "\n").encode("gb18030")
        )
        event_file = Path(tmp) / "演示-流程节点.csv"
        event_file.write_bytes(
            ("\n".join([EVENT_HEADER, *(",".join(r) for r in events)]) + "\n").encode("gb18030")
        )
        created = import_file(case_file, actor=None).created
        import_file(event_file, actor=None)
    source = "演示数据：由后续的督办、舆情关联设置"
    set_attention(EnforcementCase.objects.get(number=leadership), kind="leadership", since=recent, actor=None,
                  source=source)  # fmt: skip
    set_attention(
        EnforcementCase.objects.get(number=media), kind="media", since=recent, actor=None, source=source
    )
    return created
