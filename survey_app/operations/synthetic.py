"""Realistic synthetic answers for the demo and for load tests (never for real rounds)."""
from __future__ import annotations

import datetime as dt

import numpy as np

EXCLUDED_SHARE = 0.03
COMMENTS = ("Thủ tục nhanh, cán bộ nhiệt tình.", "Cần rút ngắn thời gian chờ.", "Không có ý kiến.",
            "Nên bổ sung hướng dẫn trực tuyến.", "")


def _choose_single(question, rng: np.random.Generator, quality: float) -> str:
    choices = list(question.choices)
    scored = [c for c in choices if c.coefficient is not None and not c.excluded]
    excluded = [c for c in choices if c.excluded]
    if excluded and rng.random() < EXCLUDED_SHARE:
        return excluded[int(rng.integers(len(excluded)))].name
    if scored:
        # Higher-quality units get answers whose coefficient is near their quality.
        coefficients = np.array([c.coefficient for c in scored], dtype=float)
        logits = -((coefficients - quality) ** 2) / 0.08
        p = np.exp(logits - logits.max())
        return scored[int(rng.choice(len(scored), p=p / p.sum()))].name
    plain = [c for c in choices if not c.excluded] or choices
    return plain[int(rng.integers(len(plain)))].name


def _choose_multiple(question, rng: np.random.Generator) -> list[str]:
    names = [c.name for c in question.choices if not c.excluded]
    most = min(question.max_choices or len(names), len(names))
    k = int(rng.integers(1, most + 1))
    picked = rng.choice(len(names), size=k, replace=False)
    return [names[i] for i in sorted(picked)]


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def synthesize_answers(questionnaire, rng: np.random.Generator, quality: float,
                       fixed: dict | None = None, straight_line: bool = False) -> dict:
    """Answers to every answerable question; ``clean`` later drops the irrelevant ones."""
    answers: dict = dict(fixed or {})
    straight_choice: str | None = None
    for question in questionnaire.questions:
        if question.name in answers or question.type in ("note", "group"):
            continue
        if question.type == "single":
            scored = [c for c in question.choices if c.coefficient is not None and not c.excluded]
            if straight_line and scored:  # every rated item (SIPAS items carry no criterion)
                if straight_choice is None or straight_choice not in {c.name for c in scored}:
                    straight_choice = max(scored, key=lambda c: c.coefficient).name
                answers[question.name] = straight_choice
            else:
                answers[question.name] = _choose_single(question, rng, quality)
        elif question.type == "multiple":
            answers[question.name] = _choose_multiple(question, rng)
        if question.other_specify and "other" in _as_list(answers.get(question.name)):
            answers[question.other_name] = "Khác"
        elif question.type == "integer":
            # Ages and counts: a value inside the bounds most templates declare.
            answers[question.name] = int(rng.integers(18, 50))
        elif question.type == "decimal":
            answers[question.name] = round(float(rng.uniform(1, 5)), 1)
        elif question.type == "date":
            day = dt.date(2025, 8, 1) + dt.timedelta(days=int(rng.integers(0, 90)))
            answers[question.name] = day.isoformat()
        elif question.type == "text":
            comment = COMMENTS[int(rng.integers(len(COMMENTS)))]
            if comment or question.required:
                answers[question.name] = comment or "Không có ý kiến."
    return answers


def synthesize_paradata(questionnaire, rng: np.random.Generator, speeder: bool = False) -> dict:
    pages = [page.name for page in questionnaire.pages]
    scale = 4.0 if speeder else 45.0
    seconds = {name: round(float(rng.gamma(4.0, scale / 4.0)) + 2.0, 1) for name in pages}
    device = str(rng.choice(["mobile", "mobile", "mobile", "tablet", "desktop"]))
    return {"page_seconds": seconds, "total_seconds": round(sum(seconds.values()), 1),
            "device_class": device}
