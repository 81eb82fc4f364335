"""Questionnaires and methodology packs for PAR Index surveys (pure: no Flask, no SQLAlchemy).

See README.md in this folder for the YAML format and the rules applied to answers.
"""

from questionnaires.bundled import bundled, bundled_packs, load_bundled, load_bundled_pack
from questionnaires.expressions import Expression, ExpressionSyntaxError
from questionnaires.expressions import parse as parse_expression
from questionnaires.model import QUESTION_TYPES, Choice, Label, Page, Question, Questionnaire
from questionnaires.packs import Criterion, MethodologyPack, check_against_pack, load_pack
from questionnaires.problems import AnswersInvalid, Problem, QuestionnaireError, ValidationError
from questionnaires.types import RESPONDENT_GROUPS
from questionnaires.xlsform import read_xlsform, write_xlsform
from questionnaires.xlsform_read import Imported, import_xlsform
from questionnaires.yaml_format import dump_yaml, load

__all__ = [
    "QUESTION_TYPES", "AnswersInvalid", "Choice", "Criterion", "Expression",
    "ExpressionSyntaxError", "Imported", "Label", "MethodologyPack", "Page", "Problem", "Question",
    "Questionnaire", "QuestionnaireError", "ValidationError", "bundled", "bundled_packs",
    "check_against_pack", "dump_yaml", "load", "load_bundled", "load_bundled_pack", "load_pack",
    "RESPONDENT_GROUPS", "import_xlsform", "parse_expression", "read_xlsform", "write_xlsform",
]
