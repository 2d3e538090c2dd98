"""Serializers of supervision matters: the list row, the detail (built from the page's own
``detail_context``, so a basic court sees exactly its own items), and the inputs of
registration and of the actions (types only; the services check the content and refuse in
Chinese)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from zhijian.supervision import services
from zhijian.supervision.models import Channel, Finding, Matter, ReportMode, RequestKind

from . import actions as api_actions


class RefSerializer(serializers.Serializer[Any]):
    """A court or a user, by id and name."""

    id = serializers.IntegerField()
    name = serializers.CharField()


def court_ref(court: Any) -> dict[str, Any] | None:
    return {"id": court.pk, "name": court.name} if court is not None else None


def user_ref(user: Any) -> dict[str, Any] | None:
    return {"id": user.pk, "name": user.display_name} if user is not None else None


def doc_ref(doc: Any) -> dict[str, Any] | None:
    return {"id": doc.pk, "name": doc.number} if doc is not None else None


class MatterListSerializer(serializers.ModelSerializer[Matter]):
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    supervising_court = serializers.SerializerMethodField()
    courts = serializers.SerializerMethodField()
    officer = serializers.SerializerMethodField()
    next_due = serializers.SerializerMethodField(help_text="最近的未完成期限的到期日")
    overdue = serializers.SerializerMethodField(help_text="是否有已超期的未完成期限")
    url = serializers.SerializerMethodField()

    def to_representation(self, instance: Matter) -> dict[str, Any]:
        data = super().to_representation(instance)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is not None and not user.is_superuser:
            from zhijian.org.scoping import visible_court_ids

            if instance.supervising_court_id not in visible_court_ids(user):
                data["finding"] = ""  # the bureau's internal review, hidden from a basic court
        return data

    class Meta:
        model = Matter
        fields = [
            "id", "number", "title", "state", "state_label", "supervising_court", "courts", "officer",
            "received_on", "registered_at", "channel", "expedited", "group_petition", "finding", "decision",
            "next_due", "overdue", "url", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(RefSerializer)
    def get_supervising_court(self, obj: Matter) -> dict[str, Any] | None:
        return court_ref(obj.supervising_court)

    @extend_schema_field(RefSerializer(many=True))
    def get_courts(self, obj: Matter) -> list[dict[str, Any]]:
        cached = getattr(obj, "api_courts", None)
        courts = cached if cached is not None else list(obj.courts.order_by("sort_order", "code"))
        return [{"id": c.pk, "name": c.name} for c in courts]

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_officer(self, obj: Matter) -> dict[str, Any] | None:
        return user_ref(obj.officer)

    def get_next_due(self, obj: Matter) -> str | None:
        due = getattr(obj, "api_next_due", None)
        return due.isoformat() if due else None

    def get_overdue(self, obj: Matter) -> bool:
        return bool(getattr(obj, "api_overdue", False))

    def get_url(self, obj: Matter) -> str:
        return reverse("api:matter-detail", args=[obj.pk])


class SourceSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    item = serializers.IntegerField(source="category.item", help_text="第三条第几项")
    category = serializers.CharField(source="category.name")
    body = serializers.CharField()
    doc_number = serializers.CharField()
    doc_date = serializers.DateField(allow_null=True)
    received_on = serializers.DateField()
    instructor = serializers.CharField()
    instruction = serializers.CharField()
    instruction_date = serializers.DateField(allow_null=True)
    report_back = serializers.BooleanField()
    report_rule = serializers.CharField()
    reported_on = serializers.DateField(allow_null=True)


class CaseLinkSerializer(serializers.Serializer[Any]):
    number = serializers.CharField()
    case_id = serializers.IntegerField(allow_null=True, help_text="已导入的执行案件；未导入时为空")


class DeadlineSerializer(serializers.Serializer[Any]):
    link = serializers.IntegerField(source="pk", help_text="申请延期时的 link")
    purpose = serializers.CharField()
    purpose_label = serializers.CharField(source="get_purpose_display")
    title = serializers.CharField(source="deadline.title")
    court = serializers.SerializerMethodField()
    rule_code = serializers.CharField(source="deadline.rule_code")
    start_date = serializers.DateField(source="deadline.start_date")
    due_date = serializers.DateField(source="deadline.due_date", allow_null=True)
    completed_on = serializers.DateField(source="deadline.completed_on", allow_null=True)
    status = serializers.SerializerMethodField(
        help_text="open 进行中 · overdue 已超期 · done 已完成 · late 超期完成"
    )
    letter = serializers.IntegerField(source="letter_id", allow_null=True)
    request = serializers.IntegerField(source="request_id", allow_null=True)
    source = serializers.IntegerField(source="source_id", allow_null=True)  # type: ignore[assignment]  # a field named like a Field attribute

    @extend_schema_field(RefSerializer)
    def get_court(self, obj: Any) -> dict[str, Any] | None:
        return court_ref(obj.deadline.court)

    def get_status(self, obj: Any) -> str:
        d = obj.deadline
        if d.completed_on is not None:
            return "late" if getattr(d, "late", False) else "done"
        return "overdue" if getattr(d, "overdue", False) else "open"


class AttachmentSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploaded_at = serializers.DateTimeField()
    download = serializers.SerializerMethodField(help_text="下载地址（GET，同样的令牌）")

    def get_download(self, obj: Any) -> str:
        from django.urls import reverse

        return reverse("api:attachment-download", args=[obj.pk])


class ReportSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    court = serializers.SerializerMethodField()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    mode = serializers.CharField()
    text = serializers.CharField()
    reporter = serializers.CharField()
    reported_on = serializers.DateField(allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    assessed_at = serializers.DateTimeField(allow_null=True)
    assessment = serializers.CharField()
    attachments = AttachmentSerializer(many=True, source="attachments.all")
    allowed_actions = serializers.SerializerMethodField(help_text="可办理的操作（请求体中带 report）")

    @extend_schema_field(RefSerializer)
    def get_court(self, obj: Any) -> dict[str, Any] | None:
        return court_ref(obj.court)

    def get_allowed_actions(self, obj: Any) -> list[str]:
        return api_actions.item_actions(self.context["user"], "report", getattr(obj, "actions", set()))


class LetterSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    court = serializers.SerializerMethodField()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    facts = serializers.CharField()
    requirements = serializers.CharField()
    report_length = serializers.IntegerField(allow_null=True)
    drafted_on = serializers.DateField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    issued_on = serializers.DateField(allow_null=True)
    document = serializers.SerializerMethodField(help_text="签发的公文（id 与文号）")
    contact_at_arrival = serializers.SerializerMethodField()
    signed_by = serializers.SerializerMethodField()
    signed_at = serializers.DateTimeField(allow_null=True)
    void_reason = serializers.CharField()
    reports = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField(help_text="可办理的操作（请求体中带 letter）")

    @extend_schema_field(RefSerializer)
    def get_court(self, obj: Any) -> dict[str, Any] | None:
        return court_ref(obj.court)

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_document(self, obj: Any) -> dict[str, Any] | None:
        return doc_ref(obj.document)

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_contact_at_arrival(self, obj: Any) -> dict[str, Any] | None:
        return user_ref(obj.contact_at_arrival)

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_signed_by(self, obj: Any) -> dict[str, Any] | None:
        return user_ref(obj.signed_by)

    @extend_schema_field(ReportSerializer(many=True))
    def get_reports(self, obj: Any) -> Any:
        return ReportSerializer(getattr(obj, "report_list", []), many=True, context=self.context).data

    def get_allowed_actions(self, obj: Any) -> list[str]:
        return api_actions.item_actions(self.context["user"], "letter", getattr(obj, "actions", set()))


class InfoRequestSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    court = serializers.SerializerMethodField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    details = serializers.CharField()
    meeting_at = serializers.DateTimeField(allow_null=True)
    place = serializers.CharField()
    attendees = serializers.CharField()
    sent_on = serializers.DateField()
    document = serializers.SerializerMethodField()
    answer = serializers.CharField()
    answered_at = serializers.DateTimeField(allow_null=True)
    allowed_actions = serializers.SerializerMethodField(help_text="可办理的操作（请求体中带 request）")

    @extend_schema_field(RefSerializer)
    def get_court(self, obj: Any) -> dict[str, Any] | None:
        return court_ref(obj.court)

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_document(self, obj: Any) -> dict[str, Any] | None:
        return doc_ref(obj.document)

    def get_allowed_actions(self, obj: Any) -> list[str]:
        return api_actions.item_actions(self.context["user"], "request", getattr(obj, "actions", set()))


class ExtensionSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    link = serializers.IntegerField(source="link_id")
    court = serializers.SerializerMethodField()
    length = serializers.IntegerField()
    reason = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    requested_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField()

    @extend_schema_field(RefSerializer)
    def get_court(self, obj: Any) -> dict[str, Any] | None:
        return court_ref(obj.court)


class TimelineSerializer(serializers.Serializer[Any]):
    at = serializers.DateTimeField()
    actor = serializers.SerializerMethodField()
    kind = serializers.CharField()
    action = serializers.CharField()
    text = serializers.CharField()
    court = serializers.IntegerField(source="court_id", allow_null=True)
    letter = serializers.IntegerField(source="letter_id", allow_null=True)

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_actor(self, obj: Any) -> dict[str, Any] | None:
        return user_ref(obj.actor)


class MeasureSerializer(serializers.Serializer[Any]):
    """A supervision measure (督促执行令, 指令纠正, 裁定, 共同执行, 暂缓执行 …), read-only."""

    id = serializers.IntegerField(source="pk")
    type = serializers.CharField(
        source="type.code", help_text="order/instruct/correct/elevate/designate/joint/plan/defer"
    )
    type_label = serializers.CharField(source="type.name")
    court = serializers.SerializerMethodField()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    case = serializers.CharField(source="case.number", default=None)
    document = serializers.SerializerMethodField()
    ruling_number = serializers.CharField()
    issued_on = serializers.DateField(allow_null=True)
    done_on = serializers.DateField(allow_null=True)
    listed_cases = serializers.IntegerField(source="item_count", default=0)
    open_cases = serializers.IntegerField(source="open_count", default=0)
    url = serializers.SerializerMethodField()

    def get_court(self, obj: Any) -> dict[str, Any] | None:
        return court_ref(obj.court)

    def get_document(self, obj: Any) -> dict[str, Any] | None:
        return doc_ref(obj.document)

    def get_url(self, obj: Any) -> str:
        return f"/matters/measures/{obj.pk}/"


class AllowedActionSerializer(serializers.Serializer[Any]):
    action = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like a Field attribute
    letter = serializers.IntegerField(required=False)
    report = serializers.IntegerField(required=False)
    request = serializers.IntegerField(required=False)


class MatterDetailSerializer(MatterListSerializer):
    """One matter, built from ``supervision.views.detail_context``: a basic-court user sees only
    its own court's letters, requests, deadlines, attachments, extensions and timeline entries."""

    complainant_id_number = serializers.SerializerMethodField(help_text="已脱敏")
    complainant_phone = serializers.SerializerMethodField(help_text="已脱敏")
    finding_label = serializers.CharField(source="get_finding_display", read_only=True)
    own_court = serializers.SerializerMethodField(help_text="基层法院用户：只显示本院的事项内容")
    sources = serializers.SerializerMethodField()
    cases = serializers.SerializerMethodField()
    deadlines = serializers.SerializerMethodField()
    letters = serializers.SerializerMethodField()
    requests = serializers.SerializerMethodField()
    extensions = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()
    measures = serializers.SerializerMethodField(help_text="监督措施（基层法院：本院的）")
    allowed_actions = serializers.SerializerMethodField(
        help_text="当前用户现在可以办理的操作，与页面上显示的按钮相同"
    )

    class Meta(MatterListSerializer.Meta):
        fields = [
            *MatterListSerializer.Meta.fields, "content", "external_ref", "anonymous", "complainant_name",
            "complainant_id_number", "complainant_phone", "complainant_address", "expedited_reason",
            "expedited_by", "finding_label", "review_opinion", "reviewed_at", "reply_mode", "reply_note",
            "replied_on", "result_summary", "concluded_on", "cancel_reason", "own_court", "sources", "cases",
            "deadlines", "letters", "requests", "extensions", "attachments", "timeline", "measures",
            "allowed_actions",
        ]  # fmt: skip
        read_only_fields = fields

    def _ctx(self) -> dict[str, Any]:
        return self.context["detail"]

    def to_representation(self, instance: Matter) -> dict[str, Any]:
        data = super().to_representation(instance)
        if self._ctx()["own_court"] is not None:
            # the city bureau's internal review, as on the page: the court learns from the letter
            data["review_opinion"] = ""
            data["finding"] = ""
            data["finding_label"] = ""
        return data

    def get_complainant_id_number(self, obj: Matter) -> str:
        return str(self._ctx()["complainant_id"])

    def get_complainant_phone(self, obj: Matter) -> str:
        return str(self._ctx()["complainant_phone"])

    def get_own_court(self, obj: Matter) -> int | None:
        own = self._ctx()["own_court"]
        return int(own) if own is not None else None

    @extend_schema_field(RefSerializer(many=True))
    def get_courts(self, obj: Matter) -> list[dict[str, Any]]:
        return [{"id": c.pk, "name": c.name} for c in self._ctx()["courts"]]

    @extend_schema_field(SourceSerializer(many=True))
    def get_sources(self, obj: Matter) -> Any:
        return SourceSerializer(self._ctx()["sources"], many=True).data

    @extend_schema_field(CaseLinkSerializer(many=True))
    def get_cases(self, obj: Matter) -> Any:
        return CaseLinkSerializer(self._ctx()["cases"], many=True).data

    @extend_schema_field(DeadlineSerializer(many=True))
    def get_deadlines(self, obj: Matter) -> Any:
        return DeadlineSerializer(self._ctx()["links"], many=True).data

    @extend_schema_field(LetterSerializer(many=True))
    def get_letters(self, obj: Matter) -> Any:
        return LetterSerializer(self._ctx()["letters"], many=True, context=self.context).data

    @extend_schema_field(InfoRequestSerializer(many=True))
    def get_requests(self, obj: Matter) -> Any:
        return InfoRequestSerializer(self._ctx()["requests"], many=True, context=self.context).data

    @extend_schema_field(ExtensionSerializer(many=True))
    def get_extensions(self, obj: Matter) -> Any:
        return ExtensionSerializer(self._ctx()["extensions"], many=True).data

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, obj: Matter) -> Any:
        return AttachmentSerializer(self._ctx()["attachments"], many=True).data

    @extend_schema_field(TimelineSerializer(many=True))
    def get_timeline(self, obj: Matter) -> Any:
        return TimelineSerializer(self._ctx()["timeline"], many=True).data

    @extend_schema_field(MeasureSerializer(many=True))
    def get_measures(self, obj: Matter) -> Any:
        return MeasureSerializer(self._ctx()["measures"], many=True).data

    @extend_schema_field(AllowedActionSerializer(many=True))
    def get_allowed_actions(self, obj: Matter) -> list[dict[str, Any]]:
        return api_actions.allowed_actions(self.context["user"], self._ctx())


