"""PAR Index combiner on hand-worked cases (not-applicable rule, ties, a merged unit, bad input)."""

import io
import json
from dataclasses import dataclass
from datetime import datetime, timezone

import pytest
from openpyxl import load_workbook

from analysis.combiner import (
    CombinerError,
    below_max_table,
    combine,
    compare,
    points_lost_table,
    read_previous,
    result_json,
    result_tables,
    scoring_nodes,
    write_points_lost_xlsx,
)
from analysis.contract import build_contract


@dataclass(frozen=True)
class Node:
    code: str
    max_points: float
    assessment: str = "self"
    applies_to: tuple = ("department", "commune")
    children: tuple = ()


@dataclass(frozen=True)
class Pack:
    id: str
    version: str
    criteria: tuple


# 100 points: field 1 (10 + 6), field 2 (20 + 10), field 8 surveyed (30 + 24; 8.2 split in two
# sub-criteria that are not scored separately because their parent is survey-assessed)
PACK = Pack(
    "TH-2023",
    "1",
    (
        Node("1", 16, children=(Node("1.1", 10), Node("1.2", 6, applies_to=("district",)))),
        Node("2", 30, children=(Node("2.1", 20), Node("2.2", 10))),
        Node(
            "8",
            54,
            children=(
                Node("8.1", 30, assessment="survey"),
                Node(
                    "8.2",
                    24,
                    assessment="survey",
                    children=(
                        Node("8.2.1", 12, assessment="survey"),
                        Node("8.2.2", 12, assessment="survey"),
                    ),
                ),
            ),
        ),
    ),
)

UNITS = [
    {
        "code": "BDT",
        "name": "Ban Dân tộc",
        "unit_type": "department",
        "valid_from": None,
        "valid_to": None,
    },
    {
        "code": "SNV",
        "name": "Sở Nội vụ",
        "unit_type": "department",
        "valid_from": None,
        "valid_to": None,
    },
    {
        "code": "STC",
        "name": "Sở Tài chính",
        "unit_type": "department",
        "valid_from": None,
        "valid_to": None,
    },
    {
        "code": "XA",
        "name": "Xã A",
        "unit_type": "commune",
        "valid_from": "2025-07-01",
        "valid_to": None,
    },
]
SURVEY = {"BDT": (22.5, 20.0), "SNV": (25.0, 20.0), "STC": (24.0, 21.0), "XA": (20.0, 18.0)}


def contract(survey=SURVEY, pack_version="1", drop=()):
    """The test contract; ``drop`` lists (unit, criterion) cells with no survey points."""
    points = [
        {
            "unit": u,
            "criterion": c,
            "points": p,
            "max_points": m,
            "n": 40,
            "effective_n": 35.0,
            "se": 0.5,
            "ci_low": p - 1,
            "ci_high": p + 1,
            "flags": [],
        }
        for u, (p81, p82) in survey.items()
        for c, p, m in (("8.1", p81, 30), ("8.2", p82, 24))
        if (u, c) not in drop
    ]
    return build_contract(
        round={
            "code": "TH-2023",
            "year": 2023,
            "province": "Thanh Hóa",
            "period_start": "2023-09-01",
            "period_end": "2023-10-31",
        },
        provenance={
            "pack": {"id": "TH-2023", "version": pack_version},
            "questionnaires": [],
            "sampling": {"seed": 1, "frame_hash": None},
            "weighting_method": "none",
            "software_version": "0.1.0",
        },
        units=UNITS,
        criterion_points=points,
        generated_at=datetime(2023, 11, 1, tzinfo=timezone.utc),
    )


SELF = """unit_code,criterion_code,points,ly_do
BDT,1.1,"8,5",
BDT,2.1,17.32,
BDT,2.2,không áp dụng,Ban không có nhiệm vụ theo dõi thi hành pháp luật
SNV,1.1,8.5,
SNV,2.1,14.82,
SNV,2.2,KAD,Không phát sinh trong năm
STC,1.1,10,
STC,2.1,20,
STC,2.2,5,
XA,1.1,7,
XA,2.1,15,
XA,2.2,10,
"""


