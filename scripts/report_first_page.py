"""The README's picture of the results report: seed the demo round on a throw-away SQLite
database, publish it, write its PDF report (with the demo's self-assessment and last year's
results) and render the first page as a PNG.

Run: ``python scripts/report_first_page.py [-o docs/report-first-page.png]``; needs
``pip install pypdfium2`` (not a dependency of the product).
"""
from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-o", "--output", default="docs/report-first-page.png")
    parser.add_argument("--scale", type=float, default=1.4)
    args = parser.parse_args()
    try:
        import pypdfium2
    except ImportError:
        raise SystemExit("pip install pypdfium2 first") from None
    output = Path(args.output).resolve()
    with tempfile.TemporaryDirectory() as folder:
        os.environ["PAR_SURVEY_INSTANCE"] = folder
        from survey_app import create_app

        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/demo.sqlite"})
        runner = app.test_cli_runner()
        with app.app_context():
            from survey_app.schema import upgrade_schema

            upgrade_schema()
            from survey_app.commands.demo import demo

            result = runner.invoke(demo, ["--no-serve"])
            assert result.exit_code == 0, result.output
            from survey_app.extensions import db
            from survey_app.operations.demo import demo_round, demo_self_assessment
            from survey_app.operations.reports import report_sources
            from survey_app.operations.rounds import change_status
            from survey_app.reports.render import report_file

            survey_round = demo_round()
            change_status(survey_round, "closed")
            change_status(survey_round, "published")
            db.session.commit()
            sources = report_sources(survey_round,
                                     self_assessment=demo_self_assessment(survey_round).encode())
            pdf = report_file(sources, "pdf", "vi").content
    page = pypdfium2.PdfDocument(pdf)[0]
    output.parent.mkdir(parents=True, exist_ok=True)
    page.render(scale=args.scale).to_pil().save(output)
    print(f"wrote {output} from a {len(pdf):,}-byte PDF; contract SHA-256 {sources.sha256}")


if __name__ == "__main__":
    main()