# --- input -------------------------------------------------------------------------------------


class SourceInputSerializer(serializers.Serializer[Any]):
    category = serializers.IntegerField(label="监督来源类别", help_text="第三条的项（1、2、3、5、6、7）")
    body = serializers.CharField(label="来文单位/来源", max_length=100)
    received_on = serializers.DateField(label="收到日期", required=False, help_text="缺省为事项的收到日期")
    doc_number = serializers.CharField(
        label="来文文号", required=False, allow_blank=True, default="", max_length=80
    )
    doc_date = serializers.DateField(label="来文日期", required=False, allow_null=True, default=None)
    instructor = serializers.CharField(
        label="批示人", required=False, allow_blank=True, default="", max_length=60
    )
    instruction = serializers.CharField(label="批示内容", required=False, allow_blank=True, default="")
    instruction_date = serializers.DateField(label="批示日期", required=False, allow_null=True, default=None)
    report_back = serializers.BooleanField(label="须报告结果", required=False, default=False)
    report_rule = serializers.ChoiceField(
        label="报告期限规则",
        choices=sorted(services.SOURCE_RULES),
        required=False,
        allow_blank=True,
        default="",
    )
    report_by = serializers.DateField(label="报告期限", required=False, allow_null=True, default=None)


class MatterCreateSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(label="事由", max_length=200)
    received_on = serializers.DateField(label="收到日期")
    sources = SourceInputSerializer(label="监督来源", many=True, allow_empty=False)
    courts = serializers.ListField(
        label="被监督法院", child=serializers.IntegerField(), required=False, default=list,
        help_text="法院 id；也可由关联案号识别",
    )  # fmt: skip
    case_numbers = serializers.ListField(
        label="关联案号", child=serializers.CharField(max_length=60), required=False, default=list
    )
    content = serializers.CharField(label="主要内容", required=False, allow_blank=True, default="")
    channel = serializers.ChoiceField(
        label="来文渠道", choices=Channel.choices, required=False, default="paper"
    )
    external_ref = serializers.CharField(
        label="外部编号", required=False, allow_blank=True, default="", max_length=80
    )
    anonymous = serializers.BooleanField(label="匿名来信", required=False, default=False)
    complainant_name = serializers.CharField(
        label="来信来访人", required=False, allow_blank=True, default="", max_length=60
    )
    complainant_id_number = serializers.CharField(
        label="证件号码", required=False, allow_blank=True, default="", max_length=30
    )
    complainant_phone = serializers.CharField(
        label="联系电话", required=False, allow_blank=True, default="", max_length=30
    )
    complainant_address = serializers.CharField(
        label="地址", required=False, allow_blank=True, default="", max_length=200
    )
    group_petition = serializers.BooleanField(label="群体上访", required=False, default=False)
    expedited = serializers.BooleanField(label="特事特办", required=False, default=False)
    expedited_reason = serializers.CharField(
        label="特事特办事由", required=False, allow_blank=True, default="", max_length=200
    )
    expedited_by = serializers.CharField(
        label="要求特事特办的机关", required=False, allow_blank=True, default="", max_length=100
    )
    officer = serializers.IntegerField(label="承办监督员", required=False, allow_null=True, default=None)
    confirm_new = serializers.BooleanField(
        label="确认新登记", required=False, default=False,
        help_text="存在可能重复的事项时，须为 true 才登记为新事项",
    )  # fmt: skip


