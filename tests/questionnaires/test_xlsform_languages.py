"""Any language of an XLSForm travels through import → model → XLSForm export → XForm."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pyxform.xls2xform import convert

import questionnaires as qn
from tests.questionnaires.test_xlsform_import import md, write

FR, KM, TH = "Français (fr)", "Khmer (km)", "ภาษาไทย (th)"
XF = "{http://www.w3.org/2002/xforms}"


def _form(settings: list[list[str]] | None = None) -> str:
    survey = [
        ["type", "name", "label", f"label::{FR}", f"label::{KM}", f"label::{TH}", "hint",
         f"hint::{FR}", "constraint", f"constraint_message::{FR}", "constraint_message",
         "required", f"required_message::{FR}", "required_message"],
        ["integer", "age", "Age", "Âge", "អាយុ", "อายุ", "Years", "Ans", ". > 0", "Positif",
         "Positive", "yes", "Obligatoire", "Needed"],
        ["select_one yn", "ok", "OK?", "D'accord ?", "យល់ព្រម?", "ตกลง?", "", "", "", "", "",
         "", "", ""],
    ]
    choices = [["list_name", "name", "label", f"label::{FR}", f"label::{KM}", f"label::{TH}"],
               ["yn", "y", "Yes", "Oui", "បាទ", "ใช่"],
               ["yn", "n", "No", "Non", "ទេ", ""]]  # no Thai text: falls back, with a note
    return md(survey, choices, settings)


def _itext(path: Path) -> dict[str, dict[str, str]]:
    """Language → text id → text of the XForm pyxform writes for ``path``."""
    root = ET.fromstring(convert(xlsform=str(path)).xform)
    out: dict[str, dict[str, str]] = {}
    for translation in root.iter(f"{XF}translation"):
        texts = out.setdefault(translation.get("lang"), {})
        for text in translation.iter(f"{XF}text"):
            value = text.find(f"{XF}value")
            texts[text.get("id")] = "".join(value.itertext()) if value is not None else ""
    return out


def test_every_language_is_kept_and_an_untagged_column_stays_untagged(tmp_path):
    imported = qn.import_xlsform(write(tmp_path, _form()), "citizen")
    q = imported.questionnaire
    assert q.languages == ("default", FR, KM, TH)  # untagged English is not made Vietnamese
    age = q.question("age")
    assert age.label.text(FR) == "Âge" and age.label.text(TH) == "อายุ"
    assert age.label.text("default") == "Age" and age.label.vi is None
    assert age.hint.text(FR) == "Ans" and age.hint.text("default") == "Years"
    assert age.constraint_message.text(FR) == "Positif"
    assert age.required_message.text(FR) == "Obligatoire"
    no = q.question("ok").choice("n")
    assert no.label.text(FR) == "Non" and no.label.text(TH) == "No"  # filled from the default
    notes = " ".join(note.message_en for note in imported.notes)
    assert f"'{TH}' translation" in notes and "stay untagged" in notes
    # the respondent pages show vi or en: a form with neither shows its default language
    assert age.label.get("vi") == "Age" == age.label.get("en")
    again = qn.load(qn.dump_yaml(q))
    assert again == q


def test_the_xform_of_the_export_has_the_same_translations(tmp_path):
    source = write(tmp_path, _form())
    q = qn.import_xlsform(source, "citizen").questionnaire
    exported = tmp_path / "again.xlsx"
    qn.write_xlsform(q, exported)
    assert qn.read_xlsform(exported) == q
    before, after = _itext(source), _itext(exported)
    assert set(before) == set(after) == {"default", FR, KM, TH}
    for language, texts in before.items():
        for key, text in texts.items():
            if text != "-":  # pyxform's mark of a missing translation; ours is filled
                assert after[language].get(key) == text, (language, key)


def test_an_untagged_column_belongs_to_default_language(tmp_path):
    path = write(tmp_path, _form([["default_language"], [FR]]))
    with pytest.raises(qn.QuestionnaireError) as caught:  # two texts for French in one row
        qn.import_xlsform(path, "citizen")
    assert any(p.column == "default_language" for p in caught.value.problems)
    english = write(tmp_path, _form([["default_language"], ["English (en)"]]), "en.md")
    q = qn.import_xlsform(english, "citizen").questionnaire
    assert q.languages[0] == "en" and q.question("age").label.en == "Age"
    assert q.question("age").label.get("vi") == "Age"  # no Vietnamese: English is shown
    exported = tmp_path / "en.xlsx"
    qn.write_xlsform(q, exported)
    assert set(_itext(exported)) == {"English (en)", FR, KM, TH}


def test_a_language_name_that_is_no_language_is_refused(tmp_path):
    path = write(tmp_path, md([["type", "name", "label", "label::a\tb"],
                               ["text", "a", "A", "B"]]))
    with pytest.raises(qn.QuestionnaireError):
        qn.import_xlsform(path, "citizen")
    with pytest.raises(qn.QuestionnaireError) as caught:
        qn.load("id: f\nversion: '1'\ntitle: {'x:y': T}\nlanguages: ['x:y']\n"
                "respondent_group: citizen\npages: []\n")
    assert any("x:y" in p.message_en for p in caught.value.problems)
