"""The README's pictures of the staff side: seed the demo round on a throw-away SQLite database
(``par-survey demo --no-serve``), run the admin's quality check, serve the app on a free local
port, log in as the demo's admin with Playwright (Debian's chromium) and save the results page
(with its charts) and the monitor at 1,366 px wide.

Run: ``python scripts/staff_screenshots.py [--out docs] [--width 1366] [--max-height 2600]``;
needs the test extras (``pip install -e ".[test]"``: Playwright) and ``/usr/bin/chromium``.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import tempfile
import threading
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def seed(folder: str):
    """The app on a new database in ``folder``, seeded with the demo; returns (app, manifest,
    the round's id)."""
    os.environ["PAR_SURVEY_INSTANCE"] = folder
    from survey_app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/demo.sqlite"})
    with app.app_context():
        from survey_app.schema import upgrade_schema

        upgrade_schema()
        from survey_app.commands.demo import demo

        result = app.test_cli_runner().invoke(demo, ["--no-serve"])
        assert result.exit_code == 0, result.output
        from survey_app.extensions import db
        from survey_app.operations.analysis_run import apply_quality_flags
        from survey_app.operations.demo import demo_round

        survey_round = demo_round()
        apply_quality_flags(survey_round)   # what the admin's button on the results page does
        db.session.commit()
        round_id = survey_round.id
        db.session.remove()
    manifest = json.loads(Path(app.instance_path, "demo-manifest.json").read_text("utf-8"))
    return app, manifest, round_id


def shoot(base: str, manifest: dict, round_id: int, out: Path, width: int,
          max_height: int) -> list[Path]:
    from playwright.sync_api import sync_playwright

    code = manifest["round"]["code"]
    pages = {"staff-results.png": f"/results/{code}",
             "staff-monitor.png": f"/admin/rounds/{round_id}/monitor"}
    saved = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": width, "height": 900},
                                          locale="vi-VN")
            context.set_default_timeout(120_000)
            page = context.new_page()
            page.goto(f"{base}/auth/login")
            page.fill("#username", manifest["admin"]["username"])
            page.fill("#password", manifest["admin"]["password"])
            page.click("main button[type=submit]")
            page.wait_for_url(f"{base}/admin/")
            for name, url in pages.items():
                page.goto(f"{base}{url}")
                height = page.evaluate("document.documentElement.scrollHeight")
                path = out / name
                page.screenshot(path=str(path), full_page=True,
                                clip={"x": 0, "y": 0, "width": width,
                                      "height": min(height, max_height)})
                saved.append(path)
        finally:
            browser.close()
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="docs")
    parser.add_argument("--width", type=int, default=1366)
    parser.add_argument("--max-height", type=int, default=2600)
    args = parser.parse_args()
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)   # no line per request
    with tempfile.TemporaryDirectory() as folder:
        app, manifest, round_id = seed(folder)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            saved = shoot(f"http://127.0.0.1:{server.server_port}", manifest, round_id, out,
                          args.width, args.max_height)
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)
    for path in saved:
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
