"""Forms of the staff pages (Flask-WTF, so every POST carries a CSRF token).

Labels are catalogue ids (Vietnamese) translated lazily, when a page shows them; the fields and
checks of ``survey_app.admin.fields`` say their refusals in the page's language.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, StringField
from wtforms.validators import Optional

from sampling.plan import MAX_SEED
from survey_app.admin.fields import (
    DateField,
    DecimalField,
    IntegerField,
    Said,
    SelectField,
    at_most,
    between,
    given,
    identifier,
    options,
    required,
)
from survey_app.downloads import IDENTIFIER
from survey_app.labels import ALLOCATION_LABELS, SIZE_MODE_LABELS, UNIT_TYPE_LABELS
from survey_app.models import UNIT_TYPES
from survey_app.refusals import N_

__all__ = ["options"]  # the views build their choices with it


def named(table: dict[str, str]) -> list:
    """Select choices of a label table of ``survey_app.labels``, translated when shown."""
    return options([(code, _(message_id)) for code, message_id in table.items()])


assert list(UNIT_TYPE_LABELS) == list(UNIT_TYPES)
UNIT_TYPE_CHOICES = named(UNIT_TYPE_LABELS)


class ActionForm(FlaskForm):
    """A bare form for buttons that POST (status change, revoke): carries only the CSRF token."""


class RoundForm(FlaskForm):
    code = StringField(_("Mã đợt"), validators=[
        required(), at_most(40), identifier(IDENTIFIER.pattern + "$")])
    province_id = SelectField(_("Tỉnh"), coerce=int, validators=[given()])
    year = IntegerField(_("Năm"), validators=[given(), between(2000, 2100)])
    period = StringField(_("Kỳ"), validators=[at_most(60)])
    title = StringField(_("Tên đợt"), validators=[required(), at_most(300)])
    opens_on = DateField(_("Ngày mở"), validators=[Optional()])
    closes_on = DateField(_("Ngày đóng"), validators=[Optional()])
    anonymous = BooleanField(_("Ẩn danh"), default=True)


class RatingCellForm(FlaskForm):
    # Choices: the round's groups by name (operations.matrix); an unknown group is refused there.
    respondent_group = SelectField(
        _("Nhóm người trả lời"), validate_choice=False, validators=[required()]
    )
    unit_type = SelectField(_("Loại đơn vị được đánh giá"), choices=UNIT_TYPE_CHOICES)
    questionnaire_id = SelectField(_("Phiếu khảo sát"), coerce=int, validators=[given()])
    quota = IntegerField(
        _("Chỉ tiêu phiếu mỗi đơn vị"), validators=[given(), between(0, 100000)]
    )


class FrameUploadForm(FlaskForm):
    kind = SelectField(_("Loại khung mẫu"))
    file = FileField(_("Tệp CSV hoặc XLSX"), validators=[
        Said(FileRequired(), N_("Trường này là bắt buộc."))])


class PlanForm(FlaskForm):
    """Sample design: size (given, or from margin and confidence), strata, allocation, method."""

    size_mode = SelectField(_("Cỡ mẫu"), choices=named(SIZE_MODE_LABELS), default="cochran")
    n = IntegerField(_("Cỡ mẫu n"), validators=[Optional(), between(1)])
    margin = DecimalField(
        _("Sai số"), default=0.05, places=3, validators=[Optional(), between(0.001, 0.5)]
    )
    confidence = DecimalField(
        _("Độ tin cậy"), default=0.95, places=3, validators=[Optional(), between(0.5, 0.999)]
    )
    p = DecimalField(
        _("Tỷ lệ kỳ vọng"), default=0.5, places=3, validators=[Optional(), between(0.01, 0.99)]
    )
    deff = DecimalField(
        _("Hiệu ứng thiết kế"), default=1.0, places=2, validators=[Optional(), between(1.0, 20.0)]
    )
    response_rate = DecimalField(
        _("Tỷ lệ phản hồi dự kiến"),
        default=1.0,
        places=2,
        validators=[Optional(), between(0.05, 1.0)],
    )
    per_stratum = BooleanField(_("Tính cỡ mẫu riêng cho từng tầng"))
    strata_column = SelectField(_("Phân tầng theo cột"))
    allocation = SelectField(
        _("Phân bổ"), choices=named(ALLOCATION_LABELS), default="proportional"
    )
    sds = StringField(_("Độ lệch chuẩn từng tầng (Neyman), ví dụ A=5; B=10,5"))
    minimum = IntegerField(
        _("Tối thiểu mỗi tầng"), default=0, validators=[Optional(), between(0)]
    )
    size_column = SelectField(_("Cột quy mô (PPS)"))
    method = SelectField(
        _("Cách chọn"),
        choices=options(
            [
                ("srs", _("Ngẫu nhiên đơn giản")),
                ("systematic", _("Chọn hệ thống")),
                ("pps_systematic", _("PPS hệ thống")),
                ("two_stage",
                 _("Hai giai đoạn: đơn vị cấp 1 theo PPS, rồi ngẫu nhiên trong mỗi đơn vị")),
            ]
        ),
        default="srs",
    )
    psu_column = SelectField(_("Cột đơn vị cấp 1 (hai giai đoạn)"), default="")
    n_psu = IntegerField(
        _("Số đơn vị cấp 1 cần chọn"), validators=[Optional(), between(1)]
    )
    per_psu = IntegerField(
        _("Số người mỗi đơn vị cấp 1"), validators=[Optional(), between(1)]
    )
    psu_size_column = SelectField(_("Quy mô đơn vị cấp 1"), default="")
    psu_replacements = IntegerField(
        _("Số đơn vị cấp 1 dự phòng"), default=0, validators=[Optional(), between(0)]
    )
    replacements = IntegerField(
        _("Số dự phòng mỗi tầng (hai giai đoạn: mỗi đơn vị cấp 1)"),
        default=5,
        validators=[Optional(), between(0)],
    )
    seed = IntegerField(
        _("Hạt giống ngẫu nhiên (để trống để tạo mới)"),
        validators=[Optional(), between(0, MAX_SEED)],
    )


class BackcheckForm(FlaskForm):
    fraction = DecimalField(
        _("Tỷ lệ phúc tra"), default=0.1, places=2, validators=[given(), between(0.01, 1.0)]
    )


class InvitationForm(FlaskForm):
    cell_id = SelectField(
        _("Ô ma trận (nhóm × loại đơn vị)"), coerce=int, validators=[given()]
    )
    output = SelectField(
        _("Tải về"),
        choices=options(
            [("xlsx", "Excel (XLSX)"), ("csv", "CSV"), ("cards", _("Thẻ in A4"))]
        ),
    )
    include_replacements = BooleanField(_("Cả danh sách dự phòng"))


class EntryPointForm(FlaskForm):
    """The questionnaire is not chosen: the round's rating matrix gives it for the unit's type and
    the respondent group (choices: the matrix's groups by name; an unknown one is refused)."""

    unit_id = SelectField(_("Đơn vị"), coerce=int, validators=[given()])
    counter = StringField(_("Quầy, điểm phục vụ"), validators=[at_most(200)])
    respondent_group = SelectField(
        _("Nhóm người trả lời"), validate_choice=False, validators=[required()]
    )


class InvitationFilterForm(FlaskForm):
    """Filters of the invitation list (a GET form: no CSRF token needed)."""

    class Meta:
        csrf = False

    status = SelectField(
        _("Trạng thái"),
        choices=options([("", _("Mọi trạng thái")), ("issued", _("Chưa dùng")),
                         ("used", _("Đã dùng")), ("revoked", _("Đã thu hồi"))]),
        default="",
    )
    unit = SelectField(_("Đơn vị được đánh giá"), default="")
    page = IntegerField(_("Trang"), default=1, validators=[Optional(), between(1)])


class RevokeUnitForm(FlaskForm):
    unit_id = SelectField(_("Đơn vị được đánh giá"), coerce=int, validators=[given()])
