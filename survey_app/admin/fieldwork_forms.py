"""Forms of the fieldwork pages: dispositions, deadlines, a unit's due date, reminders."""
from __future__ import annotations

from flask_babel import lazy_gettext as _
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Optional

from survey_app.admin.fields import DateField, SelectField, at_most, given, options
from survey_app.operations.dispositions import STAFF_DISPOSITIONS
from survey_app.refusals import N_

DISPOSITION_LABELS = {
    "complete": N_("Hoàn thành"),
    "partial": N_("Trả lời dở"),
    "refusal": N_("Từ chối"),
    "non_contact": N_("Không liên hệ được"),
    "unable": N_("Không thể trả lời (ốm, ngôn ngữ…)"),
    "unknown": N_("Chưa rõ"),
    "ineligible": N_("Không thuộc đối tượng"),
}
DEADLINE_LABELS = {
    "fieldwork_ends": N_("Kết thúc thu thập"),
    "units_report": N_("Hạn các đơn vị hoàn thành"),
    "results_due": N_("Hạn công bố kết quả"),
}
REMINDER_CHANNEL_LABELS = {"email": N_("Thư điện tử"), "xlsx": N_("Danh sách cho đầu mối")}
REMINDER_OUTCOME_LABELS = {"sent": N_("Đã gửi"), "failed": N_("Gửi lỗi"),
                           "listed": N_("Đã đưa vào danh sách")}
SOURCE_LABELS = {"submission": N_("Phiếu đã gửi"), "draft": N_("Lưu nháp"),
                 "mail": N_("Thư bị trả lại"), "staff": N_("Cán bộ ghi nhận")}


class DispositionForm(FlaskForm):
    disposition = SelectField(_("Kết quả liên hệ"), validators=[given()],
                              choices=options([(code, _(DISPOSITION_LABELS[code]))
                                               for code in STAFF_DISPOSITIONS]))
    note = TextAreaField(_("Ghi chú"), validators=[Optional(), at_most(500)])


class DeadlinesForm(FlaskForm):
    fieldwork_ends = DateField(_(DEADLINE_LABELS["fieldwork_ends"]), validators=[Optional()])
    units_report = DateField(_(DEADLINE_LABELS["units_report"]), validators=[Optional()])
    results_due = DateField(_(DEADLINE_LABELS["results_due"]), validators=[Optional()])


class UnitDueForm(FlaskForm):
    unit_id = SelectField(_("Đơn vị được đánh giá"), coerce=int, validators=[given()])
    due_on = DateField(_("Hạn của đơn vị"), validators=[Optional()])


class UnitChoiceForm(FlaskForm):
    """Which unit's unanswered invitations to list (empty: every unit the user may see)."""

    unit = StringField(_("Đơn vị"), validators=[Optional(), at_most(20)])