def test_scoring_nodes_stop_at_survey_assessed_criteria():
    assert [n.code for n in scoring_nodes(PACK)] == ["1.1", "1.2", "2.1", "2.2", "8.1", "8.2"]


def test_thanh_hoa_2023_not_applicable_rule():
    result = combine(PACK, contract(), SELF)
    bdt = result.unit("BDT")
    # 8.5 + 17.32 + 22.5 + 20.0 = 68.32 of 10 + 20 + 30 + 24 = 84 applicable (1.2 is for districts,
    # 2.2 is "không áp dụng") -> 81.33 %
    assert bdt.points == pytest.approx(68.32)
    assert bdt.applicable_max == pytest.approx(84)
    assert round(bdt.index, 2) == 81.33
    assert bdt.criteria["2.2"] is None and bdt.criteria["1.2"] is None
    assert bdt.fields["1"].index == pytest.approx(85.0)
    assert bdt.fields["2"].applicable_max == 20
    assert bdt.fields["8"].index == pytest.approx(100 * 42.5 / 54)


def test_ranks_within_unit_type_with_ties():
    result = combine(PACK, contract(), SELF)
    # SNV: 8.5 + 14.82 + 25 + 20 = 68.32 of 84 -> tie with BDT; STC: 80 of 94 -> first
    assert result.unit("STC").rank == 1
    assert result.unit("BDT").rank == result.unit("SNV").rank == 2
    assert result.unit("XA").rank == 1  # communes ranked among themselves
    assert result.unit("XA").index == pytest.approx(100 * 70 / 94)


def test_change_against_last_year_with_merged_units():
    result = combine(PACK, contract(), SELF)
    previous = {
        "XA-OLD1": {"1.1": 8.0, "2.1": 18.0, "2.2": 10.0, "8.1": 21.0, "8.2": 18.0, "1.2": None},
        "XA-OLD2": {"1.1": 9.0, "2.1": None, "2.2": 6.0, "8.1": 19.0, "8.2": 20.0, "1.2": None},
        "BDT": {"1.1": 9.5, "2.1": 17.32, "2.2": None, "8.1": 22.0, "8.2": 21.0, "1.2": None},
    }
    changes = compare(result, previous, {"XA-OLD1": "XA", "XA-OLD2": "XA"})
    by = {(c.unit, c.criterion): c for c in changes}
    # merged: mean over old units where the criterion applied
    assert by[("XA", "1.1")].previous == pytest.approx(8.5)
    assert by[("XA", "1.1")].lost == pytest.approx(1.5)
    assert by[("XA", "2.1")].previous == pytest.approx(18.0)
    assert by[("XA", "2.1")].lost == pytest.approx(3.0)
    assert by[("XA", "8.1")].change == pytest.approx(0.0)
    assert by[("XA", "8.2")].previous == pytest.approx(19.0)  # (18 + 20) / 2, now 18
    assert by[("XA", "8.2")].lost == pytest.approx(1.0)
    assert by[("XA", "2.2")].change == pytest.approx(2.0) and by[("XA", "2.2")].lost == 0.0
    assert by[("BDT", "1.1")].lost == pytest.approx(1.0)
    assert by[("BDT", "8.1")].change == pytest.approx(0.5) and by[("BDT", "8.1")].lost == 0.0
    assert by[("SNV", "1.1")].previous is None and by[("SNV", "1.1")].change is None
    headers, rows = points_lost_table(changes, "XA")
    assert [r[1] for r in rows] == ["2.1", "1.1", "8.2"]  # largest loss first: 3, 1.5, 1
    assert rows[0][5] == pytest.approx(3.0)


def test_points_lost_xlsx_has_a_sheet_per_unit():
    result = combine(PACK, contract(), SELF)
    changes = compare(result, {"BDT": {"1.1": 9.5, "2.1": 18}})
    stream = io.BytesIO()
    write_points_lost_xlsx(changes, stream, units=["BDT", "SNV"])
    book = load_workbook(io.BytesIO(stream.getvalue()))
    assert book.sheetnames == ["BDT", "SNV"]
    sheet = book["BDT"]
    assert [c.value for c in sheet[1]] == [
        "unit_code",
        "criterion_code",
        "points",
        "previous_points",
        "change",
        "points_lost",
    ]
    assert sheet["B2"].value == "1.1" and sheet["F2"].value == pytest.approx(1.0)
    assert sheet["F3"].value == pytest.approx(0.68)
    assert book["SNV"].max_row == 1


