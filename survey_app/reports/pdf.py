"""PDF of a report document through WeasyPrint: the HTML template ``reports/document.html`` laid
out by ``report.css`` (fonts from the system: Debian's fonts-noto-core or fonts-dejavu-core)."""
from __future__ import annotations

from pathlib import Path

from flask import render_template

STYLESHEET = Path(__file__).with_name("report.css")


def document_pdf(doc) -> bytes:
    """The bytes of a PDF of ``doc`` (:class:`survey_app.reports.document.Document`); call inside
    ``force_locale(doc.lang)``."""
    from weasyprint import CSS, HTML

    html = render_template("reports/document.html", doc=doc)
    return HTML(string=html).write_pdf(stylesheets=[CSS(filename=str(STYLESHEET))])
