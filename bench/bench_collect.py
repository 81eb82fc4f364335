"""ODK Collect's requests (``/openrosa``) beside the JSON API's, in one process on SQLite.

Seeds the demo round (``seed_demo``) and its interviewer (``dieutravien``, five assigned cases),
then times, in the Flask test client:

1. ``GET /openrosa/formList`` (HTTP Basic: a password check per request, then the interviewer's
   assigned units filtered from every open entry point), beside ``GET /healthz``;
2. one password check (werkzeug's scrypt hash, what every Basic request pays);
3. new submissions of the same valid SIPAS answers, alternately in blocks: Collect's multipart
   ``POST /openrosa/submission`` (Basic auth, instance XML read with defusedxml, assignment check,
   channel ``odk``, fieldwork record) and the JSON API's ``POST /api/v1/submissions`` with the
   entry code (the baseline: the same ``submit``).

    python bench/bench_collect.py --blocks 5 --per-block 20

Prints the median and p90 milliseconds of each and the ratio to its baseline, with the load
average at the end.
"""
from __future__ import annotations

import argparse
import base64
import io
import os
import statistics
import sys
import tempfile
import time
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
XF = "{http://www.w3.org/2002/xforms}"
LIST = "{http://openrosa.org/xforms/xformsList}"


def timed(call) -> float:
    start = time.perf_counter()
    reply = call()
    elapsed = (time.perf_counter() - start) * 1000
    assert reply.status_code in (200, 201), (reply.status_code, reply.data[:300])
    return elapsed


def figures(name: str, values: list[float], baseline: list[float] | None = None) -> str:
    values = sorted(values)
    p90 = values[int(0.9 * (len(values) - 1))]
    median = statistics.median(values)
    line = f"{name:<36} n={len(values):>4}  median {median:7.1f} ms  p90 {p90:7.1f} ms"
    if baseline:
        line += f"  ×{median / statistics.median(baseline):.2f} of baseline"
    return line


def run(blocks: int, per_block: int, instance: str) -> None:
    os.environ["PAR_SURVEY_INSTANCE"] = instance
    from survey_app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance}/bench.sqlite",
                      "SECRET_KEY": "b" * 40, "TESTING": True, "WTF_CSRF_ENABLED": False,
                      "PUBLIC_BASE_URL": "http://localhost"})
    with app.app_context():
        from survey_app.extensions import db
        from survey_app.models import EntryPoint
        from survey_app.operations.cati import ensure_demo_interviewer
        from survey_app.operations.demo import seed_demo
        from survey_app.operations.documents import load_questionnaire
        from survey_app.operations.synthetic import synthesize_answers
        from survey_app.schema import upgrade_schema

        upgrade_schema()
        seeded = seed_demo()
        password = "mat-khau-do-" + uuid.uuid4().hex[:8]
        user, cases = ensure_demo_interviewer(seeded["round"], password)
        db.session.commit()
        entries = len(seeded["entries"])
        client = app.test_client()
        token = base64.b64encode(f"{user.username}:{password}".encode()).decode()
        odk = {"X-OpenRosa-Version": "1.0", "Authorization": f"Basic {token}"}

        listing = client.get("/openrosa/formList", headers=odk)
        forms = ET.fromstring(listing.data).findall(f"{LIST}xform")
        form_id = forms[0].findtext(f"{LIST}formID")
        code = form_id.removeprefix("par-")
        entry = db.session.scalar(db.select(EntryPoint).where(EntryPoint.code == code))
        questionnaire = load_questionnaire(entry.questionnaire)
        xform = ET.fromstring(client.get(f"/openrosa/forms/{form_id}.xml", headers=odk).data)
        data = xform.find(f"{{http://www.w3.org/1999/xhtml}}head/{XF}model/{XF}instance")[0]
        answers = questionnaire.clean(synthesize_answers(questionnaire,
                                                         np.random.default_rng(7), 0.8))
        texts = {k: " ".join(map(str, v)) if isinstance(v, list) else str(v)
                 for k, v in answers.items()}

        def instance_xml(instance_id: str) -> bytes:
            for element in data.iter():
                name = element.tag.rsplit("}", 1)[-1]
                if name in texts:
                    element.text = texts[name]
                if name == "instanceID":
                    element.text = f"uuid:{instance_id}"
            return ET.tostring(data, encoding="utf-8", xml_declaration=True)

        def collect_post():
            document = instance_xml(str(uuid.uuid4()))
            return client.post("/openrosa/submission", headers=odk,
                               content_type="multipart/form-data",
                               data={"xml_submission_file": (io.BytesIO(document),
                                                             "instance.xml", "text/xml")})

        def api_post():
            return client.post("/api/v1/submissions", json={
                "entry": code, "submission_id": str(uuid.uuid4()), "answers": answers})

        timed(collect_post), timed(api_post), timed(lambda: client.get("/healthz"))  # warm up
        lists, health, collect, api, hashes = [], [], [], [], []
        for _ in range(blocks):
            for _ in range(per_block):
                lists.append(timed(lambda: client.get("/openrosa/formList", headers=odk)))
                health.append(timed(lambda: client.get("/healthz")))
            for _ in range(per_block):
                start = time.perf_counter()
                assert user.check_password(password)
                hashes.append((time.perf_counter() - start) * 1000)
            collect += [timed(collect_post) for _ in range(per_block)]
            api += [timed(api_post) for _ in range(per_block)]
        print(f"demo round: {entries} entry points; {user.username} holds {cases} cases and "
              f"lists {len(forms)} forms")
        print(figures("GET /healthz (baseline)", health))
        print(figures("one password check (Basic auth)", hashes))
        print(figures("GET /openrosa/formList", lists, health))
        print(figures("POST /api/v1/submissions (baseline)", api))
        print(figures("POST /openrosa/submission", collect, api))
    print("load average:", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=5)
    parser.add_argument("--per-block", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run(args.blocks, args.per_block, folder)