def test_bad_input_lists_every_problem_and_combines_nothing():
    bad = """unit_code,criterion_code,points
BDT,1.1,11
ZZZ,1.1,5
BDT,9.9,1
BDT,2.1,abc
BDT,8.1,3
BDT,2.1,5,extra
BDT,1,3
SNV,1.1,8
SNV,1.1,8
"""
    with pytest.raises(CombinerError) as info:
        combine(PACK, contract(), bad)
    found = {(p.row, p.column) for p in info.value.problems}
    assert {
        (2, "points"),
        (3, "unit_code"),
        (4, "criterion_code"),
        (5, "points"),
        (6, "criterion_code"),
        (7, None),
        (8, "criterion_code"),
        (10, "criterion_code"),
    } <= found
    messages = " ".join(p.message_en for p in info.value.problems)
    assert "exceed the maximum 10" in messages and "Duplicate of row 9" in messages
    assert all(p.message_vi and p.message_en for p in info.value.problems)
    # units without a self-assessment are missing rows, reported without a CSV row
    assert any(
        p.row is None and "Unit STC: no points for criterion 1.1" in p.message_en
        for p in info.value.problems
    )


def test_contract_of_another_version_and_missing_columns():
    doc = contract()
    doc["contract_version"] = "2"
    with pytest.raises(CombinerError) as info:
        combine(PACK, json.dumps(doc), "unit,crit,pts\nBDT,1.1,3\n")
    columns = {(p.row, p.column) for p in info.value.problems}
    assert (None, "contract") in columns and (1, None) in columns
    assert any("Contract version '2' is not supported" in p.message_en for p in info.value.problems)
    with pytest.raises(CombinerError, match="not supported"):
        combine(PACK, doc, SELF)


def test_contract_must_match_pack_and_maximum():
    doc = contract(pack_version="2")
    doc["units"][0]["criteria"][0]["max_points"] = 25
    with pytest.raises(CombinerError) as info:
        combine(PACK, doc, SELF)
    messages = [p.message_en for p in info.value.problems]
    assert any("pack TH-2023 2" in m for m in messages)
    assert any("Unit BDT, criterion 8.1: maximum 25" in m for m in messages)


def test_works_with_a_loaded_methodology_pack():
    from questionnaires.packs import load_pack

    types = ["department", "commune", "district"]

    def node(code, points, **extra):
        return {"code": code, "title": {"vi": f"Tiêu chí {code}"}, "max_points": points, **extra}

    pack = load_pack(
        {
            "id": "TH-2023",
            "version": "1",
            "title": {"vi": "Bộ chỉ số"},
            "unit_types": types,
            "total_points": 100,
            "criteria": [
                node(
                    "1",
                    16,
                    assessment="self",
                    applies_to=types,
                    children=[node("1.1", 10), node("1.2", 6, applies_to=["district"])],
                ),
                node(
                    "2",
                    30,
                    assessment="self",
                    applies_to=types,
                    children=[node("2.1", 20), node("2.2", 10)],
                ),
                node(
                    "8",
                    54,
                    assessment="self",
                    applies_to=types,
                    children=[
                        node("8.1", 30, assessment="survey"),
                        node("8.2", 24, assessment="survey"),
                    ],
                ),
            ],
        }
    )
    bdt = combine(pack, contract(), SELF).unit("BDT")
    assert (round(bdt.points, 2), bdt.applicable_max, round(bdt.index, 2)) == (68.32, 84, 81.33)


# --------------------------------------------------------------------------- issue 10 rules


def _problems(pack, doc, text, **kw):
    with pytest.raises(CombinerError) as info:
        combine(pack, doc, text, **kw)
    return info.value.problems


