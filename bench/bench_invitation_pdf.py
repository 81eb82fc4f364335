"""Time the printable invitation cards (PDF through WeasyPrint) that every issue of invitations
stores, against the XLSX list of the same links as a baseline.

Run:  python bench/bench_invitation_pdf.py [cards ...]     (default: 8 40 200)

Issuing runs inside the request, so this is how long staff wait for a large issue.
"""

from __future__ import annotations

import secrets
import sys
import time
from types import SimpleNamespace

from survey_app import create_app
from survey_app.operations.invitation_files import cards_pdf
from survey_app.operations.invitations import IssuedInvitation, issued_table
from survey_app.spreadsheets import xlsx_bytes


def main(counts: list[int]) -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": "bench-" + "x" * 40,
                      "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "PUBLIC_BASE_URL": "https://khaosat.example.vn"})
    unit = SimpleNamespace(name="Sở Nội vụ", code="SO-NV")
    member = SimpleNamespace(selection_order=1, role="selected", stratum="S1")
    print(f"{'cards':>6} {'PDF s':>8} {'s/card':>8} {'PDF KiB':>8} {'XLSX s':>8}")
    with app.test_request_context():
        for n in counts:
            issued = [IssuedInvitation(member, unit, secrets.token_urlsafe(24),
                                       {"name": f"Người dân {i}"}) for i in range(n)]
            start = time.perf_counter()
            pdf = cards_pdf(SimpleNamespace(code="R"), issued)
            pdf_s = time.perf_counter() - start
            start = time.perf_counter()
            xlsx_bytes({"thu moi": issued_table(issued)})
            xlsx_s = time.perf_counter() - start
            print(f"{n:>6} {pdf_s:>8.2f} {pdf_s / n:>8.3f} {len(pdf) // 1024:>8} {xlsx_s:>8.3f}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [8, 40, 200])
