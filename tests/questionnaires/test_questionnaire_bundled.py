"""Bundled templates and packs: load, answer, score, convert with pyxform; the CLI."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from bundled_rates import pack_for
from click.testing import CliRunner
from pyxform.xls2xform import convert

import questionnaires as qn
from survey_app.commands.questionnaire import questionnaire_cli

TEMPLATES = sorted(qn.bundled())


def test_the_expected_templates_and_packs_are_bundled():
    assert {"sipas_2025", "delegate_rates_agency_2025", "agency_leader_rates_commune_2025",
            "commune_leader_rates_agency_2025", "district_leader_rates_agency_2024"} <= set(TEMPLATES)
    assert {"province_default", "national_2023"} <= set(qn.bundled_packs())
    with pytest.raises(ValueError):
        qn.load_bundled("nope")


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_loads_is_marked_and_matches_its_pack(name):
    q = qn.load_bundled(name)
    assert "TEMPLATE" in q.description.en and "MẪU" in q.description.vi
    assert "TEMPLATE — check against the province's decision" in qn.bundled()[name].read_text("utf-8")
    assert q.languages == ("vi", "en")
    assert q.respondent_group in {"citizen", "delegate", "agency_leader", "commune_leader",
                                  "district_leader"}
    assert qn.check_against_pack(q, qn.load_bundled_pack(pack_for(name))) == []


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_exports_to_xlsform_that_pyxform_converts(name, tmp_path):
    q = qn.load_bundled(name)
    path = tmp_path / f"{name}.xlsx"
    qn.write_xlsform(q, path)
    result = convert(xlsform=str(path))
    assert f'id="{q.id}"' in result.xform
    if any(question.criterion for question in q.questions):
        assert 'par:criterion="' in result.xform  # scoring metadata reaches the XForm binds
    assert qn.read_xlsform(path) == q


def test_sipas_answers_validate_rate_by_position_and_skip_the_feedback_element():
    q = qn.load_bundled("sipas_2025")
    items = q.sipas_items("service")
    by_group = {}
    for name, element in items:
        by_group.setdefault(element, []).append(name)
    assert {g: len(v) for g, v in by_group.items()} == {
        "g_access": 4, "g_procedure": 4, "g_officials": 5, "g_results": 3, "g_feedback": 3}
    policy = q.sipas_items("policy")
    assert len(policy) == 15
    assert all(q.question(name).criterion is None for name, _ in items + policy)
    scale = q.question("s_access_1").choices
    assert [c.name for c in scale] == ["1", "2", "3", "4", "5", "dk"]
    assert [c.coefficient for c in scale[:5]] == [0.0, 0.25, 0.5, 0.75, 1.0] and scale[5].excluded
    answers = {"respondent_type": "individual", "gender": "female", "age_group": "a25_34",
               "ethnicity": "kinh", "education": "university", "occupation": "private_sector",
               "residence": "urban", "terrain": "delta", "interest_health": "very",
               "info_channels": ["internet", "media"], "harassment": "none",
               "informal_payment": "some", "dossier_mode": "online"}
    for x in q.question("q8_experience").children:
        answers[x.name] = "no"
    for x in q.question("q10_priorities").children:
        answers[x.name] = "much"
    rated = [name for name, _ in policy] + [name for name, g in items if g != "g_feedback"]
    levels = dict(zip(rated, itertools.cycle(["5", "4", "dk", "3", "1"])))
    answers.update(levels)
    assert q.validate(answers) == []
    # no SIPAS item carries a criterion: the SIPAS criterion is scored from the index itself
    assert q.scores(answers) == {}
    # the rating is the option's position on the scale; "dk" is no rating
    assert [q.satisfaction_rating(name, answers[name]) for name in rated] == [
        None if v == "dk" else int(v) for v in levels.values()]
    # the feedback element is skipped unless a complaint or petition was made (Câu 8 item 5)
    assert "g_feedback" not in q.relevant_names(answers)
    assert {(name, "required") for name in by_group["g_feedback"]} == {
        (e.question, e.code) for e in q.validate({**answers, "exp_petition": "yes"})}
    # answers to a skipped element are dropped, not kept
    cleaned = q.clean({**answers, "s_feedback_1": "5"})
    assert "s_feedback_1" not in cleaned and cleaned["s_access_1"] == answers["s_access_1"]


def test_packs_add_up():
    province = qn.load_bundled_pack("province_default")
    assert sum(c.max_points for c in province.criteria) == pytest.approx(100)
    assert len(province.criteria) == 8
    assert province.survey_points_total() == pytest.approx(province.survey_points)
    national = qn.load_bundled_pack("national_2023")
    assert national.survey_points_total() == pytest.approx(32)


def test_cli_list_validate_and_convert(tmp_path):
    runner = CliRunner()
    listing = runner.invoke(questionnaire_cli, ["list"])
    assert listing.exit_code == 0 and "sipas_2025" in listing.output and "national_2023" in listing.output

    xlsx = tmp_path / "sipas.xlsx"
    exported = runner.invoke(questionnaire_cli, ["export-xlsform", "sipas_2025", str(xlsx)])
    assert exported.exit_code == 0 and xlsx.exists()
    yaml_out = tmp_path / "sipas.yaml"
    imported = runner.invoke(questionnaire_cli, ["import-xlsform", str(xlsx), str(yaml_out)])
    assert imported.exit_code == 0
    assert qn.load(yaml_out) == qn.load_bundled("sipas_2025")

    ok = runner.invoke(questionnaire_cli, ["validate", str(yaml_out), "--pack", "province_default"])
    assert ok.exit_code == 0 and ok.output.startswith("OK: sipas_2025")
    pack_ok = runner.invoke(questionnaire_cli, ["validate", str(qn.bundled_packs()["national_2023"])])
    assert pack_ok.exit_code == 0 and "pack national_2023" in pack_ok.output


def test_cli_validate_broken_file_lists_every_problem_and_exits_1(tmp_path):
    broken = tmp_path / "broken.yaml"
    text = qn.bundled()["delegate_rates_agency_2025"].read_text("utf-8")
    text = text.replace("name: c3_3_on_time\n", "name: c1_5\n")    # duplicate name
    text = text.replace("coefficient: 0.6", "coefficient: 6")       # outside [0, 1]
    text = text.replace("respondent_group: delegate", "respondent_group: delegate\nowner: x")
    broken.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(questionnaire_cli, ["validate", str(broken)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("broken.yaml")]
    assert len(lines) == 3
    assert any("used twice" in line for line in lines)
    assert any("[0, 1]" in line for line in lines)
    assert any("owner" in line for line in lines)
    assert "3 lỗi / problem(s)." in result.output


def test_cli_reports_missing_input(tmp_path):
    result = CliRunner().invoke(questionnaire_cli, ["export-xlsform", "no_such_form",
                                                    str(tmp_path / "x.xlsx")])
    assert result.exit_code != 0 and "no_such_form" in result.output
    assert not Path(tmp_path / "x.xlsx").exists()


def test_readme_example_loads_and_validates():
    import re

    readme = Path(qn.__file__).with_name("README.md").read_text("utf-8")
    example = re.findall(r"```yaml\n(.*?)```", readme, re.S)[0]
    q = qn.load(example)
    assert q.validate({"age": "20", "used": "y", "s1": "5", "wants": ["other"],
                       "wants_other": "Wi-Fi"}) == []
    assert q.scores({"age": "20", "used": "y", "s1": "dk"}) == {"5.5": []}
    # the feedback page is skipped unless the service was used; its answer is then dropped
    assert q.relevant_pages({"used": "n"}) == ["p1"]
    assert q.clean({"age": "20", "used": "n", "complaint": "x"}) == {"age": 20, "used": "n"}
    assert q.clean({"age": "20", "used": "y", "s1": "5", "complaint": "x"})["complaint"] == "x"
