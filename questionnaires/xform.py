"""ODK XForms of a questionnaire, and the answers an ODK instance document carries.

:func:`to_xform` writes the questionnaire as XLSForm (``write_xlsform``) and converts it with
pyxform, exactly as ODK's own tools do; the form's id and title are the caller's (one XForm per
questionnaire and rated unit, so the unit travels in the form id and needs no question).
:func:`read_instance` reads a submitted instance with defusedxml and refuses any DTD (so no
entity can be declared or expanded), oversized documents and forms other
than the one expected. Pure: no Flask, no database.
"""
from __future__ import annotations

import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from questionnaires.xlsform import write_xlsform

INSTANCE_MAX_BYTES = 1024 * 1024
XFORMS_NS = "http://www.w3.org/2002/xforms"
XHTML_NS = "http://www.w3.org/1999/xhtml"
_META_NAMES = {"meta", "instanceID", "deprecatedID", "instanceName"}
_JR_TEMPLATE = "{http://openrosa.org/javarosa}template"


class InstanceRefused(ValueError):
    """An instance document that is not read: malformed, with a DTD, too large, another form."""


@dataclass(frozen=True)
class Instance:
    """What an ODK instance document says: its form, its instance id and its answers."""

    form_id: str
    version: str | None
    instance_id: str
    answers: dict[str, Any]
    # meta/deprecatedID: the instance this one edits (an edit of a form already sent)
    deprecated_id: str | None = None
    root: Any = field(default=None, compare=False, repr=False)

    def with_rows(self, repeats) -> dict[str, Any]:
        """The answers with each repeat in ``repeats`` (names) read as a list of rows: Collect
        sends one element per row (``<grp>…</grp><grp>…</grp>``), each row a dict of its
        answered leaves (an empty row is kept, so the count is the count sent)."""
        return _answers(self.root, frozenset(repeats)) if self.root is not None else self.answers


def xform_template(questionnaire: Any) -> bytes:
    """The XForm (UTF-8 XML) pyxform makes of ``questionnaire``'s XLSForm export (the costly
    part: build it once per questionnaire, then name it with :func:`named_xform`)."""
    from pyxform.xls2xform import convert

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "form.xlsx"
        write_xlsform(questionnaire, path)
        return convert(xlsform=str(path), warnings=[]).xform.encode("utf-8")


def named_xform(template: bytes, *, form_id: str, title: str) -> bytes:
    """``template`` with the form id ``form_id`` (on the primary instance) and ``title``."""
    for prefix, uri in (("", XFORMS_NS), ("h", XHTML_NS), ("jr", "http://openrosa.org/javarosa"),
                        ("odk", "http://www.opendatakit.org/xforms"),
                        ("orx", "http://openrosa.org/xforms")):
        ET.register_namespace(prefix, uri)
    root = ET.fromstring(template)
    model = root.find(f"{{{XHTML_NS}}}head/{{{XFORMS_NS}}}model")
    model.find(f"{{{XFORMS_NS}}}instance")[0].set("id", form_id)
    root.find(f"{{{XHTML_NS}}}head/{{{XHTML_NS}}}title").text = title
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def to_xform(questionnaire: Any, *, form_id: str, title: str) -> bytes:
    """The XForm of ``questionnaire`` with the form id ``form_id`` and ``title``."""
    return named_xform(xform_template(questionnaire), form_id=form_id, title=title)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def read_instance(document: bytes) -> Instance:
    """The form id, instance id and answers (question name → text) of an ODK instance.

    Empty elements are unanswered questions; group elements are walked through, since question
    names are unique across the questionnaire. Raises :class:`InstanceRefused`.
    """
    if len(document) > INSTANCE_MAX_BYTES:
        raise InstanceRefused("the instance document is too large")
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(document, forbid_dtd=True, forbid_entities=True,
                          forbid_external=True)
    except DefusedXmlException:
        raise InstanceRefused("a DTD or an entity is not accepted") from None
    except ET.ParseError as exc:
        raise InstanceRefused(f"malformed XML: {exc}") from None
    form_id = root.get("id")
    if not form_id:
        raise InstanceRefused("the instance names no form id")
    instance_id = next((element.text or "" for element in root.iter()
                        if _local(element.tag) == "instanceID" and not len(element)), "").strip()
    if not instance_id:
        raise InstanceRefused("the instance has no meta/instanceID")
    deprecated_id = next((element.text or "" for element in root.iter()
                          if _local(element.tag) == "deprecatedID" and not len(element)), "")
    return Instance(form_id=form_id, version=root.get("version"),
                    instance_id=instance_id.removeprefix("uuid:"),
                    answers=_answers(root, frozenset()),
                    deprecated_id=deprecated_id.strip().removeprefix("uuid:") or None, root=root)


def _answers(root: Any, repeats: frozenset[str]) -> dict[str, Any]:
    """The answered leaves under ``root`` by name; an element named in ``repeats`` is a row."""
    answers: dict[str, Any] = {}
    stack = list(reversed(root))  # document order, no recursion (nesting is the sender's)
    while stack:
        element = stack.pop()
        name = _local(element.tag)
        if name in repeats:
            if element.get(_JR_TEMPLATE) is None:  # a form's template row is never an answer
                row = {_local(leaf.tag): leaf.text for leaf in element.iter()
                       if leaf is not element and not len(leaf) and (leaf.text or "").strip()}
                rows = answers.setdefault(name, [])
                if isinstance(rows, list):
                    rows.append(row)
        elif len(element):
            stack.extend(reversed(element))
        elif name not in _META_NAMES and (element.text or "").strip():
            answers[name] = element.text
    return answers
