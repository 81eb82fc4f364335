"""Issue 16: the results report gives AAPOR RR1, RR3, COOP1 and REF1 of the round, each unit,
stratum and respondent group, with each formula cited (AAPOR, Standard Definitions, 10th ed.,
2023) and how ``e`` is estimated; every figure in Word, PDF and the officials' workbook equals
the contract's ``outcome_rates`` (the analysis function's) at the published rounding."""

from __future__ import annotations

import json
import re

from test_reports import (  # noqa: F401 (published_demo is a fixture)
    _docx_text_and_tables,
    _number,
    _pdf_text,
    _write,
    published_demo,
)

from survey_app.commands.export import export
from survey_app.operations.demo import DEMO_ROUND_CODE


def test_aapor_rates_with_formulas_equal_the_contract(published_demo, runner, tmp_path):  # noqa: F811
    """RR1, RR3, COOP1 and REF1 of the round, each unit, stratum and group: in the Word report,
    the PDF and the officials' workbook equal to the contract's ``outcome_rates`` at the
    published rounding (and to ``analysis.response_rates`` on the same dispositions), each
    formula cited."""
    from io import BytesIO

    import openpyxl

    from analysis.response_rates import outcome_rates

    contract_path = tmp_path / "contract.json"
    runner.invoke(export, [DEMO_ROUND_CODE, "--format", "json", "-o", str(contract_path)])
    contract = json.loads(contract_path.read_text("utf-8"))
    block = contract["outcome_rates"]
    levels = {row["level"] for row in block["rows"]}
    assert levels == {"round", "unit", "stratum", "group"}
    for row in block["rows"]:  # the contract's figures are the analysis function's
        cases = [code for code, n in row["counts"].items() for _k in range(n)]
        again = outcome_rates(cases)
        assert (row["rr1"], row["rr3"], row["coop1"], row["ref1"]) == (
            again.rr1, again.rr3, again.coop1, again.ref1)

    def pct(value):
        return "—" if value is None else _number(value * 100)

    text, tables = _docx_text_and_tables(_write(runner, tmp_path, "docx", published_demo))
    [table] = [t for t in tables if t[0][-4:] == ["RR1 (%)", "RR3 (%)", "COOP1 (%)", "REF1 (%)"]]
    assert len(table) - 1 == len(block["rows"])
    for row, cells in zip(block["rows"], table[1:]):
        assert cells[-4:] == [pct(row[r]) for r in ("rr1", "rr3", "coop1", "ref1")]
        assert cells[2] == f"{sum(row['counts'].values()):,}".replace(",", ".")
    assert not any(re.match(r"(SO|XA)-[A-Z]|[a-z]+_[a-z]+$|citizen$|delegate$", cells[1])
                   for cells in table[1:])  # names, never codes
    formulas = ("RR1 = I / ((I+P) + (R+NC+O) + (UH+UO))",
                "RR3 = I / ((I+P) + (R+NC+O) + e(UH+UO))", "COOP1 = I / ((I+P) + R + O)",
                "REF1 = R / ((I+P) + (R+NC+O) + (UH+UO))", "Standard Definitions, bản 10, 2023",
                "e = số thuộc đối tượng ÷ (số thuộc đối tượng + số không thuộc đối tượng)")
    pdf = re.sub(r"\s+", "", _pdf_text(_write(runner, tmp_path, "pdf", published_demo)))
    for formula in formulas:
        assert formula in text
        assert re.sub(r"\s+", "", formula) in pdf
    workbook = openpyxl.load_workbook(
        BytesIO(_write(runner, tmp_path, "xlsx", published_demo).read_bytes()))
    sheet = list(workbook["Tỷ lệ AAPOR"].iter_rows(values_only=True))
    for row, cells in zip(block["rows"], sheet[1:]):
        assert (cells[2] or None) == (row["key"] or None) and list(cells[-4:]) == [
            None if row[r] is None else round(row[r] * 100, 2)
            for r in ("rr1", "rr3", "coop1", "ref1")]
