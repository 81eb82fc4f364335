"""XLSForm import read the way pyxform (ODK) reads it; nothing dropped without a word.

The forms in ``pyxform_examples/`` are pyxform's own test forms (BSD-2, see the LICENSE there);
``pyxform_examples/RESULTS.md`` is the table of what each one gives. Regenerate it with
``python tests/questionnaires/test_xlsform_import.py`` after a deliberate change, and read the diff.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from pyxform import aliases
from pyxform.parsing.sheet_headers import process_header
from pyxform.question import MultipleChoiceQuestion, Option
from pyxform.survey import Survey

import questionnaires as qn
from questionnaires import xlsform_read as reader

EXAMPLES = Path(__file__).with_name("pyxform_examples")
TABLE = EXAMPLES / "RESULTS.md"


def md(survey: list[list[str]], choices: list[list[str]] | None = None,
       settings: list[list[str]] | None = None) -> str:
    """An XLSForm in pyxform's markdown form."""
    text = ""
    for name, rows in (("survey", survey), ("choices", choices), ("settings", settings)):
        if rows:
            text += f"| {name} |\n" + "".join(
                "| | " + " | ".join(cell for cell in row) + " |\n" for row in rows)
    return text


def write(tmp_path: Path, text: str, name: str = "form.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------- pyxform's own forms


def outcome(path: Path) -> str:
    try:
        imported = qn.import_xlsform(path, respondent_group="citizen")
    except qn.QuestionnaireError as error:
        first = error.problems[0]
        return f"refused ({len(error.problems)}): {first.message_en}"
    summary = imported.summary()
    return f"imports: {summary['questions']} questions, {summary['pages']} pages"


def example_files() -> list[Path]:
    return sorted(p for p in EXAMPLES.iterdir()
                  if p.suffix in (".md", ".xls", ".xlsx") and p != TABLE)


def table() -> str:
    rows = [(path.name, outcome(path)) for path in example_files()]
    imported = sum(result.startswith("imports") for _, result in rows)
    lines = [f"Imported {imported} of {len(rows)} ({100 * imported // len(rows)} %) of pyxform's "
             "test forms; the others are refused",
             "with a sentence naming what is not supported.", "", "| form | result |",
             "|---|---|"]
    lines += [f"| {name} | {result.replace('|', '/')} |" for name, result in rows]
    return "\n".join(lines) + "\n"


def test_pyxform_example_forms_import_or_are_refused_by_name_as_the_table_says():
    assert table() == TABLE.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", example_files(), ids=lambda p: p.name)
def test_each_refusal_names_what_is_not_supported(path):
    try:
        qn.import_xlsform(path, respondent_group="citizen")
    except qn.QuestionnaireError as error:
        for problem in error.problems:
            assert problem.file == path.name
            assert problem.column or "'" in problem.message_en, problem


# --------------------------------------------------------------------- read as ODK reads


def test_aliases_case_and_old_type_spellings_are_read_as_pyxform_reads_them(tmp_path):
    path = write(tmp_path, md(
        [["Type", "Name", "Label::Vietnamese (vi)", "Label::English (en)", "relevance",
          "bind::constraint", "bind::required", "Appearance"],
         ["select one from yn", "used", "Dùng?", "Used?", "", "", "yes", ""],
         ["begin group", "more", "Thêm", "More", "${used} = 'y'", "", "", "field-list"],
         ["integer", "times", "Mấy lần", "How often", "", ". > 0", "true()", ""],
         ["end group", "", "", "", "", "", "", ""]],
        [["list name", "name", "label::Vietnamese (vi)", "label::English (en)"],
         ["yn", "y", "Có", "Yes"], ["yn", "n", "Không", "No"]]))
    q = qn.import_xlsform(path, respondent_group="citizen").questionnaire
    assert q.question("used").type == "single" and q.question("used").required
    assert [c.name for c in q.question("used").choices] == ["y", "n"]
    assert q.page("more").relevant == "${used} = 'y'"
    times = q.question("times")
    assert times.constraint == ". > 0" and times.required and times.label.en == "How often"
    assert q.languages == ("vi", "en")


def test_xls_files_are_read_with_xlrd():
    q = qn.import_xlsform(EXAMPLES / "specify_other.xls", "citizen").questionnaire
    sex = q.question("sex")
    assert sex.other_specify and [c.name for c in sex.choices][-1] == "other"


@pytest.mark.parametrize(("name", "content", "words"), [
    ("form.xlsx", b"%PDF-1.4 not a workbook", "it is a PDF document"),
    ("form.xlsx", b"", "it is an empty file"),
    ("form.txt", "tên,tuổi\n".encode(), "is not an XLSForm workbook"),
    ("form.xls", b"\x00\x01\x02\xff\xfe", "binary data of an unknown kind"),
])
def test_a_file_that_is_not_a_workbook_gets_one_sentence(tmp_path, name, content, words):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(qn.QuestionnaireError) as caught:
        qn.import_xlsform(path, "citizen")
    [problem] = caught.value.problems
    assert name in problem.message_en and words in problem.message_en
    assert problem.message_vi != problem.message_en


# --------------------------------------------------------------------- settings optional


SIMPLE = md([["type", "name", "label"], ["text", "who", "Ai"]])


def test_settings_are_optional_id_from_the_file_name_version_from_its_hash(tmp_path):
    path = write(tmp_path, SIMPLE, "kobo_form.md")
    imported = qn.import_xlsform(path, respondent_group="delegate")
    q = imported.questionnaire
    assert q.id == "kobo_form" and q.respondent_group == "delegate"
    assert q.version == hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    said = " ".join(note.message_en for note in imported.notes)
    assert "file name" in said and "content hash" in said and "stay untagged" in said
    assert q.languages == ("default",) and q.question("who").label.get("vi") == "Ai"
    tagged = qn.import_xlsform(path, respondent_group="delegate", language="en")
    assert tagged.questionnaire.languages == ("en",)
    assert tagged.questionnaire.question("who").label.en == "Ai"


def test_respondent_group_missing_or_unknown_is_refused_by_name(tmp_path):
    path = write(tmp_path, SIMPLE)
    with pytest.raises(qn.QuestionnaireError) as missing:
        qn.import_xlsform(path)
    assert any(p.column == "par_respondent_group" and "--respondent-group" in p.message_en
               for p in missing.value.problems)
    with pytest.raises(qn.QuestionnaireError) as unknown:
        qn.import_xlsform(path, respondent_group="martians")
    assert any("'martians'" in p.message_en for p in unknown.value.problems)


def test_a_missing_translation_falls_back_with_a_note(tmp_path):
    path = write(tmp_path, md(
        [["type", "name", "label::Vietnamese (vi)", "label::English (en)"],
         ["text", "who", "Ai", "Who"], ["integer", "age", "Tuổi", ""]],
        settings=[["form_id", "version", "par_respondent_group"], ["f", "1", "citizen"]]))
    imported = qn.import_xlsform(path)
    assert imported.questionnaire.question("age").label.en == "Tuổi"
    assert any("'en'" in n.message_en and "age" in n.message_en for n in imported.notes)


def test_untagged_labels_follow_default_language(tmp_path):
    path = write(tmp_path, md([["type", "name", "label"], ["text", "who", "Who"]],
                              settings=[["default_language"], ["English (en)"]]))
    q = qn.import_xlsform(path, "citizen").questionnaire
    assert q.languages == ("en",) and q.question("who").label.en == "Who"


# --------------------------------------------------------------------- never silent


def _columns(slots: tuple[str, ...], table: dict) -> list[str]:
    """pyxform's known columns; ``bind``, ``control``, ``body``, ``children`` are containers
    (a column ``bind::x`` is the key ``x`` of ``bind``), not columns that hold a value."""
    names = {s for s in slots if not s.startswith("_")} - {"parent", "extra_data", "actions"}
    return sorted((names | set(table)) - {"bind", "control", "body", "children"})


VALUES = {"relevant": "${a} = 1", "relevance": "${a} = 1", "constraint": ". > 0",
          "required": "yes", "read_only": "yes", "readonly": "yes", "calculation": "1 + 1",
          "calculate": "1 + 1", "default": "1", "trigger": "${a}", "choice_filter": "name = 'y'",
          "parameters": "randomize=true", "appearance": "multiline"}


@pytest.mark.parametrize("column", _columns(MultipleChoiceQuestion.get_slot_names(),
                                            aliases.survey_header))
def test_every_survey_column_pyxform_knows_is_carried_or_refused(tmp_path, column):
    value = VALUES.get(column, "x")
    path = write(tmp_path, md(
        [["type", "name", "label", column if column not in ("type", "name", "label") else "hint"],
         ["integer", "a", "A", ""], ["select_one yn", "b", "B", value]],
        [["list_name", "name", "label"], ["yn", "y", "Có"], ["yn", "n", "Không"]]))
    _carried_or_refused(path, column, "survey", aliases.survey_header,
                        set(MultipleChoiceQuestion.get_slot_names()),
                        reader.CARRIED_QUESTION | {("bind", k) for k in reader.CARRIED_BIND}
                        | {("control", k) for k in reader.CARRIED_CONTROL})


@pytest.mark.parametrize("column", _columns(Option.get_slot_names(), aliases.list_header))
def test_every_choices_column_pyxform_knows_is_carried_or_refused(tmp_path, column):
    header = ["list_name", "name", "label"] + ([column] if column not in
                                               ("name", "label", "list name", "list_name") else [])
    row = ["yn", "y", "Có"] + (["x"] if len(header) == 4 else [])
    path = write(tmp_path, md([["type", "name", "label"], ["select_one yn", "b", "B"]],
                              [header, row]))
    _carried_or_refused(path, column, "choices", aliases.list_header,
                        set(Option.get_slot_names()), reader.CARRIED_CHOICE | {"list name"})


@pytest.mark.parametrize("column", _columns(Survey.get_slot_names(), aliases.settings_header))
def test_every_setting_pyxform_knows_is_carried_or_refused(tmp_path, column):
    path = write(tmp_path, md([["type", "name", "label"], ["text", "a", "A"]],
                              settings=[[column], ["x1" if column != "clean_text_values"
                                                   else "no"]]))
    _carried_or_refused(path, column, "settings", aliases.settings_header,
                        set(Survey.get_slot_names()), reader.CARRIED_SETTINGS)


def _carried_or_refused(path: Path, column: str, sheet: str, table: dict, columns: set[str],
                        carried: set) -> None:
    tokens = process_header(column, False, table, columns)[1]
    key = tokens if tokens[0] in ("bind", "control") else tokens[0]
    try:
        qn.import_xlsform(path, respondent_group="citizen")
    except qn.QuestionnaireError as error:
        said = [(p.column or "") + " " + p.message_en for p in error.problems]
        assert any(column in text or tokens[-1] in text for text in said), said
        return
    assert key in carried or column in ("hint", "label", "name", "type"), (
        f"{sheet} column {column!r} was dropped without a word")


# --------------------------------------------------------------------- the command


def test_cli_import_prints_what_it_changed_and_a_summary(tmp_path):
    from survey_app.commands.questionnaire import questionnaire_cli

    path = write(tmp_path, SIMPLE, "hoi.md")
    out = tmp_path / "hoi.yaml"
    runner = CliRunner()
    refused = runner.invoke(questionnaire_cli, ["import-xlsform", str(path), str(out)])
    assert refused.exit_code == 1 and not out.exists()
    assert "par_respondent_group" in refused.output
    done = runner.invoke(questionnaire_cli, ["import-xlsform", str(path), str(out),
                                             "--respondent-group", "citizen"])
    assert done.exit_code == 0, done.output
    assert "content hash" in done.output and "questions=1 pages=1" in done.output
    assert f"notes={done.output.count(chr(10)) - 1}" in done.output
    assert qn.load(out).id == "hoi"


if __name__ == "__main__":
    TABLE.write_text(table(), encoding="utf-8")
    print(TABLE.read_text(encoding="utf-8"))


# --------------------------------------------------------------------- round trip


RICH = md(
    [["type", "name", "label::Vietnamese (vi)", "label::English (en)", "relevant", "constraint",
      "required", "appearance"],
     ["start", "start", "", "", "", "", "", ""],
     ["select_one yn or_other", "used", "Dùng?", "Used?", "", "", "yes", ""],
     ["integer", "age", "Tuổi", "Age", "", ". >= 18", "yes", ""],
     ["begin_group", "svc", "Dịch vụ", "Service", "${used} = 'y'", "", "", ""],
     ["select_multiple yn", "pick", "Chọn", "Pick", "", "count-selected(.) <= 1", "", ""],
     ["end_group", "", "", "", "", "", "", ""],
     ["begin_group", "p2", "Trang 2", "Page 2", "${age} > 20", "", "", "field-list"],
     ["text", "why", "Vì sao", "Why", "", "", "yes", "multiline"],
     ["end_group", "", "", "", "", "", "", ""],
     ["date", "when", "Khi nào", "When", "", "", "", ""]],
    [["list_name", "name", "label::Vietnamese (vi)", "label::English (en)"],
     ["yn", "y", "Có", "Yes"], ["yn", "n", "Không", "No"]],
    [["form_id", "version", "par_respondent_group"], ["rich", "1", "citizen"]])


def _xform_fields(path: Path) -> dict[str, dict[str, str]]:
    """Data path → the bind's type, relevant, constraint, calculate and required (references
    written as names, since pyxform writes ``${x}`` as ``/data/x`` and ``or_other`` as ``../x``;
    spaces removed, since pyxform pads references)."""
    import re
    import xml.etree.ElementTree as ET

    from pyxform.xls2xform import convert

    root = ET.fromstring(convert(xlsform=str(path)).xform)
    fields = {}
    for bind in root.iter("{http://www.w3.org/2002/xforms}bind"):
        path_ = bind.get("nodeset")
        if path_.startswith("/data/meta"):
            continue
        fields[path_] = {key: re.sub(r"(?:/data(?:/\w+)*|\.\.)/(\w+)", r"\1",
                                     "".join(bind.get(key, "").split()))
                         for key in ("type", "relevant", "constraint", "calculate", "required",
                                     "readonly", "{http://openrosa.org/javarosa}requiredMsg")}
    return fields


@pytest.mark.parametrize("source", ["rich"] + [p.name for p in example_files()])
def test_export_of_an_import_gives_the_same_xform_fields(tmp_path, source):
    path = write(tmp_path, RICH, "rich.md") if source == "rich" else EXAMPLES / source
    try:
        imported = qn.import_xlsform(path, respondent_group="citizen")
    except qn.QuestionnaireError:
        return  # refused forms are covered by the table
    exported = tmp_path / "again.xlsx"
    qn.write_xlsform(imported.questionnaire, exported)
    before, after = _xform_fields(path), _xform_fields(exported)
    notes = " ".join(note.message_en for note in imported.notes)
    for field, binds in before.items():
        if field not in after:  # only metadata rows are left out, and the import says so
            assert field.rsplit("/", 1)[-1] in reader.METADATA_TYPES, field
            assert "metadata row" in notes
            continue
        again = after[field]
        if field.endswith("_other") and "is required when 'other' is chosen" in notes:
            binds, again = {**binds, "required": ""}, {**again, "required": ""}
        if binds.get("constraint") != again.get("constraint") and "count-selected" in (
                binds.get("constraint") or ""):
            binds, again = {**binds, "constraint": ""}, {**again, "constraint": ""}
        assert binds == again, field
    assert set(after) <= set(before)


# --------------------------------------------------------------------- structure kept


GROUPLESS = """\
id: loose
version: "1"
title: {vi: Phiếu, en: Form}
respondent_group: citizen
pages:
- name: page_1
  title: {vi: Trang 1, en: Page 1}
  group: false
  questions:
  - {name: a, type: integer, label: {vi: A, en: A}}
- name: p2
  title: {vi: Trang 2, en: Page 2}
  questions:
  - {name: b, type: text, label: {vi: B, en: B}}
"""


def test_a_page_without_group_keeps_data_paths_through_yaml_and_xlsform(tmp_path):
    q = qn.load(GROUPLESS)
    assert not q.page("page_1").group and q.page("p2").group
    assert qn.load(qn.dump_yaml(q)) == q
    path = tmp_path / "loose.xlsx"
    qn.write_xlsform(q, path)
    assert set(_xform_fields(path)) == {"/data/a", "/data/p2/b"}
    assert qn.read_xlsform(path) == q
    assert "group" not in qn.load_bundled("sipas_2025").to_dict()["pages"][0]


@pytest.mark.parametrize(("text", "words"), [
    (GROUPLESS.replace("  group: false\n", "  group: false\n  relevant: \"1 = 1\"\n"),
     "cannot have a relevant condition"),
    (GROUPLESS.replace("  title: {vi: Trang 2, en: Page 2}\n",
                       "  title: {vi: Trang 2, en: Page 2}\n  group: false\n"), "in a row"),
])
def test_a_page_without_group_has_no_condition_and_never_two_in_a_row(text, words):
    with pytest.raises(qn.QuestionnaireError) as caught:
        qn.load(text)
    assert any(words in p.message_en for p in caught.value.problems)


# --------------------------------------------------------------------- a Kobo-style form


KOBO_SURVEY = [
    ["type", "name", "label::Tiếng Việt (vi)", "label::English (en)", "relevant", "required",
     "calculation"],
    ["start", "start", "", "", "", "", ""],
    ["end", "end", "", "", "", "", ""],
    ["select_one dv or_other", "dich_vu", "Dịch vụ đã dùng", "Service used", "", "yes", ""],
    ["integer", "so_lan", "Số lần", "Times", "${dich_vu} != 'khac'", "", ""],
    ["begin_group", "danh_gia", "Đánh giá", "Rating", "${so_lan} > 0", "", ""],
    ["select_one hl", "hai_long", "Hài lòng?", "Satisfied?", "", "yes", ""],
    ["end_group", "", "", "", "", "", ""],
]
KOBO_CHOICES = [
    ["list_name", "name", "label::Tiếng Việt (vi)", "label::English (en)"],
    ["dv", "dat_dai", "Đất đai", "Land"], ["dv", "khac", "Khác", "Else"],
    ["hl", "co", "Có", "Yes"], ["hl", "khong", "Không", "No"],
]


def test_a_kobo_style_vietnamese_form_imports_without_settings_and_answers(tmp_path):
    path = write(tmp_path, md(KOBO_SURVEY, KOBO_CHOICES), "kobo.md")
    imported = qn.import_xlsform(path, respondent_group="citizen")
    q = imported.questionnaire
    assert q.languages == ("vi", "en") and q.question("hai_long").label.en == "Satisfied?"
    assert q.question("dich_vu").other_specify
    answers = {"dich_vu": "other", "dich_vu_other": "Hộ tịch", "so_lan": 2, "hai_long": "co"}
    assert q.validate(answers) == []
    assert q.relevant_names({"dich_vu": "khac"}) >= {"dich_vu"}
    assert "so_lan" not in q.relevant_names({"dich_vu": "khac"})
    assert {n.message_en.split("'")[1] for n in imported.notes if "metadata" in n.message_en} \
        == {"start", "end"}


def test_a_kobo_form_with_a_repeat_and_a_calculate_imports_and_answers(tmp_path):
    survey = KOBO_SURVEY + [
        ["calculate", "tong", "", "", "", "", "${so_lan} * 2"],
        ["begin_repeat", "thanh_vien", "Thành viên", "Member", "", "", ""],
        ["text", "ten", "Tên", "Name", "", "yes", ""],
        ["end_repeat", "", "", "", "", "", ""]]
    path = write(tmp_path, md(survey, KOBO_CHOICES), "kobo.md")
    q = qn.import_xlsform(path, respondent_group="citizen").questionnaire
    assert q.question("tong").calculation == "${so_lan} * 2"
    assert q.question("thanh_vien").type == "repeat" and q.question("thanh_vien").children
    stored = q.clean({"dich_vu": "dat_dai", "so_lan": "3", "hai_long": "co",
                      "thanh_vien": [{"ten": "An"}, {"ten": "Bình"}]})
    assert stored["tong"] == 6 and stored["thanh_vien"] == [{"ten": "An"}, {"ten": "Bình"}]
    assert q.validate({"dich_vu": "dat_dai", "so_lan": "3", "hai_long": "co",
                       "thanh_vien": [{}]})[0].question == "thanh_vien[1].ten"


def test_a_page_keeps_only_what_a_page_can_hold(tmp_path):
    path = write(tmp_path, md(
        [["type", "name", "label", "hint", "appearance", "required"],
         ["begin_group", "p1", "", "", "field-list", ""],
         ["text", "a", "A", "", "", ""],
         ["end_group", "", "", "", "", ""],
         ["begin_group", "p2", "P2", "Gợi ý", "field-list", "yes"],
         ["text", "b", "B", "", "", ""],
         ["end_group", "", "", "", "", ""]]), "pages.md")
    with pytest.raises(qn.QuestionnaireError) as caught:
        qn.import_xlsform(path, "citizen")
    assert {(p.row, p.column) for p in caught.value.problems} == {(5, "hint"), (5, "required")}
    path.write_text(path.read_text("utf-8").replace("Gợi ý", "").replace("field-list | yes",
                                                                          "field-list | "))
    imported = qn.import_xlsform(path, "citizen")
    assert imported.questionnaire.page("p1").title.get("vi") == "p1"
    assert any("has no label" in note.message_en for note in imported.notes)
