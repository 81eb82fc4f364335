"""Frame checks: every row error reported, no rows on error, stable content hash, CSV reading."""

import datetime as dt
import io
import unicodedata

import pytest

from sampling import (
    COMMUNES,
    OFFICIALS,
    SIPAS_DOSSIERS,
    Column,
    FrameSpec,
    read_csv_rows,
    validate_frame,
)

GOOD_CSV = (
    "dossier_id,unit_code,procedure,completed_date,name,phone\n"
    "H001,X01,Cấp giấy khai sinh,05/03/2024,Người A,0900000001\n"
    "H002,X02,Đăng ký kinh doanh,2024-03-06,,\n"
)
UNITS = ["X01", "X02"]


def check_csv(text, spec=SIPAS_DOSSIERS, units=UNITS):
    return validate_frame(read_csv_rows(text), spec, known_unit_codes=units)


def test_a_good_frame_is_parsed_with_types_and_hashed():
    check = check_csv(GOOD_CSV)
    assert check.ok and check.row_count == 2
    assert check.rows[0]["completed_date"] == dt.date(2024, 3, 5)
    assert check.rows[1]["name"] is None
    assert len(check.content_hash) == 64
    assert check.analysis_rows()[0] == {"dossier_id": "H001", "unit_code": "X01",
                                        "procedure": "Cấp giấy khai sinh",
                                        "completed_date": dt.date(2024, 3, 5)}


def test_every_row_error_is_reported_with_row_column_and_both_languages():
    text = (
        "dossier_id,unit_code,procedure,completed_date\n"
        "H001,X01,P,05/03/2024\n"
        "H001,X09,P,31/02/2024\n"   # row 3: duplicate id, unknown unit, impossible date
        "H003,X01,,2024-01-01\n"    # row 4: missing procedure
        "H004,X02,P,hôm qua,extra\n"  # row 5: bad date, extra value
    )
    check = check_csv(text)
    found = {(e.row, e.column) for e in check.errors}
    assert found == {(3, "dossier_id"), (3, "unit_code"), (3, "completed_date"),
                     (4, "procedure"), (5, "completed_date"), (5, None)}
    assert check.rows == () and check.content_hash is None and not check.ok
    for error in check.errors:
        assert error.message_vi and error.message_en and error.message_vi != error.message_en
    duplicate = next(e for e in check.errors if e.column == "dossier_id")
    assert "dòng 2" in duplicate.message_vi and "row 2" in duplicate.message_en


def test_missing_required_columns_are_reported_on_the_header_row():
    check = check_csv("dossier_id,procedure\nH1,P\n")
    assert {(e.row, e.column) for e in check.errors} == {(1, "unit_code"),
                                                        (1, "completed_date")}


def test_numbers_minimum_and_personal_values_not_echoed():
    text = "unit_code,name,population\nX01,Xã A,1200\nX02,Xã B,-5\nX03,Xã C,12.5\n"
    check = check_csv(text, COMMUNES, ["X01", "X02", "X03"])
    assert [(e.row, e.column) for e in check.errors] == [(3, "population"), (4, "population")]
    assert "không phải là số nguyên" in check.errors[1].message_vi
    spec = FrameSpec("t", (Column("id"), Column("age", "int", personal=True)))
    problem = validate_frame([{"id": "1", "age": "bốn mươi"}], spec).errors[0]
    assert "bốn mươi" not in problem.message_en and "hidden" in problem.message_en


def test_hash_is_stable_across_sources_and_sensitive_to_content_and_order():
    reference = check_csv(GOOD_CSV).content_hash
    assert check_csv("\ufeff" + GOOD_CSV).content_hash == reference
    assert check_csv(GOOD_CSV.encode("utf-8-sig")).content_hash == reference
    assert check_csv(io.BytesIO(GOOD_CSV.encode())).content_hash == reference
    assert check_csv(GOOD_CSV.replace(",", ";").replace("\n", "\r\n")).content_hash == reference
    assert check_csv(unicodedata.normalize("NFD", GOOD_CSV)).content_hash == reference
    # Typed cells, as a spreadsheet reader passes them, and Vietnamese headings.
    typed = [
        {"Mã hồ sơ": "H001", "Mã đơn vị": "X01", "Thủ tục": "Cấp giấy khai sinh",
         "Ngày trả kết quả": dt.datetime(2024, 3, 5), "Họ và tên": "Người A",
         "Số điện thoại": "0900000001"},
        {"Mã hồ sơ": "H002", "Mã đơn vị": "X02", "Thủ tục": "Đăng ký kinh doanh",
         "Ngày trả kết quả": dt.date(2024, 3, 6), "Họ và tên": None, "Số điện thoại": None},
    ]
    assert validate_frame(typed, SIPAS_DOSSIERS, UNITS).content_hash == reference
    assert check_csv(GOOD_CSV.replace("H002", "H003")).content_hash != reference
    lines = GOOD_CSV.splitlines()
    swapped = "\n".join([lines[0], lines[2], lines[1]]) + "\n"
    assert check_csv(swapped).content_hash != reference


def test_blank_rows_are_skipped_but_keep_their_row_numbers_and_extra_columns_are_ignored():
    text = "person_id,unit_code,group,note\nP1,X01,leader,a\n,,,\nP2,X01,,b\n"
    check = check_csv(text, OFFICIALS)
    assert check.row_count == 2
    assert [(e.row, e.column) for e in check.errors] == [(4, "group")]
    assert check.ignored_columns == ("note",)


def test_unit_codes_are_not_checked_without_a_list_and_spec_codes_apply():
    assert check_csv(GOOD_CSV, units=None).ok
    spec = FrameSpec("t", (Column("unit_code", unit_code=True),), unit_codes=frozenset({"A"}))
    assert [e.row for e in validate_frame([{"unit_code": "A"}, {"unit_code": "B"}],
                                          spec).errors] == [3]


def test_empty_frames_and_bad_encodings():
    assert [e.row for e in check_csv("").errors] == [1]
    assert [e.row for e in check_csv("dossier_id,unit_code\n").errors] == [1]
    with pytest.raises(ValueError, match="UTF-8"):
        list(read_csv_rows(b"ma,ten\n1,H\xe0 N\xf4i\n"))  # Latin-1, not UTF-8
    with pytest.raises(ValueError, match="UTF-8"):
        list(read_csv_rows(io.BytesIO(b"ma,ten\n1,H\xe0 N\xf4i\n")))


def test_spec_declarations_are_checked():
    with pytest.raises(ValueError, match="type"):
        Column("x", "bool")
    with pytest.raises(ValueError, match="twice"):
        FrameSpec("t", (Column("a"), Column("b", aliases=("A",))))
    assert SIPAS_DOSSIERS.personal_columns == ("name", "phone", "email")
    assert OFFICIALS.personal_columns == ("name", "phone", "email")
    assert COMMUNES.personal_columns == ()
