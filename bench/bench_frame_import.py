"""Time the import of a 100,000-row SIPAS frame: read, check every row, bulk-store.

Prints wall times for, in the same run:

* reading the CSV alone (``csv.DictReader``: the floor for any checker);
* reading + checking every row (``sampling.frames.validate_frame``);
* the full import (check + bulk INSERT of FrameRows + commit), through ``import_frame``;
* the same upload through the web page (Flask test client, multipart POST);
* previewing, drawing (n = 3,000 in 50 strata) and verifying a plan on the stored frame;
* a baseline that stores one ORM object per row (``session.add`` + flush), on a slice, extrapolated.

Run: ``python bench/bench_frame_import.py [rows] [--postgres URL]`` (SQLite in a temporary folder by
default; with ``--postgres`` a scratch database is created on that server and dropped afterwards).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import tempfile
import time
import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def frame_csv(rows: int, units: list[str]) -> bytes:
    lines = ["ma_ho_so,ma_don_vi,thu_tuc,ngay_tra_ket_qua,ho_ten,so_dien_thoai"]
    for i in range(rows):
        lines.append(
            f"HS{i:08d},{units[i % len(units)]},Cấp giấy phép xây dựng,15/08/2025,Người dân {i},09{i:08d}"
        )
    return ("\n".join(lines) + "\n").encode()


def run(rows: int, database_url: str, instance: str) -> None:
    os.environ["PAR_SURVEY_INSTANCE"] = instance
    from survey_app import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "b" * 40,
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
        }
    )
    with app.app_context():
        import datetime as dt

        from sampling.frames import SIPAS_DOSSIERS, read_csv_rows, validate_frame
        from survey_app.extensions import db
        from survey_app.models import FrameRow, Province, SurveyRound, Unit, User
        from survey_app.operations.frames import import_frame
        from survey_app.schema import upgrade_schema

        upgrade_schema()
        province = Province(code="BP", name="Tỉnh đo", valid_from=dt.date(2025, 7, 1))
        db.session.add(province)
        db.session.flush()
        codes = [f"U{i:03d}" for i in range(50)]
        for code in codes:
            db.session.add(
                Unit(
                    province_id=province.id,
                    code=code,
                    name=f"Đơn vị {code}",
                    unit_type="agency",
                    valid_from=dt.date(2025, 7, 1),
                )
            )
        survey_round = SurveyRound(
            code="BENCH", province_id=province.id, year=2025, period="2025", title="Đo"
        )
        admin = User(username="bench", display_name="bench", role="admin")
        admin.set_password("bench-password")
        db.session.add_all([survey_round, admin])
        db.session.commit()
        data = frame_csv(rows, codes)
        print(
            f"frame: {rows:,} rows, {len(data) / 1e6:.1f} MB CSV, database {make_url(database_url).get_backend_name()}"
        )

        start = time.perf_counter()
        count = sum(1 for _ in csv.DictReader(io.StringIO(data.decode())))
        read_time = time.perf_counter() - start
        start = time.perf_counter()
        check = validate_frame(read_csv_rows(data), SIPAS_DOSSIERS, known_unit_codes=codes)
        check_time = time.perf_counter() - start
        assert check.ok and count == rows

        start = time.perf_counter()
        frame = import_frame(survey_round, "sipas_dossiers", "bench.csv", data)
        db.session.commit()
        import_time = time.perf_counter() - start
        assert frame.row_count == rows

        client = app.test_client()
        client.post("/auth/login", data={"username": "bench", "password": "bench-password"})
        start = time.perf_counter()
        reply = client.post(
            f"/admin/rounds/{survey_round.id}/frames/upload",
            content_type="multipart/form-data",
            data={"kind": "sipas_dossiers", "file": (io.BytesIO(data), "bench.csv")},
        )
        web_time = time.perf_counter() - start
        assert reply.status_code == 302, reply.status_code

        from survey_app.operations import sample_plans

        options = sample_plans.PlanOptions(
            size_mode="fixed", n=3000, strata_column="unit_code", replacements=10
        )
        start = time.perf_counter()
        sample_plans.preview_plan(frame, options)
        preview_time = time.perf_counter() - start
        start = time.perf_counter()
        plan = sample_plans.draw_plan(survey_round, frame, options, seed=1)
        db.session.commit()
        draw_time = time.perf_counter() - start
        start = time.perf_counter()
        assert sample_plans.verify_plan(plan) == plan.n
        verify_time = time.perf_counter() - start

        slice_rows = min(rows, 10_000)
        parsed = check.rows[:slice_rows]
        frame_id = frame.id
        start = time.perf_counter()
        for number, row in enumerate(parsed, start=rows + 1):
            db.session.add(
                FrameRow(
                    frame_id=frame_id,
                    row_number=number,
                    stratum=row["unit_code"],
                    design={k: str(v) for k, v in row.items() if k not in ("name", "phone")},
                    personal={"name": row["name"], "phone": row["phone"]},
                )
            )
            db.session.flush()
        db.session.rollback()
        orm_time = (time.perf_counter() - start) * rows / slice_rows

        print(f"{'step':52s} {'seconds':>8s} {'rows/s':>10s}")
        for label, seconds in (
            ("read CSV only (csv.DictReader)", read_time),
            ("read + check every row (validate_frame)", check_time),
            ("import_frame: check + bulk insert + commit", import_time),
            ("web upload (POST, check, store, commit)", web_time),
            ("preview n per stratum (50 strata, n = 3,000)", preview_time),
            ("draw + store 3,000 members and 500 replacements", draw_time),
            ("verify: redraw from the stored seed and compare", verify_time),
            (
                f"baseline: one ORM object + flush per row (x{rows // slice_rows} of {slice_rows:,})",
                orm_time,
            ),
        ):
            print(f"{label:52s} {seconds:8.2f} {rows / seconds:10,.0f}")
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", nargs="?", type=int, default=100_000)
    parser.add_argument(
        "--postgres", default=None, help="server URL, e.g. postgresql://postgres@127.0.0.1/postgres"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if args.postgres is None:
            run(args.rows, "sqlite:///" + os.path.join(folder, "bench.sqlite"), folder)
            return
        from survey_app.config import normalise_database_url

        server = make_url(normalise_database_url(args.postgres))
        name = f"par_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            run(args.rows, server.set(database=name).render_as_string(hide_password=False), folder)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            admin.dispose()


if __name__ == "__main__":
    main()
