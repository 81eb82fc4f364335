"""A round's documents as files: the results report (docx, pdf), the officials' workbook (xlsx)
and the per-unit sheets (pdf)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import force_locale

from survey_app.spreadsheets import XLSX_MIMETYPE

LANGUAGES = ("vi", "en")
REPORT_FORMATS = ("docx", "pdf")
MIMETYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "xlsx": XLSX_MIMETYPE,
}


@dataclass(frozen=True)
class ReportFile:
    content: bytes
    filename: str
    mimetype: str


def _name(sources, stem: str, lang: str, fmt: str) -> str:
    info = sources.contract["round"]
    draft = "-draft" if info["status"] != "published" else ""
    return f"{info['code']}-{stem}-{lang}{draft}.{fmt}"


def report_file(sources, fmt: str, lang: str = "vi") -> ReportFile:
    """The results report of :class:`~survey_app.operations.reports.ReportSources`, docx or pdf."""
    from survey_app.reports.content import build_report

    if fmt not in REPORT_FORMATS or lang not in LANGUAGES:
        raise ValueError(f"format {fmt!r} / language {lang!r}")
    with force_locale(lang):
        doc = build_report(sources, lang)
        if fmt == "pdf":
            from survey_app.reports.pdf import document_pdf

            content = document_pdf(doc)
        else:
            from survey_app.reports.word import document_docx

            content = document_docx(doc)
    return ReportFile(content, _name(sources, "bao-cao-ket-qua", lang, fmt), MIMETYPES[fmt])


def unit_sheets_file(sources, lang: str = "vi") -> ReportFile:
    """The per-unit result sheets, one page per unit, as one PDF."""
    from survey_app.reports.pdf import document_pdf
    from survey_app.reports.unit_sheets import build_unit_sheets

    with force_locale(lang):
        content = document_pdf(build_unit_sheets(sources, lang))
    return ReportFile(
        content, _name(sources, "phieu-ket-qua-don-vi", lang, "pdf"), MIMETYPES["pdf"]
    )


def officials_xlsx_file(sources, lang: str = "vi") -> ReportFile:
    """The officials' workbook (ranking order, names beside codes, two decimals)."""
    from survey_app.reports.xlsx import officials_xlsx

    with force_locale(lang):
        content = officials_xlsx(sources, lang)
    return ReportFile(content, _name(sources, "bang-xep-hang", lang, "xlsx"), MIMETYPES["xlsx"])


# A round's documents by the name in their address; each is built by (sources, lang).
DOCUMENTS = {
    "report.pdf": lambda sources, lang: report_file(sources, "pdf", lang),
    "report.docx": lambda sources, lang: report_file(sources, "docx", lang),
    "tables.xlsx": officials_xlsx_file,
    "unit-sheets.pdf": unit_sheets_file,
}


def render_document(name: str, sources, lang: str = "vi") -> ReportFile:
    """The document ``name`` (a key of :data:`DOCUMENTS`) of ``sources`` in ``lang``."""
    return DOCUMENTS[name](sources, lang)
