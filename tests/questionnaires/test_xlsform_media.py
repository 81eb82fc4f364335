"""``trigger`` and media columns travel through import → model → export → XForm; media files
are checked by name, size and (images) magic bytes."""

from __future__ import annotations

import re

import pytest
from pyxform.xls2xform import convert

import questionnaires as qn
from questionnaires.media import MEDIA_FILE_MAX_BYTES, check_media_file, referenced_files
from tests.questionnaires.test_xlsform_import import md, write

FR = "Français (fr)"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 20


def _form() -> str:
    survey = [["type", "name", "label", f"label::{FR}", "calculation", "trigger", "media::image",
               f"image::{FR}", "audio", "big-image", "video"],
              ["integer", "a", "A", "A fr", "", "", "", "", "", "", ""],
              ["calculate", "b", "", "", "${a} * 2", "${a}", "", "", "", "", ""],
              ["note", "c", "C", "C fr", "", "", "map.png", "carte.png", "hello.mp3", "big.jpg",
               "clip.mp4"],
              ["select_one yn", "d", "D", "D fr", "", "", "", "", "", "", ""]]
    choices = [["list_name", "name", "label", f"label::{FR}", "image", "media::audio"],
               ["yn", "y", "Yes", "Oui", "yes.png", "yes.mp3"], ["yn", "n", "No", "Non", "", ""]]
    return md(survey, choices, [["default_language"], ["English (en)"]])


def test_trigger_and_media_are_carried_into_the_model_and_back(tmp_path):
    source = write(tmp_path, _form())
    q = qn.import_xlsform(source, "citizen").questionnaire
    assert q.question("b").trigger == "${a}"
    media = dict(q.question("c").media)
    assert media["image"].en == "map.png" and media["image"].text(FR) == "carte.png"
    assert media["audio"].en == "hello.mp3" and media["big-image"].en == "big.jpg"
    assert media["video"].en == "clip.mp4"
    assert dict(q.question("d").choice("y").media)["audio"].en == "yes.mp3"
    assert set(referenced_files(q)) == {"map.png", "carte.png", "hello.mp3", "big.jpg",
                                        "clip.mp4", "yes.png", "yes.mp3"}
    assert qn.load(qn.dump_yaml(q)) == q
    exported = tmp_path / "again.xlsx"
    qn.write_xlsform(q, exported)
    assert qn.read_xlsform(exported) == q
    before, after = convert(xlsform=str(source)).xform, convert(xlsform=str(exported)).xform

    def media_refs(xform: str) -> list[str]:
        return sorted(re.findall(r'<value form="[a-z-]+">([^<]*)</value>', xform))

    assert media_refs(before) == media_refs(after) and "jr://images/carte.png" in media_refs(after)
    trigger = re.compile(r'<setvalue ref="([^"]+)" event="xforms-value-changed"')
    assert trigger.findall(before) == trigger.findall(after) == ["/data/b"]


def test_a_trigger_naming_no_question_or_in_another_shape_is_refused():
    text = ("id: f\nversion: '1'\ntitle: {vi: T}\nlanguages: [vi]\nrespondent_group: citizen\n"
            "pages:\n- name: p\n  title: {vi: P}\n  questions:\n"
            "  - {name: a, type: integer, label: {vi: A}}\n"
            "  - {name: b, type: calculate, calculation: '1', trigger: 'TRIGGER'}\n")
    assert qn.load(text.replace("TRIGGER", "${a}")).question("b").trigger == "${a}"
    for wrong, words in (("${zz}", "'zz'"), ("a", "must be")):
        with pytest.raises(qn.QuestionnaireError) as caught:
            qn.load(text.replace("TRIGGER", wrong))
        assert any(words in p.message_en for p in caught.value.problems)


def test_media_files_are_checked_by_name_size_and_magic_bytes(tmp_path):
    q = qn.import_xlsform(write(tmp_path, _form()), "citizen").questionnaire
    assert check_media_file(q, "map.png", PNG) == "image/png"
    assert check_media_file(q, "big.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 10) == "image/jpeg"
    assert check_media_file(q, "hello.mp3", b"ID3" + b"\0" * 10) == "audio/mpeg"
    refused = {
        "other.png": PNG,                       # not named by the form
        "map.png": b"<svg onload=alert(1)>",    # not an image by its bytes
        "carte.png": PNG + b"\0" * MEDIA_FILE_MAX_BYTES,  # too large
        "hello.mp3": PNG,                       # not audio
        "clip.mp4": b"\0\0\0\x18ftypmp42",      # video is not accepted
    }
    for name, content in refused.items():
        said = check_media_file(q, name, content)
        assert isinstance(said, tuple) and name in said[1], name


def test_a_media_file_name_with_a_folder_is_refused(tmp_path):
    form = _form().replace("map.png", "../etc/passwd")
    with pytest.raises(qn.QuestionnaireError) as caught:
        qn.import_xlsform(write(tmp_path, form), "citizen")
    assert any("../etc/passwd" in p.message_en for p in caught.value.problems)


def test_an_option_may_be_an_image_without_text_as_in_odk(tmp_path):
    form = md([["type", "name", "label"], ["select_one face", "mood", "Mood"]],
              [["list_name", "name", "label", "image"], ["face", "happy", "", "happy.jpg"],
               ["face", "sad", "", "sad.jpg"], ["face", "none", "", ""]])
    with pytest.raises(qn.QuestionnaireError) as caught:  # no text and no image: refused
        qn.import_xlsform(write(tmp_path, form), "citizen")
    assert [(p.sheet, p.row) for p in caught.value.problems] == [("choices", 4)], caught.value.problems
    form = form.replace("| face | none |  |  |\n", "")
    q = qn.import_xlsform(write(tmp_path, form), "citizen").questionnaire
    happy = q.question("mood").choice("happy")
    assert happy.label.get("vi") == "" and dict(happy.media)["image"].get("vi") == "happy.jpg"
    exported = tmp_path / "again.xlsx"
    qn.write_xlsform(q, exported)
    assert qn.read_xlsform(exported) == q