def test_survey_points_from_outside_carry_their_source():
    # XA has no SIPAS answers (8.1 missing from the contract): the Ministry's published points
    # stand in
    doc = contract(drop={("XA", "8.1")})
    text = SELF.replace(
        "unit_code,criterion_code,points,ly_do", "unit_code,criterion_code,points,ly_do,nguon"
    ).replace(",\n", ",,\n")
    text = (
        "\n".join(line + ("," if line.count(",") == 3 else "") for line in text.splitlines()) + "\n"
    )
    text += 'XA,8.1,"21,5",,SIPAS 2023 – Bộ Nội vụ\n'
    xa = combine(PACK, doc, text).unit("XA")
    assert xa.criteria["8.1"] == pytest.approx(21.5)
    assert xa.details["8.1"].source == "SIPAS 2023 – Bộ Nội vụ"
    assert xa.details["8.2"].source == "contract" and xa.details["1.1"].source == "self_assessment"
    assert xa.index == pytest.approx(100 * (7 + 15 + 10 + 21.5 + 18) / 94)
    rows = result_tables(combine(PACK, doc, text))["criteria"][1]
    assert ["XA", "8.1", "8", 21.5, 30.0, "scored", "SIPAS 2023 – Bộ Nội vụ", None] in rows


def test_survey_points_from_outside_need_a_source_and_a_gap_in_the_contract():
    doc = contract(drop={("XA", "8.1")})
    text = (
        SELF.replace(",ly_do", ",ly_do,nguon")
        .replace("\n", ",\n")
        .replace("ly_do,nguon,", "ly_do,nguon")
    )
    problems = _problems(
        PACK, doc, text + "XA,8.1,21,,\nBDT,8.1,25,,PAPI 2023\nSTC,8.2,30,,PAPI 2023\n"
    )
    by_row = {p.row: p for p in problems}
    assert by_row[14].column == "source" and "source (nguon)" in by_row[14].message_en
    assert (
        "Unit BDT, criterion 8.1: the contract already has survey points" in by_row[15].message_en
    )
    assert by_row[16].column == "criterion_code"  # STC's 8.2 is in the contract too
    assert all(p.file == "self_assessment" for p in problems)


def test_not_applicable_needs_a_reason_naming_the_row():
    text = SELF.replace("KAD,Không phát sinh trong năm", "KAD,")
    problems = _problems(PACK, contract(), text)
    assert [(p.row, p.column) for p in problems] == [(7, "reason")]
    assert "Row 7 (unit SNV, criterion 2.2)" in problems[0].message_en
    assert "Dòng 7" in problems[0].message_vi
    # without the reason column every "không áp dụng" row is refused
    bare = (
        "unit_code,criterion_code,points\n"
        + "\n".join(",".join(line.split(",")[:3]) for line in SELF.splitlines()[1:])
        + "\n"
    )
    assert {p.row for p in _problems(PACK, contract(), bare.replace('"8', "8"))} >= {4, 7}


def test_not_applicable_reason_is_carried_into_the_result():
    result = combine(PACK, contract(), SELF)
    cell = result.unit("SNV").details["2.2"]
    assert (cell.status, cell.points, cell.reason) == (
        "not_applicable",
        None,
        "Không phát sinh trong năm",
    )
    assert result.unit("BDT").details["1.2"].source == "pack"  # not applicable by the pack
    rows = result_tables(result)["criteria"][1]
    assert [
        "SNV",
        "2.2",
        "2",
        None,
        10.0,
        "not_applicable",
        "self_assessment",
        "Không phát sinh trong năm",
    ] in rows


def test_a_survey_criterion_not_applicable_for_one_unit_with_a_reason():
    doc = contract(drop={("XA", "8.1")})
    text = SELF + "XA,8.1,không áp dụng,Xã chưa có thủ tục hành chính phát sinh\n"
    xa = combine(PACK, doc, text).unit("XA")
    assert xa.status == "ranked" and xa.applicable_max == pytest.approx(64)
    assert xa.index == pytest.approx(100 * (7 + 15 + 10 + 18) / 64)


