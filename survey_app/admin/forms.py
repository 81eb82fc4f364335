"""Forms of the staff pages (Flask-WTF, so every POST carries a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectChoice, StringField, fields
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from sampling.plan import MAX_SEED
from survey_app.downloads import IDENTIFIER, IDENTIFIER_MESSAGE_EN, IDENTIFIER_MESSAGE_VI
from survey_app.models import UNIT_TYPES


def options(pairs) -> list[SelectChoice]:
    """``(value, label)`` pairs as WTForms select choices."""
    return [SelectChoice(value, label) for value, label in pairs]


REQUIRED = "Trường này là bắt buộc / this field is required."


def between(low: float | None, high: float | None = None) -> NumberRange:
    """A range check whose message is a Vietnamese and English sentence."""
    if high is None:
        message = f"Giá trị phải từ {low} trở lên / the value must be at least {low}."
    else:
        message = f"Giá trị phải từ {low} đến {high} / the value must lie between {low} and {high}."
    return NumberRange(low, high, message=message)


def at_most(characters: int) -> Length:
    return Length(
        max=characters, message=f"Tối đa {characters} ký tự / at most {characters} characters."
    )


class _BilingualParse:
    """Replaces WTForms' English parse errors by a Vietnamese and English sentence."""

    parse_message = ""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(self.parse_message) from None


class IntegerField(_BilingualParse, fields.IntegerField):
    parse_message = "Hãy nhập một số nguyên / enter a whole number."


class DecimalField(_BilingualParse, fields.DecimalField):
    parse_message = (
        "Hãy nhập một số, dùng dấu chấm cho phần thập phân / enter a number with a decimal point."
    )


class DateField(_BilingualParse, fields.DateField):
    parse_message = "Hãy nhập ngày theo dạng yyyy-mm-dd / enter a date as yyyy-mm-dd."


class SelectField(_BilingualParse, fields.SelectField):
    parse_message = "Lựa chọn không hợp lệ / not a valid choice."

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(self.parse_message) from None


UNIT_TYPE_PAIRS = [
    ("agency", "Sở, ban, ngành / agency"),
    ("commune", "UBND cấp xã / commune"),
    ("district", "UBND cấp huyện / district"),
]
assert [value for value, _ in UNIT_TYPE_PAIRS] == list(UNIT_TYPES)
UNIT_TYPE_CHOICES = options(UNIT_TYPE_PAIRS)


class ActionForm(FlaskForm):
    """A bare form for buttons that POST (status change, revoke): carries only the CSRF token."""


class RoundForm(FlaskForm):
    code = StringField("Mã đợt / code", validators=[
        DataRequired(REQUIRED), at_most(40),
        Regexp(IDENTIFIER.pattern + "$",
               message=f"{IDENTIFIER_MESSAGE_VI} / {IDENTIFIER_MESSAGE_EN}")])
    province_id = SelectField("Tỉnh / province", coerce=int, validators=[InputRequired(REQUIRED)])
    year = IntegerField("Năm / year", validators=[InputRequired(REQUIRED), between(2000, 2100)])
    period = StringField("Kỳ / period", validators=[at_most(60)])
    title = StringField("Tên đợt / title", validators=[DataRequired(REQUIRED), at_most(300)])
    opens_on = DateField("Ngày mở / opens on", validators=[Optional()])
    closes_on = DateField("Ngày đóng / closes on", validators=[Optional()])
    anonymous = BooleanField("Ẩn danh / anonymous", default=True)


class RatingCellForm(FlaskForm):
    respondent_group = StringField(
        "Nhóm người trả lời / respondent group", validators=[DataRequired(REQUIRED), at_most(32)]
    )
    unit_type = SelectField(
        "Loại đơn vị được đánh giá / assessed unit type", choices=UNIT_TYPE_CHOICES
    )
    questionnaire_id = SelectField(
        "Phiếu / questionnaire", coerce=int, validators=[InputRequired(REQUIRED)]
    )
    quota = IntegerField(
        "Chỉ tiêu phiếu mỗi đơn vị / forms per unit",
        validators=[InputRequired(REQUIRED), between(0, 100000)],
    )


class FrameUploadForm(FlaskForm):
    kind = SelectField("Loại khung mẫu / frame kind")
    file = FileField("Tệp CSV hoặc XLSX / CSV or XLSX file", validators=[FileRequired(REQUIRED)])


