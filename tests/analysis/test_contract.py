"""Export contract v1: schema, round trip, version check, checksum, tables, respondent files."""

import copy
import csv
import io
import json
import math
from datetime import datetime, timezone

import numpy as np
import pyreadstat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from analysis.contract import (
    ContractError, Variable, build_contract, canonical_json, checksum_text, codebook,
    contract_errors, contract_schema, contract_tables, csv_bytes, escape_cell, read_contract,
    respondent_table, validate_contract, verify_checksum, write_respondents_sav, write_xlsx,
)
from analysis.estimate import Estimate
from analysis.indices import SipasIndex, SipasResult
from analysis.points import CriterionPoints

WHEN = datetime(2025, 11, 3, 8, 30, tzinfo=timezone.utc)
PROVENANCE = {
    "pack": {"id": "TH-2023-SO", "version": "1.2"},
    "questionnaires": [{"code": "BM-01", "version": "3", "content_hash": "ab" * 32}],
    "sampling": {"seed": 20251103, "frame_hash": "cd" * 32},
    "weighting_method": "post-stratification by unit",
    "software_version": "0.1.0",
}
ROUND = {"code": "TH-2025", "year": 2025, "province": "Thanh Hóa",
         "period_start": "2025-09-01", "period_end": "2025-10-31"}


def small_doc(**overrides):
    units = [{"code": "SNV", "name": "Sở Nội vụ", "unit_type": "department",
              "valid_from": "2020-01-01", "valid_to": None}]
    points = [CriterionPoints("SNV", "8.1", 1.5, 2.0, 0.1, 1.3, 1.7, 30.0, 45, 40.2,
                              ("small_cell",), ())]
    value = Estimate(80.5, 2.1, 76.2, 84.3, df=30, deff=float("nan"), n=45)
    sipas = SipasResult((SipasIndex("overall", "overall", None, value, value),
                         SipasIndex("element", "E1", "SNV", value, value),
                         SipasIndex("criterion", "q1", "SNV", value, value)))
    kwargs = dict(round=ROUND, provenance=PROVENANCE, units=units, criterion_points=points,
                  sipas=sipas, response_counts=[{"group": "BM-01", "unit": None, "invited": 60,
                                                  "completed": 45, "quarantined": 2}],
                  generated_at=WHEN)
    kwargs.update(overrides)
    return build_contract(**kwargs)


def test_schema_is_2020_12_and_a_built_document_validates():
    assert contract_schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    doc = small_doc()
    assert validate_contract(doc) is doc
    assert doc["provenance"]["generated_at"] == "2025-11-03T08:30:00Z"
    assert doc["response_counts"][0]["response_rate"] == 0.75
    assert [i["level"] for i in doc["units"][0]["sipas"]] == ["element"]  # criteria not exported
    assert doc["units"][0]["sipas"][0]["flags"] == []
    assert len(doc["province_sipas"]) == 1


def test_sipas_small_cell_flag_is_carried_and_validated():
    value = Estimate(80.5, 2.1, 76.2, 84.3, df=30, deff=float("nan"), n=12)
    sipas = SipasResult((SipasIndex("overall", "overall", "SNV", value, value, small_cell=True),))
    doc = small_doc(sipas=sipas)
    assert doc["units"][0]["sipas"][0]["flags"] == ["small_cell"]
    assert validate_contract(doc) is doc
    doc["units"][0]["sipas"][0]["flags"] = ["tiny"]
    assert contract_errors(doc)


def test_every_schema_error_is_listed():
    doc = small_doc()
    doc["units"][0]["criteria"][0]["points"] = -1
    doc["units"][0]["criteria"][0]["flags"] = ["odd"]
    doc["round"]["period_end"] = "31/10/2025"
    del doc["provenance"]["pack"]["version"]
    errors = contract_errors(doc)
    assert len(errors) == 5  # the bad date breaks both its format and its pattern
    assert any(e.startswith("units/0/criteria/0/points") for e in errors)
    assert any(e.startswith("round/period_end") for e in errors)
    with pytest.raises(ContractError) as info:
        validate_contract(doc)
    assert len(info.value.problems) == 5
    assert "không hợp lệ" in info.value.message_vi


