"""One register and one spelling on everything a respondent reads.

Respondents are addressed as "Ông/Bà", never "bạn"; official spellings are "hóa", "xóa", "tỷ lệ"
and "Bộ phận Một cửa". Checked on the respondent templates and script, the respondent messages in
code, the catalogue entries those templates use (Vietnamese msgid and English msgstr) and every
bundled questionnaire.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import questionnaires as qn
import survey_app

APP = Path(survey_app.__file__).parent
RESPONDENT_TEMPLATES = sorted((APP / "templates" / "respond").glob("*.html")) + [
    APP / "templates" / "base.html", APP / "templates" / "index.html"]
RESPONDENT_FILES = RESPONDENT_TEMPLATES + [APP / "static" / "respond.js"] + sorted(
    (APP / "respond").glob("*.py")) + [
    APP / "operations" / name for name in ("submissions.py", "answer_sources.py", "drafts.py")] + [
    Path(qn.__file__).with_name("answers.py")]
CATALOGUE = APP / "translations" / "en" / "LC_MESSAGES" / "messages.po"

# "bạn" as a pronoun; "bạn bè" (friends) is another word and is allowed (Câu 2 of the SIPAS form)
PRONOUN = re.compile(r"\bbạn\b(?!\s+bè)", re.IGNORECASE)
OLD_SPELLING = re.compile(r"hoá|xoá|tỉ lệ", re.IGNORECASE)
ONE_STOP = re.compile(r"bộ phận một cửa", re.IGNORECASE)
ONG_BA = re.compile(r"ông/bà", re.IGNORECASE)
GETTEXT = re.compile(r"""\b_\(\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")""")


def problems(text: str) -> list[str]:
    """Every wording problem in ``text`` (NFC-normalised first: the same letters, one encoding)."""
    text = unicodedata.normalize("NFC", text)
    found = [f"'{m.group(0)}' (address respondents as Ông/Bà)" for m in PRONOUN.finditer(text)]
    found += [f"'{m.group(0)}' (write hóa, xóa, tỷ lệ)" for m in OLD_SPELLING.finditer(text)]
    found += [f"'{m.group(0)}' (write Bộ phận Một cửa)" for m in ONE_STOP.finditer(text)
              if m.group(0) != "Bộ phận Một cửa"]
    found += [f"'{m.group(0)}' (write Ông/Bà)" for m in ONG_BA.finditer(text)
              if m.group(0) != "Ông/Bà"]
    return found


def test_the_rules_catch_what_they_should_and_nothing_else():
    assert len(problems("Cảm ơn bạn. Bạn có thể dừng. BẠN")) == 3
    assert problems("Qua người thân, bạn bè") == []
    assert len(problems("tự động hoá, xoá phiếu, tỉ lệ")) == 3
    assert problems("tự động hóa, xóa phiếu, tỷ lệ, Ban Dân tộc, Trưởng ban") == []
    assert len(problems("tại Bộ phận một cửa; bộ phận một cửa")) == 2
    assert problems("tại Bộ phận Một cửa") == []
    assert len(problems("của ông/bà; Ông/bà có")) == 2
    decomposed = unicodedata.normalize("NFD", "xoá")
    assert problems(decomposed)


@pytest.mark.parametrize("path", RESPONDENT_FILES, ids=lambda p: p.name)
def test_respondent_pages_scripts_and_messages(path):
    assert problems(path.read_text("utf-8")) == []


def respondent_msgids() -> set[str]:
    ids = set()
    for path in RESPONDENT_TEMPLATES:
        for single, double in GETTEXT.findall(path.read_text("utf-8")):
            ids.add((single or double).replace("\\'", "'").replace('\\"', '"'))
    return ids


def test_catalogue_entries_of_respondent_pages():
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle, locale="en")
    ids = respondent_msgids()
    assert {"Tiếp tục", "Gửi phiếu", "Mã biên nhận:", "Cảm ơn Ông/Bà"} <= ids
    for msgid in sorted(ids):
        message = catalogue.get(msgid)
        assert message is not None and message.string, f"not in the catalogue: {msgid}"
        assert problems(msgid) == [], msgid
        assert problems(message.string) == [], message.string


@pytest.mark.parametrize("name", sorted(qn.bundled()))
def test_bundled_questionnaires(name):
    text = qn.bundled()[name].read_text("utf-8")
    assert problems(text) == []
    assert "Ông/Bà" in text  # every bundled form addresses its respondent
