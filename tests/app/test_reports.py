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
            r"<tr><td data-code=\"([A-Z][A-Z0-9-]+)\">[^<(]+ \(\1\)</td><td>[^<]*</td>"
            r"<td data-code=\"overall\">[^<]*</td>\s*"
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
        combined = {u["unit_name"]: u for u in json.loads(
            (tmp_path / "index.json").read_text("utf-8"))["units"]}
        for row in table[1:]:  # the combiner's numbers at the published rounding
            cells = dict(zip(table[0], row))
            unit = combined[row[1]]
            assert (cells["Tổng điểm"], cells["Điểm tối đa áp dụng"]) == (
                _number(unit["points"]), _number(unit["applicable_max"]))
            if unit["index"] is not None:
                assert cells["Chỉ số CCHC (%)"] == _number(unit["index"])
                assert cells["Sai số chuẩn"] == _number(unit["index_se"])
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

    [elements] = [t for t in tables if t[0][0] == "Đơn vị" and len(t[0]) > 3
                  and all("(" in cell for cell in t[1][1:])]
    for name, *cells in elements[1:]:  # each element's index and 95 % interval
        estimates = [i["share"] for i in units[name]["sipas"] if i["level"] == "element"]
        assert sorted(cells) == sorted(
            f"{_number(e['value'])} ({_number(e['ci_low'])}–{_number(e['ci_high'])})"
            for e in estimates)

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


