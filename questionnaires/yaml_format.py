"""The human-editable YAML format (see the package README for a full example).

Problems in a YAML file are located by line (``Problem.row``) and dotted key path
(``Problem.column``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Mapping

import yaml

from questionnaires.building import Path as KeyPath
from questionnaires.building import build_questionnaire, dotted
from questionnaires.model import Questionnaire
from questionnaires.problems import Problem, QuestionnaireError

__all__ = ["dump_yaml", "load", "read_source"]

Source = str | Path | Mapping[str, Any]


def _line_map(node: yaml.Node, path: KeyPath, lines: dict[KeyPath, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            lines[path + (key,)] = key_node.start_mark.line + 1
            _line_map(value_node, path + (key,), lines)
            lines[path + (key,)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _line_map(item, path + (index,), lines)


def locator(lines: dict[KeyPath, int]) -> Callable[[KeyPath], tuple[None, int | None, str]]:
    """A ``locate`` callback giving the line of the longest known prefix of a key path."""

    def locate(path: KeyPath) -> tuple[None, int | None, str]:
        for end in range(len(path), -1, -1):
            prefix = tuple(str(p) if not isinstance(p, int) else p for p in path[:end])
            if prefix in lines:
                return None, lines[prefix], dotted(path)
        return None, None, dotted(path)

    return locate


def read_source(source: Source) -> tuple[Any, str | None, Callable[[KeyPath], Any]]:
    """Parse YAML from a path or text (or take a dict) → ``(data, file name, locate)``.

    Raises ``QuestionnaireError`` for a YAML syntax error, located by line.
    """
    if isinstance(source, Mapping):
        return source, None, locator({})
    file: str | None = None
    if isinstance(source, Path) or (
        isinstance(source, str) and "\n" not in source and source.strip().endswith((".yaml", ".yml"))
    ):
        path = Path(source)
        file = path.name
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise QuestionnaireError([Problem(file, None, None, None,
                                              f"Không đọc được tệp: {error.strerror}.",
                                              f"The file cannot be read: {error.strerror}.")]) from None
    elif isinstance(source, str):
        text = source
    else:
        raise ValueError("source must be a path, YAML text or a dict")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(error, "problem", None) or str(error)
        raise QuestionnaireError([Problem(file, None, line, None, f"Lỗi cú pháp YAML: {reason}.",
                                          f"YAML syntax error: {reason}.")]) from None
    lines: dict[KeyPath, int] = {}
    if node is not None:
        _line_map(node, (), lines)
    return data, file, locator(lines)


XLSFORM_SUFFIXES = (".xlsx", ".xlsm", ".xls")


def load(source: Source) -> Questionnaire:
    """Load a questionnaire from a YAML file path, YAML text, a dict, or an XLSForm workbook.

    Raises
    ------
    QuestionnaireError
        Listing every problem, each with file, line and key path.
    """
    if isinstance(source, (str, Path)) and str(source).lower().endswith(XLSFORM_SUFFIXES) and (
        "\n" not in str(source)
    ):
        from questionnaires.xlsform import read_xlsform

        return read_xlsform(source)
    data, file, locate = read_source(source)
    return build_questionnaire(data, file, locate)


class _Dumper(yaml.SafeDumper):
    pass


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


class _FlowLabel(dict):
    """A label mapping written on one line: ``{vi: ..., en: ...}``."""


def _represent_label(dumper: yaml.SafeDumper, value: dict) -> yaml.MappingNode:
    return dumper.represent_mapping("tag:yaml.org,2002:map", value.items(), flow_style=True)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_FlowLabel, _represent_label)


def _flow_labels(data: Any) -> Any:
    if isinstance(data, dict):
        if data and set(data) <= {"vi", "en"} and all(isinstance(v, str) for v in data.values()) \
                and sum(len(v) for v in data.values()) <= 70:
            return _FlowLabel(data)
        return {key: _flow_labels(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_flow_labels(item) for item in data]
    return data


def dump_yaml(q: Questionnaire) -> str:
    """The questionnaire as YAML text; ``load(dump_yaml(q)) == q``."""
    return dump_data(q.to_dict())


def dump_data(data: Any) -> str:
    """YAML text for plain data, keeping key order and Vietnamese characters."""
    return yaml.dump(_flow_labels(data), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100,
                     default_flow_style=False)
