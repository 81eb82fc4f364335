"""``GET /api/v1/rounds/<code>/export`` and ``GET /api/v1/contract/schema``."""
from __future__ import annotations

import csv
import hashlib
import io
import json

import pytest
from jsonschema import Draft202012Validator

from tests.builders import create_scored_round, create_user, log_in


def _login(client, role: str) -> None:
    from survey_app.extensions import db

    user = create_user(role)
    db.session.commit()
    log_in(client, user)


@pytest.fixture
def published(app_ctx):
    from survey_app.extensions import db

    objects = create_scored_round(status="published")
    db.session.commit()
    return objects


def test_anonymous_gets_401_and_focal_point_403(client, published):
    response = client.get("/api/v1/rounds/KQ-2025/export?format=json")
    assert response.status_code == 401
    assert response.get_json()["error"]["message_vi"]
    _login(client, "focal_point")
    assert client.get("/api/v1/rounds/KQ-2025/export?format=json").status_code == 403


def test_unpublished_round_is_409(client, app_ctx):
    from survey_app.extensions import db

    create_scored_round(status="closed", code="KQ-NHAP")
    db.session.commit()
    _login(client, "council")
    response = client.get("/api/v1/rounds/KQ-NHAP/export?format=json")
    assert response.status_code == 409
    assert "công bố" in response.get_json()["error"]["message_vi"]


def test_unknown_round_and_format(client, published):
    _login(client, "admin")
    assert client.get("/api/v1/rounds/NOPE/export").status_code == 404
    assert client.get("/api/v1/rounds/KQ-2025/export?format=pdf").status_code == 400


def test_json_export_validates_carries_the_numbers_and_its_checksum(client, published):
    _login(client, "council")
    response = client.get("/api/v1/rounds/KQ-2025/export?format=json")
    assert response.status_code == 200
    body = response.get_data()
    assert response.headers["X-Checksum-SHA256"] == hashlib.sha256(body).hexdigest()
    schema = client.get("/api/v1/contract/schema").get_json()
    doc = json.loads(body)
    assert list(Draft202012Validator(schema).iter_errors(doc)) == []
    units = {u["code"]: u for u in doc["units"]}
    points = {c["code"]: c for c in units["SO-A"]["criteria"]}
    assert points["8"]["points"] == pytest.approx(1.675, rel=1e-12)
    assert points["8"]["measure"] == {"name": "sipas_share", "value": pytest.approx(41.875)}
    overall = next(i for i in units["SO-A"]["sipas"] if i["level"] == "overall")
    assert overall["share"]["value"] == pytest.approx(points["8"]["measure"]["value"], rel=1e-12)
    assert "measure" not in points["1.2"]
    # the quarantined response left out
    assert points["1.2"]["points"] == pytest.approx(1.2, rel=1e-12)
    overall = next(i for i in units["SO-A"]["sipas"] if i["level"] == "overall")
    assert overall["score"]["value"] == pytest.approx(44.21875, rel=1e-12)
    assert doc["provenance"]["pack"] == {"id": "test_pack", "version": "1"}
    used = {q["code"] for q in doc["provenance"]["questionnaires"]}
    assert used == {"sipas_test", "delegate_test"}
    # the checksum fetched separately matches the file downloaded (the export is reproducible)
    checksum = client.get("/api/v1/rounds/KQ-2025/export?format=sha256").get_data(as_text=True)
    assert checksum.split()[0] == hashlib.sha256(body).hexdigest()


def test_contract_reads_back_through_the_package_reader(client, published):
    from analysis.contract import read_contract

    _login(client, "admin")
    body = client.get("/api/v1/rounds/KQ-2025/export").get_data()
    assert read_contract(body)["round"]["code"] == "KQ-2025"


def test_csv_tables_and_escaped_respondent_cells(client, published):
    _login(client, "admin")
    response = client.get("/api/v1/rounds/KQ-2025/export?format=csv&table=criteria")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert {(r["unit_code"], r["criterion_code"]) for r in rows} == {
        ("SO-A", "1.2"), ("SO-A", "8"), ("XA-B", "1.2"), ("XA-B", "8")}
    respondents = client.get(
        "/api/v1/rounds/KQ-2025/export?format=csv&table=respondents").get_data()
    text = respondents.decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    assert ',=HYPERLINK' not in text


def test_xlsx_and_sav_exports(client, published, tmp_path):
    import openpyxl
    import pyreadstat

    _login(client, "admin")
    xlsx = client.get("/api/v1/rounds/KQ-2025/export?format=xlsx")
    assert xlsx.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(xlsx.get_data()), read_only=True)
    assert {"criteria", "sipas", "responses"} <= set(book.sheetnames)
    sav = client.get("/api/v1/rounds/KQ-2025/export?format=sav")
    assert sav.status_code == 200
    path = tmp_path / "round.sav"
    path.write_bytes(sav.get_data())
    frame, meta = pyreadstat.read_sav(str(path))
    assert len(frame) == 11
    labels = dict(zip(meta.column_names, meta.column_labels))
    assert labels["a1"] == "Ông/Bà hài lòng ở mức nào về a1?"
    assert meta.variable_value_labels["a1"][5.0] == "Rất hài lòng"
    assert max(frame["weight"].tolist()) == 30.0


def test_schema_is_public(client):
    schema = client.get("/api/v1/contract/schema")
    assert schema.status_code == 200
    assert schema.get_json()["properties"]["contract_version"] == {"const": "1"}


def test_openapi_describes_the_export_paths(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/rounds/{code}/export" in paths and "/contract/schema" in paths


def test_json_export_with_a_respondent_table_is_still_the_contract(client, published):
    # schemathesis (tests/security/test_api_fuzz.py) found format=json&table=respondents answering
    # 200 with the body `null`: the contract has no tables, so the table is ignored
    _login(client, "council")
    plain = client.get("/api/v1/rounds/KQ-2025/export?format=json").get_data()
    for table in ("respondents", "codebook"):
        response = client.get(f"/api/v1/rounds/KQ-2025/export?format=json&table={table}")
        assert response.status_code == 200
        assert response.get_data() == plain
        assert json.loads(response.get_data())["units"]