def test_other_contract_version_is_rejected_clearly():
    doc = small_doc()
    doc["contract_version"] = "2"
    with pytest.raises(ContractError, match="Contract version '2' is not supported") as info:
        read_contract(json.dumps(doc))
    assert "không được hỗ trợ" in info.value.message_vi
    with pytest.raises(ContractError, match="not valid JSON"):
        read_contract("{not json")


def test_checksum_detects_an_edit():
    data = canonical_json(small_doc())
    text = checksum_text(data, "TH-2025.json")
    assert text.endswith("  TH-2025.json\n")
    assert verify_checksum(data, text)
    edited = data.replace(b'"points":1.5', b'"points":1.6')
    assert edited != data
    assert not verify_checksum(edited, text)


def test_builder_rejects_points_for_unknown_unit():
    bad = [CriterionPoints("XYZ", "8.1", 1.0, 2.0, 0.1, 0.8, 1.2, 5.0, 40, 40.0, (), ())]
    with pytest.raises(ValueError, match="unit 'XYZ'"):
        small_doc(criterion_points=bad)


def test_nan_becomes_null():
    nan_points = [CriterionPoints("SNV", "8.1", 1.5, 2.0, math.nan, math.nan, math.inf, 1.0, 3,
                                  3.0, ("small_cell",), ())]
    doc = small_doc(criterion_points=nan_points)
    assert doc["units"][0]["criteria"][0]["se"] is None
    validate_contract(doc)
    canonical_json(doc)


finite = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)
maybe = st.one_of(st.none(), finite)
code = st.text(alphabet="ABCDĐƯƠabc0123456789._-", min_size=1,
               max_size=12).filter(lambda s: s[0] != " ")


@st.composite
def contracts(draw):
    unit_codes = draw(st.lists(code, min_size=1, max_size=4, unique=True))
    units = [{"code": c, "name": draw(st.text(min_size=1, max_size=20)), "unit_type": "commune",
              "valid_from": "2025-07-01", "valid_to": None} for c in unit_codes]
    points = []
    for u in unit_codes:
        for crit in draw(st.lists(code, max_size=3, unique=True)):
            mx = draw(st.floats(min_value=0.25, max_value=10))
            points.append({"unit": u, "criterion": crit, "points": draw(st.floats(0, mx)),
                           "max_points": mx, "n": draw(st.integers(0, 10**6)),
                           "effective_n": draw(maybe), "se": draw(maybe), "ci_low": draw(maybe),
                           "ci_high": draw(maybe),
                           "flags": draw(st.lists(st.sampled_from(["small_cell", "missing_group"]),
                                                  unique=True))})
    values = [Estimate(draw(finite), draw(finite), draw(finite), draw(finite), df=4,
                       deff=float("nan"), n=draw(st.integers(0, 1000))) for _ in unit_codes]
    sipas = SipasResult(tuple(SipasIndex("overall", "overall", u, v, v)
                              for u, v in zip(unit_codes, values)))
    counts = [{"group": None, "unit": u, "invited": draw(st.integers(1, 5000)),
               "completed": draw(st.integers(0, 5000)), "quarantined": draw(st.integers(0, 50))}
              for u in unit_codes]
    counts = [c | {"completed": min(c["completed"], c["invited"])} for c in counts]
    return build_contract(round=ROUND, provenance=PROVENANCE, units=units, criterion_points=points,
                          sipas=sipas, response_counts=counts, generated_at=WHEN), points


