"""Word (.docx) of a report document (call inside ``force_locale(doc.lang)``) through
python-docx: editable headings, paragraphs and tables, the province's name, the contract's
SHA-256 in the footer and a signature block."""
from __future__ import annotations

import io

from flask_babel import gettext as _

FONT = "Times New Roman"  # the face of Vietnamese administrative documents; has every diacritic


def _set_font(document) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(12)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)


def _table(document, table) -> None:
    from docx.shared import Pt

    if table.caption:
        document.add_paragraph().add_run(table.caption).bold = True
    grid = document.add_table(rows=1, cols=len(table.headers))
    grid.style = "Table Grid"
    size = Pt(7.5) if table.wide else Pt(9.5)
    for cell, text in zip(grid.rows[0].cells, table.headers):
        run = cell.paragraphs[0].add_run(text)
        run.bold, run.font.size = True, size
    for row in table.rows:
        cells = grid.add_row().cells
        for cell, text in zip(cells, row):
            cell.paragraphs[0].add_run(text).font.size = size
    document.add_paragraph()


def _signature(document, doc) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    place = document.add_paragraph()
    place.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    place.add_run(doc.place_date).italic = True
    grid = document.add_table(rows=1, cols=len(doc.signature))
    for cell, (role, note) in zip(grid.rows[0].cells, doc.signature):
        paragraph = cell.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.add_run(role).bold = True
        paragraph.add_run("\n" + note).italic = True


def document_docx(doc) -> bytes:
    """The bytes of a .docx of ``doc`` (:class:`survey_app.reports.document.Document`)."""
    from docx import Document as WordDocument
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.shared import Pt

    document = WordDocument()
    _set_font(document)
    header = document.add_paragraph()
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    header.add_run(doc.province.upper()).bold = True
    document.add_heading(doc.title, level=0).alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph(doc.subtitle).alignment = WD_ALIGN_PARAGRAPH.CENTER
    if doc.draft:
        document.add_paragraph().add_run(
            _("BẢN NHÁP: đợt chưa được công bố, số liệu có thể thay đổi.")).bold = True
    document.add_paragraph(f"{doc.stamp} {doc.sha256}").runs[0].font.size = Pt(9)
    footer = document.sections[0].footer.paragraphs[0]
    footer.add_run(f"SHA-256: {doc.sha256}").font.size = Pt(7)
    for section in doc.sections:
        if section.page_break:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        document.add_heading(section.title, level=1)
        for block in section.blocks:
            if isinstance(block, str):
                document.add_paragraph(block)
            else:
                _table(document, block)
    if doc.signature:
        _signature(document, doc)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
