"""``questionnaires.xform``: XForms named per form, and ODK instances read safely."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from questionnaires.bundled import load_bundled
from questionnaires.xform import INSTANCE_MAX_BYTES, InstanceRefused, read_instance, to_xform

XF = "{http://www.w3.org/2002/xforms}"
GOOD = (b'<?xml version="1.0"?><data xmlns:orx="http://openrosa.org/xforms" id="par-A" '
        b'version="1"><p><age>42</age><comment/></p><pick>a b</pick>'
        b'<orx:meta><orx:instanceID>uuid:2f1c4b9e-8f0d-4c55-9a43-1d2e3f4a5b6c</orx:instanceID>'
        b'</orx:meta></data>')


def test_an_instance_gives_its_form_id_and_answers_of_the_questions_answered():
    instance = read_instance(GOOD)
    assert instance.form_id == "par-A" and instance.version == "1"
    assert instance.instance_id == "2f1c4b9e-8f0d-4c55-9a43-1d2e3f4a5b6c"
    assert instance.answers == {"age": "42", "pick": "a b"}


@pytest.mark.parametrize("document", [
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "x"><!ENTITY b "&a;&a;">]><d id="f">&b;</d>',
    b'<?xml version="1.0"?><!DOCTYPE d SYSTEM "http://example.org/d.dtd"><d id="f"/>',
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]><d id="f">&e;'
    b'</d>',
    b"<d id='f'><unclosed></d>",
    b"<d><meta><instanceID>uuid:x</instanceID></meta></d>",  # no form id
    b"<d id='f'><age>1</age></d>",  # no instance id
    b"<d id='f'>" + b" " * INSTANCE_MAX_BYTES + b"</d>",
])
def test_dtds_entities_malformed_incomplete_and_oversized_instances_are_refused(document):
    with pytest.raises(InstanceRefused):
        read_instance(document)


def test_the_xform_of_a_bundled_questionnaire_carries_the_form_id_and_title():
    xform = ET.fromstring(to_xform(load_bundled("sipas_2025"), form_id="par-X1", title="Tiêu đề"))
    head = xform.find("{http://www.w3.org/1999/xhtml}head")
    assert head.findtext("{http://www.w3.org/1999/xhtml}title") == "Tiêu đề"
    assert head.find(f"{XF}model/{XF}instance")[0].get("id") == "par-X1"