def test_unit_without_survey_data_has_no_index_and_does_not_block_others():
    doc = contract(drop={("XA", "8.1"), ("SNV", "8.1"), ("SNV", "8.2")})
    result = combine(PACK, doc, SELF)
    xa, snv = result.unit("XA"), result.unit("SNV")
    assert (xa.index, xa.rank, xa.status, xa.no_data) == (None, None, "no_data", ("8.1",))
    assert snv.no_data == ("8.1", "8.2") and snv.index is None and snv.rank is None
    assert "8.1" in xa.reason and xa.details["8.1"].status == "no_data"
    assert xa.fields["8"].index is None and xa.fields["1"].index == pytest.approx(70.0)
    # the others are ranked among themselves: SNV's tie with BDT is gone
    assert (result.unit("STC").rank, result.unit("BDT").rank) == (1, 2)
    row = next(r for r in result_tables(result)["index"][1] if r[1] == "XA")
    assert row[0] is None and row[6] is None and row[7] == "no_data" and "8.1" in row[8]


def test_bad_input_is_still_refused_beside_units_without_survey_data():
    doc = contract(drop={("XA", "8.1")})
    problems = _problems(PACK, doc, SELF + "BDT,9.9,1,\nSTC,1.1,12,\n")
    assert {(p.row, p.column) for p in problems} == {(14, "criterion_code"), (15, "criterion_code")}
    problems = _problems(PACK, doc, SELF.replace("STC,1.1,10,\n", ""))
    assert [p.message_en for p in problems] == [
        "Unit STC: no points for criterion 1.1 in the self-assessment."
    ]


def test_excluded_unit_keeps_its_index_without_a_rank_and_ranks_close_up():
    exclusions = (
        "ma_don_vi,ly_do\nSTC,Phát hiện thiếu trung thực trong cung cấp tài liệu kiểm chứng\n"
    )
    result = combine(PACK, contract(), SELF, exclusions=exclusions)
    stc = result.unit("STC")
    assert (
        stc.rank is None and stc.status == "excluded" and stc.index == pytest.approx(100 * 80 / 94)
    )
    assert "thiếu trung thực" in stc.excluded and "thiếu trung thực" in stc.reason
    assert result.unit("BDT").rank == result.unit("SNV").rank == 1
    row = next(r for r in result_tables(result)["index"][1] if r[1] == "STC")
    assert row[0] is None and row[6] == pytest.approx(100 * 80 / 94) and row[7] == "excluded"
    same = combine(PACK, contract(), SELF, exclusions={"STC": "thiếu trung thực"})
    assert same.unit("STC").rank is None and same.unit("BDT").rank == 1


def test_exclusions_need_a_reason_and_a_known_unit():
    problems = _problems(
        PACK, contract(), SELF, exclusions="unit_code,reason\nSTC,\nZZZ,lý do\nBDT,a\nBDT,b\n"
    )
    found = {(p.file, p.row, p.column) for p in problems}
    assert found == {
        ("exclusions", 2, "reason"),
        ("exclusions", 3, "unit_code"),
        ("exclusions", 5, "unit_code"),
    }
    assert any(
        "Row 2: unit STC is left out of the ranking without a reason" in p.message_en
        for p in problems
    )
    assert _problems(PACK, contract(), SELF, exclusions="unit_code\nSTC\n")[0].row == 1


def test_below_max_table_lists_shortfalls_largest_first():
    headers, rows = below_max_table(combine(PACK, contract(), SELF), "BDT")
    assert headers == ("unit_code", "criterion_code", "points", "max_points", "shortfall")
    # 8.1: 22.5 of 30; 8.2: 20 of 24; 2.1: 17.32 of 20; 1.1: 8.5 of 10; 2.2 not applicable
    assert [r[1] for r in rows] == ["8.1", "8.2", "2.1", "1.1"]
    assert [r[4] for r in rows] == pytest.approx([7.5, 4.0, 2.68, 1.5])
    _, stc = below_max_table(combine(PACK, contract(), SELF), "STC")
    # 8.1: 24 of 30, 2.2: 5 of 10, 8.2: 21 of 24; 1.1 and 2.1 at their maximum
    assert [r[1] for r in stc] == ["8.1", "2.2", "8.2"]


