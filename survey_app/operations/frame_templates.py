"""What a frame file must hold, in words, and an empty XLSX template whose headers the frame reader
accepts back as they are (``sampling.frames``: every heading here is one of its column aliases).

Headings are the Vietnamese names officials type; the page shows each with what it holds (in the
page's language) and the other header names the reader also accepts.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext

from survey_app.operations.frames import frame_spec
from survey_app.refusals import N_

# (frame kind, column) → the heading of the template (a Vietnamese alias of the column).
HEADINGS = {
    ("sipas_dossiers", "dossier_id"): "Mã hồ sơ",
    ("sipas_dossiers", "unit_code"): "Mã đơn vị",
    ("sipas_dossiers", "procedure"): "Tên thủ tục",
    ("sipas_dossiers", "completed_date"): "Ngày trả kết quả",
    ("sipas_dossiers", "name"): "Họ và tên",
    ("sipas_dossiers", "phone"): "Số điện thoại",
    ("sipas_dossiers", "email"): "Thư điện tử",
    ("officials", "person_id"): "Mã cán bộ",
    ("officials", "unit_code"): "Mã đơn vị",
    ("officials", "group"): "Nhóm đối tượng",
    ("officials", "name"): "Họ và tên",
    ("officials", "phone"): "Số điện thoại",
    ("officials", "email"): "Thư điện tử",
    ("communes", "unit_code"): "Mã đơn vị",
    ("communes", "name"): "Tên đơn vị",
    ("communes", "population"): "Dân số",
}
# (frame kind, column) → what the column holds (a catalogue id).
MEANINGS = {
    ("sipas_dossiers", "dossier_id"): N_("Mã hồ sơ trên hệ thống một cửa; không trùng nhau."),
    ("sipas_dossiers", "unit_code"): N_("Mã đơn vị đã giải quyết hồ sơ, như trong danh sách "
                                        "đơn vị của đợt."),
    ("sipas_dossiers", "procedure"): N_("Tên thủ tục hành chính."),
    ("sipas_dossiers", "completed_date"): N_("Ngày trả kết quả, dạng dd/mm/yyyy."),
    ("sipas_dossiers", "name"): N_("Họ và tên người nộp hồ sơ (dữ liệu cá nhân, được che)."),
    ("sipas_dossiers", "phone"): N_("Số điện thoại để mời khảo sát (dữ liệu cá nhân, được che)."),
    ("sipas_dossiers", "email"): N_("Địa chỉ thư điện tử (dữ liệu cá nhân, được che)."),
    ("officials", "person_id"): N_("Mã của người trong danh sách; không trùng nhau."),
    ("officials", "unit_code"): N_("Mã đơn vị nơi người đó công tác."),
    ("officials", "group"): N_("Nhóm đối tượng khảo sát của người đó."),
    ("officials", "name"): N_("Họ và tên (dữ liệu cá nhân, được che)."),
    ("officials", "phone"): N_("Số điện thoại (dữ liệu cá nhân, được che)."),
    ("officials", "email"): N_("Địa chỉ thư điện tử (dữ liệu cá nhân, được che)."),
    ("communes", "unit_code"): N_("Mã xã, phường, đặc khu; không trùng nhau."),
    ("communes", "name"): N_("Tên xã, phường, đặc khu."),
    ("communes", "population"): N_("Dân số, số nguyên không âm."),
}
GUIDE_SHEET = "huong-dan"


@dataclass(frozen=True)
class TemplateColumn:
    """One column of a frame template: its heading, whether it is required, what it holds (in the
    page's language) and the other header names accepted."""

    heading: str
    required: bool
    meaning: str
    aliases: tuple[str, ...]


def template_columns(kind: str) -> list[TemplateColumn]:
    """The columns of a frame of ``kind``, in the reader's order; refused for an unknown kind."""
    spec = frame_spec(kind)
    out = []
    for column in spec.columns:
        heading = HEADINGS.get((kind, column.name), column.name)
        aliases = tuple(name for name in (column.name, *column.aliases)
                        if name.casefold() != heading.casefold())
        meaning = MEANINGS.get((kind, column.name))
        out.append(TemplateColumn(heading, column.required,
                                  gettext(meaning) if meaning else "", aliases))
    return out


def frame_template_tables(kind: str) -> dict:
    """The template's sheets: the empty frame (headings only, read first by the frame reader)
    and a guide listing each column, required or not, and what it holds."""
    columns = template_columns(kind)
    guide = [(c.heading, gettext("Bắt buộc") if c.required else gettext("Không bắt buộc"),
              c.meaning, ", ".join(c.aliases)) for c in columns]
    guide_headers = (gettext("Cột"), gettext("Bắt buộc"), gettext("Nội dung"),
                     gettext("Tên cột khác được chấp nhận"))
    return {kind: ([c.heading for c in columns], []), GUIDE_SHEET: (guide_headers, guide)}


def frame_template_filename(kind: str) -> str:
    frame_spec(kind)
    return f"mau-khung-{kind.replace('_', '-')}.xlsx"
