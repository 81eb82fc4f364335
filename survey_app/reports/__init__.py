"""Documents of a round built from its export contract alone: the signed results report (Word and
PDF), the officials' XLSX, the per-unit result sheets and the public results page.

Numbers are the contract's (and, with a self-assessment, the combiner's), shown at the published
rounding (two decimals) in the reader's number format; nothing is recomputed here. ``content``
turns the sources into :class:`~survey_app.reports.document.Document` sections of text and tables;
``word``, ``pdf`` and ``xlsx`` only lay those out."""