@settings(max_examples=60, deadline=None)
@given(contracts())
def test_round_trip_reproduces_every_number(case):
    doc, points = case
    data = canonical_json(doc)
    back = read_contract(data)
    assert back == doc
    by_key = {(u["code"], c["code"]): c for u in back["units"] for c in u["criteria"]}
    for p in points:
        c = by_key[(p["unit"], p["criterion"])]
        for name in ("points", "max_points", "n", "effective_n", "se", "ci_low", "ci_high"):
            assert c[name] == p[name]
    assert verify_checksum(canonical_json(back), checksum_text(data, "x.json"))


def test_escaping_text_but_not_numbers():
    assert escape_cell("=SUM(A1)") == "'=SUM(A1)"
    assert escape_cell("+84 912") == "'+84 912"
    assert escape_cell("-x") == "'-x"
    assert escape_cell("@cmd") == "'@cmd"
    assert escape_cell("Sở Nội vụ") == "Sở Nội vụ"
    assert escape_cell(-3.5) == -3.5
    doc = small_doc(units=[{"code": "SNV", "name": "=HYPERLINK(\"x\")", "unit_type": "department",
                            "valid_from": None, "valid_to": None}])
    headers, rows = contract_tables(doc)["criteria"]
    text = csv_bytes(headers, rows).decode("utf-8-sig")
    row = next(r for r in csv.reader(io.StringIO(text)) if r[1] == "SNV")
    assert row[2] == "'=HYPERLINK(\"x\")"
    stream = io.BytesIO()
    write_xlsx({"criteria": (headers, rows + [["-", "SNV", "x", "t", "c", -1.25, 2, 3, None, None,
                                                 None, None, ""]])}, stream)
    sheet = load_workbook(io.BytesIO(stream.getvalue()))["criteria"]
    assert sheet["C2"].value == "'=HYPERLINK(\"x\")"
    assert sheet["C2"].data_type == "s"
    assert sheet["F2"].value == 1.5
    assert sheet["F3"].value == -1.25
    assert sheet["A3"].value == "'-"


def test_sav_round_trip_with_vietnamese_labels(tmp_path):
    variables = [
        Variable("don_vi", "Đơn vị được đánh giá", ["SNV", "STC", "SNV"]),
        Variable("q1", "Hài lòng với thái độ công chức", np.array([5.0, np.nan, 4.0]),
                 {1: "Rất không hài lòng", 2: "Không hài lòng", 3: "Bình thường", 4: "Hài lòng",
                  5: "Rất hài lòng"}),
        Variable("tuoi", "Nhóm tuổi", [1, 2, 3], {1: "18–25", 2: "25–34", 3: "35–49"}),
    ]
    path = tmp_path / "respondents.sav"
    write_respondents_sav(variables, path)
    frame, meta = pyreadstat.read_sav(str(path))
    assert list(frame.columns) == ["don_vi", "q1", "tuoi"]
    assert meta.column_labels == ["Đơn vị được đánh giá", "Hài lòng với thái độ công chức",
                                  "Nhóm tuổi"]
    assert meta.variable_value_labels["q1"][5.0] == "Rất hài lòng"
    assert meta.variable_value_labels["tuoi"][1.0] == "18–25"
    assert frame["don_vi"].tolist() == ["SNV", "STC", "SNV"]
    assert frame["q1"].iloc[0] == 5.0 and np.isnan(frame["q1"].iloc[1])
    headers, rows = respondent_table(variables)
    assert rows[1] == ["STC", None, 2]
    book = codebook(variables)[1]
    assert ["q1", None, None, 4, "Hài lòng"] in book
    assert book[0] == ["don_vi", "Đơn vị được đánh giá", "text", None, None]


def test_bad_variable_names_are_refused(tmp_path):
    with pytest.raises(ValueError, match="Variable names must start with a letter"):
        write_respondents_sav([Variable("1q", "x", [1.0])], tmp_path / "x.sav")
    doc = small_doc()
    broken = copy.deepcopy(doc)
    broken["units"][0]["criteria"][0]["n"] = 1.5
    assert contract_errors(broken)