def test_previous_from_the_combiners_xlsx_and_json_round_trips_every_criterion():
    result = combine(PACK, contract(), SELF)
    stream = io.BytesIO()
    from analysis.contract import write_xlsx

    write_xlsx(result_tables(result), stream)
    read, problems = read_previous(stream.getvalue(), "chi-so-2023.xlsx")
    assert problems == [] and read == result.criterion_points()
    read_json, problems = read_previous(
        json.dumps(result_json(result)).encode(), "chi-so-2023.json"
    )
    assert problems == [] and read_json == result.criterion_points()
    assert read["BDT"]["1.1"] == pytest.approx(8.5) and read["BDT"]["2.2"] is None


def test_previous_from_last_years_contract_gives_survey_criteria():
    read, problems = read_previous(json.dumps(contract()).encode(), "contract-2023.json")
    assert problems == [] and read["BDT"] == {"8.1": 22.5, "8.2": 20.0}


def test_previous_csv_with_a_merged_unit_gives_points_lost_for_self_assessed_criteria():
    text = (
        "unit_code,criterion_code,points\nXA-OLD1,1.1,8\nXA-OLD2,1.1,9\nXA-OLD1,2.1,KAD\n"
        "BDT,2.1,19\n"
    )
    previous, problems = read_previous(text.encode(), "2023.csv")
    assert problems == []
    changes = compare(combine(PACK, contract(), SELF), previous, {"XA-OLD1": "XA", "XA-OLD2": "XA"})
    by = {(c.unit, c.criterion): c for c in changes}
    assert by[("XA", "1.1")].previous == pytest.approx(8.5) and by[
        ("XA", "1.1")
    ].lost == pytest.approx(1.5)
    assert by[("XA", "2.1")].previous is None
    assert by[("BDT", "2.1")].lost == pytest.approx(1.68)
    tables = result_tables(combine(PACK, contract(), SELF), changes)
    assert [r[:2] for r in tables["points_lost"][1]] == [["BDT", "2.1"], ["XA", "1.1"]]


def test_previous_problems_name_the_row():
    _, problems = read_previous(
        b"unit_code,criterion_code,points\nBDT,1.1,abc\nBDT,1.2,2\n", "x.csv"
    )
    assert [(p.file, p.row, p.column) for p in problems] == [("previous", 2, "points")]
    _, problems = read_previous(b"unit_code,criterion_code,points\nBDT,1.1,1\nBDT,1.1,2\n", "x.csv")
    assert [(p.row, p.message_en) for p in problems] == [(3, "Duplicate of row 2.")]
    _, problems = read_previous(b'{"kind": "other"}', "x.json")
    assert "neither an export contract nor a PAR Index result" in problems[0].message_en
    _, problems = read_previous(b"not a workbook", "x.xlsx")
    assert problems and problems[0].file == "previous"


def test_round_units_missing_from_the_contract_get_no_data_instead_of_an_error():
    text = SELF + "XB,1.1,6,\nXB,2.1,12,\nXB,2.2,8,\n"
    problems = _problems(PACK, contract(), text)
    assert {(p.row, p.column) for p in problems} == {
        (14, "unit_code"),
        (15, "unit_code"),
        (16, "unit_code"),
    }
    result = combine(
        PACK, contract(), text, units=[{"code": "XB", "name": "Xã B", "unit_type": "commune"}]
    )
    xb = result.unit("XB")
    assert (xb.status, xb.no_data, xb.index, xb.rank) == ("no_data", ("8.1", "8.2"), None, None)
    assert xb.points == pytest.approx(26) and result.unit("XA").rank == 1