def _csv_rows(path: str) -> list[dict]:
    import csv

    with open(path, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_points_by_respondent_group_and_change_of_rank(published_demo, runner, tmp_path):
    """Each group's points in the report equal the contract's at two decimals; last year's rank
    is the previous CSV's points ÷ the same criteria's maximum, ranked, and the change of rank
    is last year's rank minus this year's."""
    contract_path = tmp_path / "contract.json"
    runner.invoke(export, [DEMO_ROUND_CODE, "--format", "json", "-o", str(contract_path)])
    contract = json.loads(contract_path.read_text("utf-8"))
    parts = {(u["name"], c["code"], g["group"]): (c, g)
             for u in contract["units"] for c in u["criteria"] for g in c.get("groups", ())}
    assert len({group for _u, _c, group in parts}) >= 2  # the demo has several groups
    for cell, group in parts.values():  # the demo's pack: mean of the groups' means
        cell_groups = [g["points"] for g in cell["groups"]]
        assert cell["points"] == pytest.approx(sum(cell_groups) / len(cell_groups))
    _text, tables = _docx_text_and_tables(_write(runner, tmp_path, "docx", published_demo))
    rows = [row for t in tables if t[0][:4] == ["Đơn vị", "Tiêu chí", "Nhóm đối tượng",
                                                 "Điểm của nhóm"] for row in t[1:]]
    assert len(rows) == len(parts)
    from survey_app.labels import group_label
    from survey_app.operations.analysis_run import load_round_pack
    from survey_app.operations.demo import demo_round

    pack = load_round_pack(demo_round())
    code_of = {pack.criterion(c["code"]).title.vi: c["code"]
               for u in contract["units"] for c in u["criteria"]}
    from flask import current_app

    with current_app.test_request_context():
        group_of = {group_label(group): group for _u, _c, group in parts}
    for name, criterion, group, points, maximum, n, combined, _note in rows:
        cell, part = parts[(name, code_of[criterion], group_of[group])]
        assert (points, maximum, combined) == (
            _number(part["points"]), _number(cell["max_points"]), _number(cell["points"]))
        assert n == f"{part['n']:,}".replace(",", ".")

    index_json = tmp_path / "index.json"
    runner.invoke(index, ["--contract", str(contract_path), "--self-assessment",
                          published_demo["self_assessment"]["path"], "-o", str(index_json)])
    result = json.loads(index_json.read_text("utf-8"))
    maximum = {(c["unit_code"], c["criterion_code"]): c["max_points"]
               for u in result["units"] for c in u["criteria"]}
    before: dict[str, list[float]] = {}
    for row in _csv_rows(published_demo["previous_results"]["path"]):
        if (row["unit_code"], row["criterion_code"]) in maximum and row["points"]:
            sums = before.setdefault(row["unit_code"], [0.0, 0.0])
            sums[0] += float(row["points"])
            sums[1] += maximum[(row["unit_code"], row["criterion_code"])]
    last_year = {code: round(100 * p / m, 2) for code, (p, m) in before.items()}
    assert last_year  # the demo's agencies have last year's results
    names = {u["unit_code"]: u["unit_name"] for u in result["units"]}
    expected = {names[code]: 1 + sum(v > mine for v in last_year.values())
                for code, mine in last_year.items()}
    [table] = [t for t in tables if t[0][:4] == ["Hạng", "Đơn vị", "Hạng năm trước",
                                                 "Thay đổi hạng"] and t[1][1] in expected]
    for rank, name, previous, change, *_rest in table[1:]:
        assert previous == str(expected[name])
        moved = expected[name] - int(rank)
        assert change == (f"+{moved}" if moved > 0 else "0" if moved == 0 else f"−{-moved}")
    assert any(row[3] != "0" for row in table[1:])  # some units moved
    import pypdf

    sheets = pypdf.PdfReader(str(_write(runner, tmp_path, "unit-sheets", published_demo)))
    pages = [re.sub(r"\s+", " ", page.extract_text()) for page in sheets.pages]
    for name, previous in expected.items():  # each agency's sheet gives its last year's rank
        assert any(name in page and f"Hạng năm trước: {previous} (thay đổi:" in page
                   for page in pages), name


ENGLISH_WORDS = re.compile(r"\b(the|of|and|weight|weights|response|responses|with|by)\b")


def test_every_sentence_of_the_vietnamese_report_is_vietnamese(published_demo, runner, tmp_path):
    """No English sentence (the contract's weighting_method among them) in the Vietnamese report;
    a contract with another weighting method gets a Vietnamese sentence, not its English."""
    import docx
    from flask_babel import force_locale

    from survey_app.operations.analysis_run import WEIGHTING_METHOD
    from survey_app.reports.method import weighting_text

    document = docx.Document(str(_write(runner, tmp_path, "docx", published_demo)))
    paragraphs = [p.text for p in document.paragraphs if len(p.text.split()) > 3]
    assert paragraphs and not [p for p in paragraphs if ENGLISH_WORDS.search(p)]
    assert WEIGHTING_METHOD[:40] not in "\n".join(paragraphs)
    assert any(p.startswith("Trọng số: mỗi phiếu") for p in paragraphs)
    with force_locale("vi"):
        other = weighting_text("1. raking to census margins")
    assert "raking" not in other and other.startswith("Trọng số và sai số chuẩn")


def test_par_index_page_shows_rank_intervals_and_gives_the_combined_report(
    published_demo, runner, client, tmp_path
):
    """The PAR Index page shows each unit's index SE and 90 % rank interval as ``par-survey
    index`` computes them, and its form gives the report combined with the same files."""
    import io

    import docx

    contract = tmp_path / "contract.json"
    runner.invoke(export, [DEMO_ROUND_CODE, "--format", "json", "-o", str(contract)])
    _ranking(runner, tmp_path, published_demo, contract)
    units = json.loads((tmp_path / "index.json").read_text("utf-8"))["units"]
    log_in(client, create_user("council"))
    from survey_app.extensions import db

    db.session.commit()

    def files():
        return {
            "csv_file": (io.BytesIO(Path(published_demo["self_assessment"]["path"]).read_bytes()),
                         "tu-danh-gia.csv"),
            "previous_file": (io.BytesIO(
                Path(published_demo["previous_results"]["path"]).read_bytes()), "nam-truoc.csv"),
        }

    html = client.post(f"/results/{DEMO_ROUND_CODE}/index", data=files(),
                       content_type="multipart/form-data").get_data(as_text=True)
    table = html[html.index('id="par-index"'):html.index('id="fields"')]
    assert "Khoảng hạng 90%" in table and "Sai số chuẩn" in table
    shown = {code: (se, rank) for code, se, rank in re.findall(
        r"<td>([A-Z][A-Z0-9-]+)</td>(?:<td>[^<]*</td>){5}<td>([0-9,.]+)</td>"
        r"<td class=\"rank-interval\">([^<]+)</td>", table)}
    expected = {u["unit_code"]: (_number(u["index_se"]), str(u["rank_low"])
                                 if u["rank_low"] == u["rank_high"]
                                 else f"{u['rank_low']}–{u['rank_high']}")
                for u in units if u["rank"] is not None}
    assert shown == expected
    assert "hạt giống" in html and "name=\"document\"" in html

    reply = client.post(f"/results/{DEMO_ROUND_CODE}/index",
                        data={**files(), "document": "report.docx"},
                        content_type="multipart/form-data")
    assert reply.status_code == 200 and "attachment" in reply.headers["Content-Disposition"]
    tables = [[[c.text for c in row.cells] for row in t.rows]
              for t in docx.Document(io.BytesIO(reply.data)).tables]
    ranking = [t for t in tables if t[0][:4] == ["Hạng", "Đơn vị", "Hạng năm trước",
                                                 "Thay đổi hạng"]]
    assert len(ranking) == 2  # agencies and communes, with last year's rank beside this year's
    order = {u["unit_name"]: u["rank"] for u in units if u["rank"] is not None}
    assert all(row[0] == str(order[row[1]]) for t in ranking for row in t[1:] if row[0])


def test_public_list_of_published_rounds(app_ctx, runner, client):
    """``/cong-khai/`` lists published rounds only, in both languages, without login or cookie,
    and shows no figure, free text or personal data of any round."""
    from survey_app.extensions import db
    from survey_app.operations.demo import demo_round
    from survey_app.operations.rounds import change_status

    assert runner.invoke(demo, ["--no-serve"]).exit_code == 0
    before = client.get("/cong-khai/")
    assert before.status_code == 200 and f"/cong-khai/{DEMO_ROUND_CODE}" not in before.get_data(
        as_text=True)
    assert "Chưa có đợt khảo sát nào được công bố." in before.get_data(as_text=True)
    survey_round = demo_round()
    change_status(survey_round, "closed")
    change_status(survey_round, "published")
    db.session.commit()
    reply = client.get("/cong-khai/")
    html = reply.get_data(as_text=True)
    assert reply.status_code == 200 and "Set-Cookie" not in reply.headers
    assert reply.headers["Cache-Control"].startswith("public")
    assert f'href="/cong-khai/{DEMO_ROUND_CODE}?lang=vi"' in html
    assert survey_round.province.name in html and str(survey_round.year) in html
    assert not re.search(r"\d+,\d\d", html)  # no index or other figure
    assert survey_round.title not in html  # no staff text
    assert client.get("/cong-khai").status_code in (301, 308)  # the list without its slash
    english = client.get("/cong-khai/?lang=en").get_data(as_text=True)
    assert "Published survey results" in english and "Kết quả khảo sát đã công bố" not in english
    assert f'href="/cong-khai/{DEMO_ROUND_CODE}?lang=en"' in english
