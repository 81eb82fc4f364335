"""Questionnaires and methodology packs for PAR Index surveys (pure: no Flask, no SQLAlchemy).

See README.md in this folder for the YAML format and the rules applied to answers.
"""

from questionnaires.expressions import Expression, ExpressionSyntaxError, parse as parse_expression
from questionnaires.model import Choice, Label, Page, Question, Questionnaire
from questionnaires.problems import AnswersInvalid, Problem, QuestionnaireError, ValidationError
from questionnaires.yaml_format import dump_yaml, load

__all__ = [
    "AnswersInvalid", "Choice", "Expression", "ExpressionSyntaxError", "Label", "Page", "Problem",
    "Question", "Questionnaire", "QuestionnaireError", "ValidationError", "dump_yaml", "load",
    "parse_expression",
]