class TransitionSerializer(serializers.Serializer[Any]):
    """One action on a matter. ``action`` names it as on the pages; the other fields are those of
    the page's form for that action (unused ones are ignored). Files (报告材料, 答复笔录, 附件)
    may be sent as multipart ``files`` / ``transcript``."""

    action = serializers.ChoiceField(label="操作", choices=sorted(api_actions.ACTION_LABELS))
    letter = serializers.IntegerField(label="督办函", required=False)
    report = serializers.IntegerField(label="报告", required=False)
    request = serializers.IntegerField(label="通知", required=False)
    extension = serializers.IntegerField(label="延期申请", required=False)
    link = serializers.IntegerField(label="期限", required=False, help_text="deadlines[].link")
    source = serializers.IntegerField(label="来源", required=False, help_text="sources[].id")  # type: ignore[assignment]  # a field named like a Field attribute
    officer = serializers.IntegerField(label="承办人", required=False)
    court = serializers.IntegerField(label="被监督法院", required=False)
    finding = serializers.ChoiceField(
        label="审查结论", choices=Finding.choices, required=False, allow_blank=True
    )
    opinion = serializers.CharField(label="审查意见", required=False, allow_blank=True, default="")
    comment = serializers.CharField(label="意见", required=False, allow_blank=True, default="")
    reason = serializers.CharField(label="理由", required=False, allow_blank=True, default="")
    text = serializers.CharField(label="内容", required=False, allow_blank=True, default="")
    summary = serializers.CharField(label="办理结果", required=False, allow_blank=True, default="")
    note = serializers.CharField(label="说明", required=False, allow_blank=True, default="")
    assessment = serializers.CharField(label="审核意见", required=False, allow_blank=True, default="")
    answer = serializers.CharField(label="答复内容", required=False, allow_blank=True, default="")
    facts = serializers.CharField(label="反映的问题", required=False, allow_blank=True, default="")
    requirements = serializers.CharField(label="督办要求", required=False, allow_blank=True, default="")
    report_length = serializers.IntegerField(
        label="报告期限（日）", required=False, allow_null=True, default=None
    )
    mode = serializers.CharField(
        label="方式", required=False, allow_blank=True, default="",
        help_text=f"报告：{'/'.join(ReportMode.values)}；答复：{'/'.join(services.REPLY_MODES)}",
    )  # fmt: skip
    reporter = serializers.CharField(label="汇报人", required=False, allow_blank=True, default="")
    reported_on = serializers.DateField(label="汇报日期", required=False, allow_null=True, default=None)
    addressee = serializers.CharField(label="答复对象", required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(
        label="通知类别", choices=RequestKind.choices, required=False, allow_blank=True
    )
    details = serializers.CharField(label="通知要求", required=False, allow_blank=True, default="")
    meeting_at = serializers.DateTimeField(label="汇报时间", required=False, allow_null=True, default=None)
    place = serializers.CharField(label="汇报地点", required=False, allow_blank=True, default="")
    attendees = serializers.CharField(label="参加人员", required=False, allow_blank=True, default="")
    length = serializers.IntegerField(label="延长天数", required=False, allow_null=True, default=None)
    approve = serializers.BooleanField(label="批准", required=False, default=False)
    issue_letter = serializers.BooleanField(label="同时制发报告公文", required=False, default=True)
    title = serializers.CharField(label="事由", required=False, allow_blank=True)
    content = serializers.CharField(label="主要内容", required=False, allow_blank=True)
    external_ref = serializers.CharField(label="外部编号", required=False, allow_blank=True)
    case_numbers = serializers.ListField(
        label="关联案号", child=serializers.CharField(), required=False, default=list
    )
    new_source = SourceInputSerializer(label="追加的来源", required=False, help_text="add_source 的来源")
