from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from .choices import DeadlineKind, DeadlineStatus, UnitChoice
from .models import TimeLimitRule

# <input type="date"> only accepts ISO dates.
DATE = forms.DateInput(attrs={"type": "date", "min": "2000-01-01", "max": "2099-12-31"}, format="%Y-%m-%d")


def current_rules() -> Any:
    """One row per rule: the version in force today (a revision effective later is not offered
    until it takes effect; the version used for a deadline is chosen by its start date)."""
    from django.db.models import Q

    today = timezone.localdate()
    return (
        TimeLimitRule.objects.filter(effective_from__lte=today)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gt=today))
        .order_by("-is_default", "code")
    )


def check_period(form: forms.Form, data: dict[str, Any]) -> None:
    """Either a rule or a free length and unit — not both, not neither."""
    if data.get("rule") and (data.get("length") or data.get("unit")):
        form.add_error("length", "已选择期限规则时，期限由规则决定，请不要再填写长度和单位。")
    elif (
        not data.get("rule")
        and not (data.get("length") and data.get("unit"))
        and not form.has_error("length")
    ):
        form.add_error(None, "请选择期限规则，或填写期限长度和单位。")


class RuleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: TimeLimitRule) -> str:
        mark = "" if obj.is_default else "（参考）"
        return f"{obj.name}{mark}：{obj.length_label}，{obj.basis}"


class PeriodForm(forms.Form):
    """A rule (its version chosen by the start date) or a free length and unit."""

    rule = RuleChoiceField(
        queryset=TimeLimitRule.objects.none(),
        label="期限规则",
        required=False,
        empty_label="（不用规则，自填期限）",
    )
    length = forms.IntegerField(label="期限长度", required=False, min_value=1, max_value=3650)
    unit = forms.ChoiceField(label="单位", choices=[("", "—"), *UnitChoice.choices], required=False)
    expedited = forms.BooleanField(label="特事特办 / 情况紧急（适用规则规定的缩短期限）", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rule"].queryset = current_rules()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        check_period(self, data)
        return data


class CalculatorForm(PeriodForm):
    start = forms.DateField(label="起算日", initial=timezone.localdate, widget=DATE)
    field_order = ["start", "rule", "length", "unit", "expedited"]


class DeadlineForm(PeriodForm):
    title = forms.CharField(
        label="事项", max_length=200, help_text="例如：向市人大常委会内务司法委员会报告办理结果"
    )
    start_date = forms.DateField(label="起算日", initial=timezone.localdate, widget=DATE)
    note = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    field_order = ["title", "start_date", "rule", "length", "unit", "expedited", "note"]

    def clean_expedited(self) -> bool:
        value: bool = self.cleaned_data.get("expedited", False)
        if value and not self.data.get("rule"):
            raise forms.ValidationError("特事特办只对按规则计算的期限有效。")
        return value


class ExtendForm(forms.Form):
    length = forms.IntegerField(label="延长", min_value=1, max_value=3650)
    unit = forms.ChoiceField(label="单位", choices=UnitChoice.choices, initial=UnitChoice.DAYS)
    reason = forms.CharField(label="理由", max_length=300)


class SuspendForm(forms.Form):
    start = forms.DateField(label="中止自", initial=timezone.localdate, widget=DATE)
    reason = forms.CharField(label="事由", max_length=200)


class CompleteForm(forms.Form):
    on = forms.DateField(label="完成日期", initial=timezone.localdate, widget=DATE)


class ResumeForm(forms.Form):
    end = forms.DateField(
        label="恢复前一日（中止最后一日）",
        initial=timezone.localdate,
        widget=DATE,
    )


class HolidayYearForm(forms.Form):
    year = forms.IntegerField(label="年份", min_value=2004, max_value=2100)
    court = forms.ChoiceField(
        label="适用范围",
        required=False,
        help_text="全国统一的安排留空；民族自治地方等的地方性假日选择法院（只影响该法院的期限）",
    )
    source = forms.CharField(
        label="依据文件",
        max_length=200,
        required=False,
        help_text="例如：国务院办公厅关于2027年部分节假日安排的通知",
    )
    text = forms.CharField(
        label="节假日安排",
        widget=forms.Textarea(attrs={"rows": 14, "class": "font-monospace"}),
        help_text="每行一项：日期（或 日期~日期） 休/班 节日名称。例：2027-10-01~2027-10-07 休 国庆节；2027-10-09 班 国庆节",
    )


class RuleReviseForm(forms.ModelForm):
    effective_from = forms.DateField(label="新版本生效日期", widget=DATE)
    reason = forms.CharField(label="修改理由", max_length=300, help_text="例如：上级法院新规定的文号")

    class Meta:
        model = TimeLimitRule
        fields = [
            "name",
            "length",
            "unit",
            "expedited_length",
            "expedited_unit",
            "basis_document",
            "basis_article",
            "extendable",
            "extension_approver",
            "is_default",
            "conflict_note",
        ]


class BoardFilterForm(forms.Form):
    court = forms.ChoiceField(label="法院", required=False)
    kind = forms.ChoiceField(label="类别", choices=[("", "全部"), *DeadlineKind.choices], required=False)
    status = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[("", "全部未完成")]
        + [
            (s.value, s.label)
            for s in DeadlineStatus
            if s not in (DeadlineStatus.MET, DeadlineStatus.MET_LATE)
        ]
        + [("done", "已完成")],
    )
    owner = forms.ChoiceField(label="责任人", required=False)
    mine = forms.BooleanField(label="只看我的", required=False)


def today() -> dt.date:
    return timezone.localdate()