class PlanForm(FlaskForm):
    """Sample design: size (given, or computed from margin and confidence), strata, allocation, method."""

    size_mode = SelectField(
        "Cỡ mẫu / sample size",
        choices=options(
            [
                ("cochran", "Tính theo sai số (Cochran) / from the margin of error (Cochran)"),
                ("slovin", "Công thức Slovin / Slovin's formula"),
                ("fixed", "Nhập cỡ mẫu / enter n"),
            ]
        ),
        default="cochran",
    )
    n = IntegerField("Cỡ mẫu n / n", validators=[Optional(), between(1)])
    margin = DecimalField(
        "Sai số / margin of error",
        default=0.05,
        places=3,
        validators=[Optional(), between(0.001, 0.5)],
    )
    confidence = DecimalField(
        "Độ tin cậy / confidence",
        default=0.95,
        places=3,
        validators=[Optional(), between(0.5, 0.999)],
    )
    p = DecimalField(
        "Tỷ lệ kỳ vọng / expected proportion",
        default=0.5,
        places=3,
        validators=[Optional(), between(0.01, 0.99)],
    )
    deff = DecimalField(
        "Hiệu ứng thiết kế / design effect",
        default=1.0,
        places=2,
        validators=[Optional(), between(1.0, 20.0)],
    )
    response_rate = DecimalField(
        "Tỷ lệ phản hồi dự kiến / expected response rate",
        default=1.0,
        places=2,
        validators=[Optional(), between(0.05, 1.0)],
    )
    per_stratum = BooleanField("Tính cỡ mẫu riêng cho từng tầng / size each stratum separately")
    strata_column = SelectField("Phân tầng theo cột / stratify by column")
    allocation = SelectField(
        "Phân bổ / allocation",
        choices=options(
            [
                ("proportional", "Tỷ lệ / proportional"),
                ("equal", "Bằng nhau / equal"),
                ("neyman", "Neyman"),
            ]
        ),
        default="proportional",
    )
    sds = StringField("Độ lệch chuẩn từng tầng (Neyman), ví dụ A=5; B=10 / stratum SDs for Neyman")
    minimum = IntegerField(
        "Tối thiểu mỗi tầng / minimum per stratum", default=0, validators=[Optional(), between(0)]
    )
    size_column = SelectField("Cột quy mô (PPS) / size column (PPS)")
    method = SelectField(
        "Cách chọn / selection method",
        choices=options(
            [
                ("srs", "Ngẫu nhiên đơn giản / simple random"),
                ("systematic", "Hệ thống / systematic"),
                ("pps_systematic", "PPS hệ thống / PPS systematic"),
                (
                    "two_stage",
                    (
                        "Hai giai đoạn: đơn vị cấp 1 theo PPS, rồi ngẫu nhiên trong mỗi đơn vị / "
                        "two-stage: PSUs by PPS, then random within each"
                    ),
                ),
            ]
        ),
        default="srs",
    )
    psu_column = SelectField(
        "Cột đơn vị cấp 1 (hai giai đoạn) / primary-unit column (two-stage)", default=""
    )
    n_psu = IntegerField(
        "Số đơn vị cấp 1 cần chọn / primary units to select",
        validators=[Optional(), between(1)],
    )
    per_psu = IntegerField(
        "Số người mỗi đơn vị cấp 1 / respondents per primary unit",
        validators=[Optional(), between(1)],
    )
    psu_size_column = SelectField(
        "Quy mô đơn vị cấp 1 / primary-unit size (PPS measure)", default=""
    )
    psu_replacements = IntegerField(
        "Số đơn vị cấp 1 dự phòng / replacement primary units",
        default=0,
        validators=[Optional(), between(0)],
    )
    replacements = IntegerField(
        "Số dự phòng mỗi tầng (hai giai đoạn: mỗi đơn vị cấp 1) / replacements per stratum "
        "(two-stage: per primary unit)",
        default=5,
        validators=[Optional(), between(0)],
    )
    seed = IntegerField(
        "Hạt giống ngẫu nhiên (để trống để tạo mới) / seed (blank for a new one)",
        validators=[Optional(), between(0, MAX_SEED)],
    )


class BackcheckForm(FlaskForm):
    fraction = DecimalField(
        "Tỷ lệ phúc tra / back-check share",
        default=0.1,
        places=2,
        validators=[InputRequired(REQUIRED), between(0.01, 1.0)],
    )


class InvitationForm(FlaskForm):
    cell_id = SelectField(
        "Ô ma trận (nhóm × loại đơn vị) / matrix cell",
        coerce=int,
        validators=[InputRequired(REQUIRED)],
    )
    output = SelectField(
        "Tải về / download as",
        choices=options(
            [("xlsx", "Excel (XLSX)"), ("csv", "CSV"), ("cards", "Thẻ in A4 / printable A4 cards")]
        ),
    )
    include_replacements = BooleanField("Cả danh sách dự phòng / include replacements")


class EntryPointForm(FlaskForm):
    unit_id = SelectField("Đơn vị / unit", coerce=int, validators=[InputRequired(REQUIRED)])
    counter = StringField("Quầy, điểm phục vụ / counter", validators=[at_most(200)])
    questionnaire_id = SelectField(
        "Phiếu / questionnaire", coerce=int, validators=[InputRequired(REQUIRED)]
    )


INVITATION_STATUS_PAIRS = [
    ("", "Mọi trạng thái / any status"),
    ("issued", "Chưa dùng / unused"),
    ("used", "Đã dùng / used"),
    ("revoked", "Đã thu hồi / revoked"),
]


class InvitationFilterForm(FlaskForm):
    """Filters of the invitation list (a GET form: no CSRF token needed)."""

    class Meta:
        csrf = False

    status = SelectField(
        "Trạng thái / status", choices=options(INVITATION_STATUS_PAIRS), default=""
    )
    unit = SelectField("Đơn vị được đánh giá / rated unit", default="")
    page = IntegerField("Trang / page", default=1, validators=[Optional(), between(1)])


class RevokeUnitForm(FlaskForm):
    unit_id = SelectField(
        "Đơn vị được đánh giá / rated unit", coerce=int, validators=[InputRequired(REQUIRED)]
    )