def test_index_se_from_the_contract_and_rank_intervals_in_every_output():
    doc = contract()
    # each unit has two survey criteria with SE 0.5: the survey part's SE is taken as 1.0
    assert doc["units"][0]["survey_total"] == {"points": 42.5, "max_points": 54.0, "se": 1.0,
                                               "se_method": "sum_of_criteria"}
    result = combine(PACK, doc, SELF, rank_seed=11, rank_draws=500)
    bdt, snv, stc = (result.unit(c) for c in ("BDT", "SNV", "STC"))
    assert bdt.survey_se == pytest.approx(1.0)
    assert bdt.index_se == pytest.approx(100 * 1.0 / 84)
    assert stc.index_se == pytest.approx(100 * 1.0 / 94)
    # BDT and SNV tie at 81.33 (SE 1.19): they share ranks 2-3; STC (85.11) stays first
    assert bdt.rank_interval == snv.rank_interval == (2, 3)
    assert stc.rank_interval[0] == 1
    assert (result.rank_seed, result.rank_draws, result.rank_level) == (11, 500, 0.9)
    again = combine(PACK, doc, SELF, rank_seed=11, rank_draws=500)
    assert [u.rank_interval for u in again.units] == [u.rank_interval for u in result.units]
    headers, rows = result_tables(result)["index"]
    row = dict(zip(headers, next(r for r in rows if r[1] == "BDT")))
    assert (row["rank_low"], row["rank_high"], row["index_se"]) == (2, 3, bdt.index_se)
    document = result_json(result)
    assert document["rank_uncertainty"]["seed"] == 11
    assert next(u for u in document["units"] if u["unit_code"] == "BDT")["rank_high"] == 3


def test_a_design_based_survey_se_in_the_contract_is_used_when_it_covers_the_unit():
    doc = contract()
    snv = next(u for u in doc["units"] if u["code"] == "SNV")
    snv["survey_total"] = {**snv["survey_total"], "se": 0.8, "se_method": "design"}
    result = combine(PACK, doc, SELF, rank_seed=3, rank_draws=200)
    assert result.unit("SNV").survey_se == pytest.approx(0.8)
    assert result.unit("BDT").survey_se == pytest.approx(1.0)  # sum of the criteria's SEs
    # points of 8.2 given from a named outside source carry no sampling error
    doc = contract(drop={("SNV", "8.2")})
    snv = next(u for u in doc["units"] if u["code"] == "SNV")
    assert snv["survey_total"]["se"] == pytest.approx(0.5)  # 8.1 alone
    lines = SELF.strip().splitlines()
    rows = [lines[0] + ",nguon"] + [line + "," for line in lines[1:]]
    rows.append("SNV,8.2,18,,PAPI 2025")
    result = combine(PACK, doc, "\n".join(rows) + "\n", rank_seed=3, rank_draws=200)
    assert result.unit("SNV").details["8.2"].source == "PAPI 2025"
    assert result.unit("SNV").survey_se == pytest.approx(0.5)


def test_previous_ranks_from_last_years_points_within_each_unit_type():
    """Last year's index = previous points ÷ the same nodes' maximum; ties share a rank; a unit
    without previous points has none; unit types are ranked apart."""
    from analysis.combiner import CombinedIndex, CriterionChange, CriterionScore, UnitScore
    from analysis.combiner import previous_ranks

    def unit(code, unit_type):
        details = {c: CriterionScore(c, "1", m, m / 2, "scored", "self_assessment")
                   for c, m in (("1.1", 10.0), ("1.2", 30.0))}
        return UnitScore(code, code, unit_type, 20.0, 40.0, 50.0, 1, {}, {c: 5.0 for c in details},
                         details)

    current = CombinedIndex("R", 2025, "p", "1", (unit("A", "agency"), unit("B", "agency"),
                                                  unit("C", "agency"), unit("D", "agency"),
                                                  unit("X", "commune")))
    previous = {"A": {"1.1": 5.0, "1.2": 15.0},  # 20 / 40 = 50 %
                "B": {"1.1": 10.0, "1.2": None},  # only 1.1 applied: 10 / 10 = 100 %
                "C": {"1.1": 2.5, "1.2": 17.5},  # 20 / 40 = 50 %, tied with A
                "X": {"1.1": 1.0, "1.2": 1.0}}  # the only commune
    changes = [CriterionChange(u, c, 5.0, p, None, None)
               for u, criteria in previous.items() for c, p in criteria.items()]
    assert previous_ranks(current, changes) == {"B": 1, "A": 2, "C": 2, "X": 1}
