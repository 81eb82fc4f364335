"""Issue 13: the results report of the demo round, as Word and PDF, opened with python-docx and
pypdf: every unit's name and SIPAS index as the results page shows it, the PAR Index ranking in
the order ``par-survey index`` gives, the SHA-256 of the exported contract, intact Vietnamese; and
every number of the report's tables equal to the contract's at the published rounding."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from survey_app.commands.demo import demo
from survey_app.commands.export import export
from survey_app.commands.index import index
from survey_app.commands.report import report
from survey_app.operations.demo import DEMO_ROUND_CODE
from tests.builders import create_user, log_in

UNIT_TYPES = {"agency": "Sở, ban, ngành", "commune": "UBND cấp xã"}
SENTENCE = (
    "Khi khoảng tin cậy của hai đơn vị chồng lên nhau, chưa thể khẳng định đơn vị nào tốt hơn."
)


@pytest.fixture
def published_demo(app_ctx, runner):
    """The demo round, published; returns the demo manifest."""
    from survey_app.extensions import db
    from survey_app.operations.demo import demo_round
    from survey_app.operations.rounds import change_status

    result = runner.invoke(demo, ["--no-serve"])
    assert result.exit_code == 0, result.output
    survey_round = demo_round()
    change_status(survey_round, "closed")
    change_status(survey_round, "published")
    db.session.commit()
    return json.loads((Path(app_ctx.instance_path) / "demo-manifest.json").read_text("utf-8"))


def _write(runner, tmp_path, fmt, manifest, *extra) -> Path:
    out = tmp_path / f"report.{fmt}"
    result = runner.invoke(
        report,
        [
            DEMO_ROUND_CODE,
            "--format",
            fmt,
            "-o",
            str(out),
            "--self-assessment",
            manifest["self_assessment"]["path"],
            "--previous",
            manifest["previous_results"]["path"],
            *extra,
        ],
    )
    assert result.exit_code == 0, result.output
    return out


def _docx_text_and_tables(path: Path) -> tuple[str, list[list[list[str]]]]:
    import docx

    document = docx.Document(str(path))
    tables = [
        [[cell.text for cell in row.cells] for row in table.rows] for table in document.tables
    ]
    text = "\n".join(p.text for p in document.paragraphs)
    text += "\n" + "\n".join("\t".join(row) for table in tables for row in table)
    return text, tables


def _pdf_text(path: Path) -> str:
    import pypdf

    return "\n".join(page.extract_text() for page in pypdf.PdfReader(str(path)).pages)


def _page_indices(client) -> dict[str, str]:
    """unit code → overall SIPAS share as the results page prints it (``%.2f``)."""
    log_in(client, create_user("council"))
    from survey_app.extensions import db

    db.session.commit()
    html = client.get(f"/results/{DEMO_ROUND_CODE}").get_data(as_text=True)
    table = html[html.index('id="sipas"') : html.index('id="points"')]
    return dict(
        re.findall(
            r"<tr><td>([A-Z][A-Z0-9-]+)</td><td>[^<]*</td><td data-code=\"overall\">[^<]*</td>\s*"
            r"<td>([0-9.,]+)</td>",
            table,
        )
    )


def _ranking(runner, tmp_path, manifest, contract: Path) -> dict[str, list[str]]:
    """unit type → unit names in rank order, from ``par-survey index``."""
    out = tmp_path / "index.json"
    result = runner.invoke(
        index,
        [
            "--contract",
            str(contract),
            "--self-assessment",
            manifest["self_assessment"]["path"],
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    units = [u for u in json.loads(out.read_text("utf-8"))["units"] if u["rank"] is not None]
    order: dict[str, list[str]] = {}
    for unit in sorted(units, key=lambda u: u["rank"]):
        order.setdefault(unit["unit_type"], []).append(unit["unit_name"])
    return order


def _rank_intervals(index_json: Path) -> dict[str, str]:
    """unit name → its 90 % rank interval as the report writes it, from ``par-survey index``."""
    units = json.loads(index_json.read_text("utf-8"))["units"]
    return {u["unit_name"]: (str(u["rank_low"]) if u["rank_low"] == u["rank_high"]
                             else f"{u['rank_low']}–{u['rank_high']}")
            for u in units if u["rank"] is not None}


def test_demo_report_as_docx_and_pdf(published_demo, runner, client, tmp_path):
    from survey_app.operations.demo import AGENCIES, COMMUNES

    contract = tmp_path / "contract.json"
    result = runner.invoke(export, [DEMO_ROUND_CODE, "--format", "json", "-o", str(contract)])
    assert result.exit_code == 0, result.output
    sha = hashlib.sha256(contract.read_bytes()).hexdigest()
    shown = _page_indices(client)
    names = dict(AGENCIES + COMMUNES)
    assert set(shown) == set(names)
    ranking = _ranking(runner, tmp_path, published_demo, contract)
    assert set(ranking) == {"agency", "commune"}
    intervals = _rank_intervals(tmp_path / "index.json")
    assert any("–" in shown for shown in intervals.values())  # some units cannot be told apart

    docx_text, tables = _docx_text_and_tables(_write(runner, tmp_path, "docx", published_demo))
    pdf_text = _pdf_text(_write(runner, tmp_path, "pdf", published_demo))
    flat_pdf = re.sub(r"\s+", " ", pdf_text)
    for text in (docx_text, flat_pdf):
        assert sha in text.replace("\n", "")
        assert SENTENCE in re.sub(r"\s+", " ", text)
        assert "BÁO CÁO KẾT QUẢ KHẢO SÁT" in text and "Tỉnh Mẫu (dữ liệu minh hoạ)" in text
        for code, value in shown.items():  # each unit's name beside its index, as on the page
            assert re.search(
                rf"{re.escape(names[code])}\s+{re.escape(value.replace('.', ','))}\s", text
            ), (code, value)
        assert not re.search(r"\bSO-[A-Z]|\bXA-[A-Z]", text)  # names, never codes
    for unit_type, order in ranking.items():
        [table] = [t for t in tables if t[0][:2] == ["Hạng", "Đơn vị"] and t[1][1] in order]
        assert [row[1] for row in table[1:] if row[0]] == order
        assert [row[0] for row in table[1:] if row[0]] == [str(k) for k in range(1, len(order) + 1)]
        column = table[0].index("Khoảng hạng 90%")  # the combiner's rank intervals, as computed
        assert {row[1]: row[column] for row in table[1:] if row[0]} == {
            name: intervals[name] for name in order}
        position = flat_pdf.index("Xếp hạng Chỉ số CCHC: " + UNIT_TYPES[unit_type])
        for k, name in enumerate(order, start=1):  # in rank order in the PDF's ranking table
            position = flat_pdf.index(f"{k} {name} ", position)


def _number(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def test_every_number_equals_the_contract_at_the_published_rounding(
    published_demo, runner, tmp_path
):
    from survey_app.operations.analysis_run import load_round_pack
    from survey_app.operations.demo import demo_round

    contract_path = tmp_path / "contract.json"
    runner.invoke(export, [DEMO_ROUND_CODE, "--format", "json", "-o", str(contract_path)])
    contract = json.loads(contract_path.read_text("utf-8"))
    pack = load_round_pack(demo_round())
    _text, tables = _docx_text_and_tables(_write(runner, tmp_path, "docx", published_demo))
    units = {u["name"]: u for u in contract["units"]}

    sipas_rows = [row for t in tables if t[0][:2] == ["Đơn vị", "Chỉ số SIPAS"] for row in t[1:]]
    assert {row[0] for row in sipas_rows} == set(units)
    for name, value, ci, n, _note in sipas_rows:
        [share] = [i["share"] for i in units[name]["sipas"] if i["level"] == "overall"]
        assert value == _number(share["value"])
        assert ci == f"{_number(share['ci_low'])}–{_number(share['ci_high'])}"
        assert n == f"{share['n']:,}".replace(",", ".")

    criteria_rows = [
        row
        for t in tables
        if t[0][:3] == ["Đơn vị", "Tiêu chí", "Điểm"] and len(t[0]) == 7
        for row in t[1:]
    ]
    expected = {
        (u["name"], pack.criterion(c["code"]).title.vi): c
        for u in contract["units"]
        for c in u["criteria"]
    }
    assert len(criteria_rows) == len(expected)
    for name, criterion, points, maximum, ci, n, _flags in criteria_rows:
        c = expected[(name, criterion)]
        assert (points, maximum) == (_number(c["points"]), _number(c["max_points"]))
        assert ci == f"{_number(c['ci_low'])}–{_number(c['ci_high'])}"
        assert n == f"{c['n']:,}".replace(",", ".")

    [rates] = [t for t in tables if t[0][0] == "Nhóm đối tượng"]
    totals = [c for c in contract["response_counts"] if c["unit"] is None]
    assert [row[-1] for row in rates[1:]] == [_number(c["response_rate"] * 100) for c in totals]


def test_english_report_on_request(published_demo, runner, tmp_path):
    out = _write(runner, tmp_path, "docx", published_demo, "--lang", "en")
    text, _tables = _docx_text_and_tables(out)
    assert "SURVEY RESULTS REPORT" in text and "Xếp hạng" not in text
    assert re.search(r"\d\.\d\d", text)  # English decimal point
