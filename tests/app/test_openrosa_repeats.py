"""OpenRosa with repeats: the XForm declares each repeat (``<repeat>`` with ``jr:count`` when
counted, a template row in the instance) and an instance built as Collect sends it (one element
per row, ``<members>…</members><members>…</members>``) is stored as the lists of rows."""
from __future__ import annotations

import copy
import uuid
import xml.etree.ElementTree as ET

from tests.app.test_openrosa import XF, assign_unit_of, fetch_xform, post_instance
from tests.app.test_respond_repeats import DEFINITION

from builders import create_user, open_round_with_entry
from questionnaires.xform import read_instance
from survey_app.extensions import db
from survey_app.models import Response

JR = "{http://openrosa.org/javarosa}"
H = "{http://www.w3.org/1999/xhtml}"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def collect_instance(xform: ET.Element, answers: dict, rows: dict, instance_id: str) -> bytes:
    """The primary instance filled as Collect fills it: the template rows dropped, one copy of
    the repeat's element per row, then the answers outside repeats and the instance id."""
    data = copy.deepcopy(xform.find(f"{H}head/{XF}model/{XF}instance")[0])
    for parent in list(data.iter()):
        for name, given in rows.items():
            found = [child for child in parent if _local(child.tag) == name]
            if not found:
                continue
            template, where = found[0], list(parent).index(found[0])
            for child in found:
                parent.remove(child)
            for offset, row in enumerate(given):
                element = copy.deepcopy(template)
                element.attrib.pop(f"{JR}template", None)
                for leaf in element.iter():
                    if _local(leaf.tag) in row:
                        leaf.text = row[_local(leaf.tag)]
                parent.insert(where + offset, element)
    for element in data.iter():
        name = _local(element.tag)
        if name in answers:
            element.text = answers[name]
        if name == "instanceID":
            element.text = f"uuid:{instance_id}"
    return ET.tostring(data, encoding="utf-8", xml_declaration=True)


def test_the_xform_declares_the_repeats_and_collect_rows_are_stored(client, app_ctx):
    entry = open_round_with_entry(definition=DEFINITION)
    user = create_user("interviewer")
    assign_unit_of(entry, user)  # Collect lists only the forms of the interviewer's units
    db.session.commit()
    root, _, _ = fetch_xform(client, user)
    repeats = {r.get("nodeset").rsplit("/", 1)[-1]: r for r in root.iter(f"{XF}repeat")}
    assert set(repeats) == {"members", "visits"}
    assert repeats["members"].get(f"{JR}count")            # counted by ${n}
    assert repeats["visits"].get(f"{JR}count") is None
    data = root.find(f"{H}head/{XF}model/{XF}instance")[0]
    assert any(e.get(f"{JR}template") is not None for e in data.iter()
               if _local(e.tag) == "members")
    rows = {"members": [{"who": "An", "age": "40"},
                        {"who": "Bình", "age": "9", "school": "Tiểu học"}],
            "visits": [{"why": "Cấp giấy"}, {"why": "=cmd|' /C calc'!A0"}, {"why": "Nộp thuế"}]}
    instance_id = str(uuid.uuid4())
    document = collect_instance(root, {"n": "2"}, rows, instance_id)
    assert document.count(b"<members>") == 2 and b"template" not in document
    reply = post_instance(client, user, document)
    assert reply.status_code == 201, reply.data
    stored = db.session.scalars(db.select(Response)).one()
    assert stored.submission_id == instance_id and stored.rated_unit_id == entry.unit_id
    assert stored.answers == {
        "n": 2, "members": [{"who": "An", "age": 40},
                            {"who": "Bình", "age": 9, "school": "Tiểu học"}],
        "visits": rows["visits"]}


def test_rows_that_do_not_match_the_count_are_refused_and_nothing_stored(client, app_ctx):
    entry = open_round_with_entry(definition=DEFINITION)
    user = create_user("interviewer")
    assign_unit_of(entry, user)
    db.session.commit()
    root, _, _ = fetch_xform(client, user)
    document = collect_instance(root, {"n": "3"}, {"members": [{"who": "An"}], "visits": []},
                                str(uuid.uuid4()))
    reply = post_instance(client, user, document)
    assert reply.status_code == 422 and db.session.scalar(
        db.select(db.func.count()).select_from(Response)) == 0


def test_an_instance_reads_rows_only_for_the_repeats_named():
    document = (b'<data id="f"><n>2</n><m><who>A</who><g><age>3</age></g></m><m><who/></m>'
                b'<m xmlns:jr="http://openrosa.org/javarosa" jr:template=""><who>T</who></m>'
                b'<meta><instanceID>uuid:1</instanceID></meta></data>')
    instance = read_instance(document)
    assert instance.answers == {"n": "2", "who": "T", "age": "3"}   # flat, as before
    assert instance.with_rows({"m"}) == {"n": "2", "m": [{"who": "A", "age": "3"}, {}]}
