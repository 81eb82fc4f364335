"""Hypothesis strategies for valid questionnaires (used by the round-trip properties)."""

from __future__ import annotations

from hypothesis import strategies as st

from questionnaires import Choice, Label, Page, Question, Questionnaire

# Text that survives YAML and Excel cells: no leading/trailing blanks, no leading "=".
_ALPHABET = "abcdeghiklmnopqrstuvxyăâđêôơưáàảãạếềểễệốồổỗộứừửữựíìỉĩị ABCĐ0123456789.,?!'\"-:/()"
text = st.text(_ALPHABET, min_size=1, max_size=30).map(str.strip).filter(
    lambda t: t != "" and not t.startswith(("=", "-", "+")))
names = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
choice_names = st.from_regex(r"[a-z0-9][a-z0-9_]{0,5}", fullmatch=True)


@st.composite
def labels(draw, languages: tuple[str, ...]) -> Label:
    return Label(**{lang: draw(text) for lang in languages})


@st.composite
def choice_lists(draw, languages: tuple[str, ...], scoring: bool) -> tuple[Choice, ...]:
    codes = draw(st.lists(choice_names.filter(lambda c: c != "other"), min_size=2, max_size=5,
                          unique=True))
    choices = []
    for code in codes:
        excluded = draw(st.booleans()) if len(choices) > 0 else False
        coefficient = None
        if not excluded and (scoring or draw(st.booleans())):
            coefficient = draw(st.sampled_from([0.0, 0.25, 0.5, 0.6, 0.75, 1.0, 0.125]))
        choices.append(Choice(code, draw(labels(languages)), coefficient, excluded))
    return tuple(choices)


def condition(ref: Question) -> str:
    """A skip-logic expression on the answer to ``ref`` (an answerable question)."""
    first = ref.choices[0].name if ref.choices else ""
    return {
        "single": f"${{{ref.name}}} = '{first}'",
        "multiple": f"selected(${{{ref.name}}}, '{first}')",
        "integer": f"${{{ref.name}}} > 3",
        "decimal": f"${{{ref.name}}} <= 2.5 or ${{{ref.name}}} = 7",
        "text": f"string-length(${{{ref.name}}}) > 0",
        "date": f"${{{ref.name}}} >= '2024-01-01'",
    }[ref.type]


@st.composite
def questionnaires(draw) -> Questionnaire:
    languages = draw(st.sampled_from([("vi", "en"), ("vi",)]))
    pool = iter(draw(st.lists(names, min_size=40, max_size=40, unique=True)))
    valued: list[Question] = []  # earlier questions that skip logic may reference
    shared = draw(choice_lists(languages, scoring=True))

    def question(allow_group: bool) -> Question:
        kind = draw(st.sampled_from(
            ["single", "multiple", "integer", "decimal", "text", "date", "note"]
            + (["group"] if allow_group else [])))
        name = next(pool)
        fields: dict = {"name": name, "type": kind, "label": draw(labels(languages))}
        if draw(st.booleans()):
            fields["hint"] = draw(labels(languages))
        if valued and draw(st.booleans()):
            fields["relevant"] = condition(draw(st.sampled_from(valued)))
        if kind == "group":
            fields["children"] = tuple(question(False) for _ in range(draw(st.integers(1, 3))))
        elif kind != "note":
            fields["required"] = draw(st.booleans())
            fields["appearance"] = draw(st.sampled_from([None, "minimal", "likert"]))
        if kind in ("single", "multiple"):
            use_shared = draw(st.booleans())
            choices = shared if use_shared else draw(choice_lists(languages, scoring=False))
            other = draw(st.booleans())
            if other and not use_shared:
                choices = choices + (Choice("other", draw(labels(languages))),)
            fields.update(choices=choices, list_name="shared" if use_shared else name,
                          other_specify=other and not use_shared)
            if draw(st.booleans()):
                fields["randomize"] = True
                fields["seed"] = draw(st.one_of(st.none(), st.integers(0, 10**6)))
            if kind == "single" and use_shared and draw(st.booleans()):
                fields["criterion"] = draw(st.sampled_from(["1.5", "3.3", "8.1", "8.2"]))
            if kind == "multiple" and draw(st.booleans()):
                fields["max_choices"] = draw(st.integers(1, len(choices)))
        if kind in ("integer", "decimal") and draw(st.booleans()):
            fields["constraint"] = ". >= 0"
            if draw(st.booleans()):
                fields["constraint_message"] = draw(labels(languages))
        if kind == "text" and draw(st.booleans()):
            fields["constraint"] = "string-length(.) <= 20"
        built = Question(**fields)
        if kind not in ("group", "note"):
            valued.append(built)
        return built

    pages = []
    for _ in range(draw(st.integers(1, 3))):
        page_name = next(pool)
        page_title = draw(labels(languages))
        # a page condition may refer only to questions of earlier pages (its own would be a cycle)
        page_relevant = None
        if valued and draw(st.booleans()):
            refs = draw(st.lists(st.sampled_from(valued), min_size=1, max_size=2))
            joiner = draw(st.sampled_from([" and ", " or "]))
            page_relevant = joiner.join(condition(ref) for ref in refs)
        questions = tuple(question(True) for _ in range(draw(st.integers(1, 4))))
        pages.append(Page(page_name, page_title, questions, page_relevant))
    return Questionnaire(
        id=next(pool), version=draw(st.sampled_from(["1", "2025.1", "v2"])),
        title=draw(labels(languages)), languages=languages,
        respondent_group=draw(st.sampled_from(["citizen", "delegate", "agency_leader"])),
        pages=tuple(pages),
        description=draw(st.one_of(st.none(), labels(languages))),
    )


_ANSWER_POOL = {"integer": st.sampled_from([None, 0, 4, 9]),
                "decimal": st.sampled_from([None, 1.0, 2.5, 7.0]),
                "text": st.sampled_from([None, "", "abc"]),
                "date": st.sampled_from([None, "2023-05-01", "2025-01-01"])}


def draw_answers(q: Questionnaire, data) -> dict:
    """An answer set for ``q`` drawn with ``data`` (``st.data()``): any question may be answered,
    hidden ones included, so skip logic and cleaning have something to do."""
    answers: dict = {}
    for question in q.questions:
        if question.type in ("single", "multiple"):
            pick = data.draw(st.sampled_from([None, *(c.name for c in question.choices)]))
            if pick is not None:
                answers[question.name] = pick if question.type == "single" else [pick]
        elif question.type in _ANSWER_POOL:
            value = data.draw(_ANSWER_POOL[question.type])
            if value is not None:
                answers[question.name] = value
    return answers
