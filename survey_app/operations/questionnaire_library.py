"""The questionnaire library: bundled and stored questionnaires and packs, importing a questionnaire
file (XLSForm or YAML) as a draft, publishing a draft, and the files it is downloaded as.

One import for every door: the staff page and ``par-survey questionnaire import`` both call
:func:`read_questionnaire_file` and :func:`import_questionnaire`, so they list the same problems
(``questionnaires.Problem``: file, sheet, row, column, Vietnamese and English). An upload is
bounded (:data:`MAX_FORM_BYTES`) and read from a temporary folder that is removed at once;
nothing is stored when there is any problem.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from survey_app.extensions import db
from sqlalchemy.orm import undefer

from survey_app.models import MethodologyPack, QuestionnaireMedia, QuestionnaireVersion, User
from survey_app.models.base import utcnow
from survey_app.operations.rounds import record_audit
from survey_app.refusals import N_, Refused

MAX_FORM_BYTES = 5 * 1024 * 1024  # a questionnaire workbook is some tens of kilobytes
XLSFORM_SUFFIXES = (".xlsx", ".xlsm", ".xls")
YAML_SUFFIXES = (".yaml", ".yml")
FORM_PROBLEMS = N_("Tệp %(file)s có %(n)s lỗi nên chưa được nhập; hãy sửa và tải lại.")


@dataclass(frozen=True)
class LibraryEntry:
    """One questionnaire or pack on the library page: where it comes from (``bundled`` or
    ``stored``), the key that opens it (a bundled name or a stored id), its identity and status."""

    origin: str
    key: str
    form_id: str
    version: str
    title: object  # questionnaires.Label
    respondent_group: str | None
    status: str


def safe_filename(filename: str) -> str:
    """The last part of an uploaded file's name, without control characters or folders."""
    name = re.sub(r"[\x00-\x1f\x7f]", "", filename or "").replace("\\", "/").split("/")[-1]
    return name.strip()[:200] or "questionnaire"


def read_questionnaire_file(filename: str, data: bytes, respondent_group: str | None = None,
                            language: str | None = None):
    """The questionnaire a file holds, as ``questionnaires.Imported`` (questionnaire and the
    import's notes). ``respondent_group`` and ``language`` fill what the form does not say.

    Refused (``questionnaire_invalid``, every problem as a detail) for a file of another kind, too
    large, or with any problem in it.
    """
    import questionnaires
    import yaml
    from questionnaires import Imported, Problem, QuestionnaireError

    name = safe_filename(filename)
    if len(data) > MAX_FORM_BYTES:
        _refuse(name, [Problem(name, None, None, None,
                               f"Tệp {name} lớn hơn {MAX_FORM_BYTES // 1024**2} MB.",
                               f"The file {name} is larger than {MAX_FORM_BYTES // 1024**2} MB.")])
    suffix = Path(name).suffix.lower()
    if suffix in YAML_SUFFIXES:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            _refuse(name, [Problem(name, None, None, None,
                                   f"Tệp {name} không phải văn bản UTF-8.",
                                   f"The file {name} is not UTF-8 text.")])
        if _is_pack(text):
            _refuse(name, [Problem(name, None, None, None,
                                   f"Tệp {name} là một bộ tiêu chí, không phải phiếu khảo sát; "
                                   "bộ tiêu chí chưa nhập được ở đây.",
                                   f"The file {name} is a criteria set (methodology pack), not a "
                                   "questionnaire; packs cannot be imported here yet.")])
        text = _with_group(text, respondent_group)
    elif suffix not in XLSFORM_SUFFIXES:
        _refuse(name, [Problem(name, None, None, None,
                               f"Tệp {name} không phải biểu mẫu XLSForm (.xlsx, .xls) hay YAML.",
                               f"The file {name} is not an XLSForm workbook (.xlsx, .xls) or "
                               "YAML.")])
    with tempfile.TemporaryDirectory(prefix="par-form-") as folder:
        path = Path(folder) / name
        try:
            if suffix in YAML_SUFFIXES:
                path.write_text(text, encoding="utf-8")
                return Imported(questionnaires.load(path), ())
            path.write_bytes(data)
            return questionnaires.import_xlsform(path, respondent_group, language)
        except QuestionnaireError as error:
            _refuse(name, error.problems)
        except yaml.YAMLError as error:  # the loader reports most; a stray one is still named
            _refuse(name, [Problem(name, None, None, None, f"YAML không hợp lệ: {error}",
                                   f"Invalid YAML: {error}")])


def _is_pack(text: str) -> bool:
    """Whether YAML ``text`` is a methodology pack (criteria, no pages), as the CLI's
    ``questionnaire validate`` tells them apart."""
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return False
    return isinstance(data, dict) and "criteria" in data and "pages" not in data


def _with_group(text: str, group: str | None) -> str:
    """YAML ``text`` with ``respondent_group`` added at the end when the file has none."""
    import yaml

    if not group:
        return text
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return text  # the loader reports the syntax error with its line
    if isinstance(data, dict) and "respondent_group" not in data:
        return text.rstrip("\n") + f"\nrespondent_group: {group}\n"
    return text


def _refuse(name: str, problems) -> None:
    raise Refused(FORM_PROBLEMS, code="questionnaire_invalid",
                  arguments={"file": name, "n": len(problems)}, details=problems)


def import_questionnaire(filename: str, data: bytes, respondent_group: str | None = None,
                         language: str | None = None, user: User | None = None,
                         media: Sequence[tuple[str, bytes]] = ()):
    """Store the questionnaire of a file as a draft version; returns ``(row, notes)``.

    A draft of the same id and version is replaced; a published one is refused (409): publish a
    new version. Audited as ``questionnaire.import``.
    """
    imported = read_questionnaire_file(filename, data, respondent_group, language)
    questionnaire = imported.questionnaire
    checked = check_media_uploads(questionnaire, media)
    row = db.session.scalar(db.select(QuestionnaireVersion).filter_by(
        form_key=questionnaire.id, version=questionnaire.version))
    if row is not None and row.is_published:
        raise Refused(N_("Phiếu %(form)s phiên bản %(version)s đã công bố; hãy tăng số phiên bản "
                         "trong tệp rồi nhập lại."), status=409, code="version_taken",
                      arguments={"form": questionnaire.id, "version": questionnaire.version})
    if row is None:
        row = QuestionnaireVersion(form_key=questionnaire.id, version=questionnaire.version,
                                   status="draft")
        db.session.add(row)
    row.title = (questionnaire.title.get("vi") or questionnaire.id)[:300]
    row.respondent_group = questionnaire.respondent_group
    row.content = questionnaire.to_dict()
    row.content_hash = questionnaire.content_hash
    db.session.flush()
    record_audit(user, "questionnaire.import", row,
                 {"form": row.form_key, "version": row.version, "hash": row.content_hash,
                  "file": safe_filename(filename)})
    return row, imported.notes + store_media(row, checked)


def check_media_uploads(questionnaire, media: Sequence[tuple[str, bytes]]) -> list:
    """Check the media files uploaded with a form (at most ``MEDIA_FILES_MAX``, each a name the
    form references, bounded, images by their magic bytes: ``questionnaires.media``); refused
    (``questionnaire_invalid``) naming every file refused; else ``(name, mimetype, content)``."""
    from questionnaires import Problem
    from questionnaires.media import MEDIA_FILES_MAX, check_media_file

    if not media:
        return []
    if len(media) > MEDIA_FILES_MAX:
        _refuse("media", [Problem(None, None, None, None,
                                  f"Quá nhiều tệp ảnh/âm thanh ({len(media)}; tối đa "
                                  f"{MEDIA_FILES_MAX}).",
                                  f"Too many media files ({len(media)}; at most "
                                  f"{MEDIA_FILES_MAX}).")])
    problems, checked = [], []
    for filename, content in media:
        name = safe_filename(filename)
        said = check_media_file(questionnaire, name, content)
        if isinstance(said, tuple):
            problems.append(Problem(name, None, None, None, *said))
        else:
            checked.append((name, said, content))
    if problems:
        _refuse(problems[0].file, problems)
    return checked


def store_media(row: QuestionnaireVersion, checked: Sequence[tuple[str, str, bytes]]) -> tuple:
    """Keep the checked media files with draft ``row`` (replacing those of an earlier import);
    a note names the files the form references that were not uploaded."""
    from questionnaires import Problem, Questionnaire
    from questionnaires.media import referenced_files

    for old in db.session.scalars(db.select(QuestionnaireMedia).filter_by(
            questionnaire_version_id=row.id)):
        db.session.delete(old)
    db.session.flush()
    for name, mimetype, content in checked:
        db.session.add(QuestionnaireMedia(
            questionnaire_version_id=row.id, name=name, mimetype=mimetype, size=len(content),
            sha256=hashlib.sha256(content).hexdigest(), content=content))
    missing = sorted(set(referenced_files(Questionnaire.from_dict(row.content)))
                     - {name for name, _, _ in checked})
    if not missing:
        return ()
    shown = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
    return (Problem(None, None, None, None,
                    f"Biểu mẫu nhắc {len(missing)} tệp chưa được tải lên: {shown}.",
                    f"The form names {len(missing)} files that were not uploaded: {shown}."),)


def media_file(form_key: str, version: str, name: str,
               drafts: bool = False) -> tuple[QuestionnaireMedia, bool] | None:
    """The stored media file ``name`` of a published questionnaire version (or of a draft, with
    ``drafts``) and whether its version is published, or ``None``."""
    statuses = ("published", "draft") if drafts else ("published",)
    found = db.session.execute(
        db.select(QuestionnaireMedia, QuestionnaireVersion.status).join(
            QuestionnaireVersion,
            QuestionnaireVersion.id == QuestionnaireMedia.questionnaire_version_id)
        .where(QuestionnaireVersion.form_key == form_key,
               QuestionnaireVersion.version == version,
               QuestionnaireVersion.status.in_(statuses), QuestionnaireMedia.name == name)
        .options(undefer(QuestionnaireMedia.content))).first()
    return None if found is None else (found[0], found[1] == "published")


def publish_draft(row: QuestionnaireVersion, user: User | None = None) -> QuestionnaireVersion:
    """Publish a stored draft: from now on it cannot change and rounds may use it. Refused (409)
    when it is published already."""
    if row.is_published:
        raise Refused(N_("Phiếu %(form)s phiên bản %(version)s đã được công bố."), status=409,
                      code="already_published",
                      arguments={"form": row.form_key, "version": row.version})
    row.status, row.published_at = "published", utcnow()
    db.session.flush()
    record_audit(user, "questionnaire.publish", row,
                 {"form": row.form_key, "version": row.version, "hash": row.content_hash})
    return row


def library() -> dict[str, list[LibraryEntry]]:
    """Bundled and stored questionnaires and packs, each list by id and version."""
    import questionnaires
    from questionnaires import Label

    def label(title: str | None) -> Label:
        return Label(vi=title or "")

    forms = []
    for name in questionnaires.bundled():
        q = questionnaires.load_bundled(name)
        forms.append(LibraryEntry("bundled", name, q.id, q.version, q.title, q.respondent_group,
                                  "bundled"))
    for row in db.session.scalars(db.select(QuestionnaireVersion).order_by(
            QuestionnaireVersion.form_key, QuestionnaireVersion.version)):
        title = (row.content or {}).get("title") or {}
        forms.append(LibraryEntry(
            "stored", str(row.id), row.form_key, row.version,
            Label(vi=title.get("vi") or row.title, en=title.get("en")) if isinstance(title, dict)
            else label(row.title), row.respondent_group, row.status))
    packs = []
    for name in questionnaires.bundled_packs():
        pack = questionnaires.load_bundled_pack(name)
        packs.append(LibraryEntry("bundled", name, pack.id, pack.version, pack.title, None,
                                  "bundled"))
    for row in db.session.scalars(db.select(MethodologyPack).order_by(
            MethodologyPack.pack_key, MethodologyPack.version)):
        packs.append(LibraryEntry("stored", str(row.id), row.pack_key, row.version,
                                  label(row.title), None, row.status))
    return {"questionnaires": forms, "packs": packs}


def library_questionnaire(origin: str, key: str):
    """``(questionnaire, stored row or None)`` for a bundled name or a stored id; refused (404)
    when there is none."""
    import questionnaires

    from survey_app.operations.documents import load_questionnaire

    if origin == "bundled" and key in questionnaires.bundled():
        return questionnaires.load_bundled(key), None
    if origin == "stored" and key.isdigit() and int(key) < 2**31:
        row = db.session.get(QuestionnaireVersion, int(key))
        if row is not None:
            return load_questionnaire(row), row
    raise Refused(N_("Không có phiếu khảo sát này."), status=404, code="questionnaire_not_found")


def xlsform_bytes(questionnaire) -> bytes:
    """The questionnaire as an XLSForm workbook (``questionnaires.write_xlsform``)."""
    import questionnaires

    with tempfile.TemporaryDirectory(prefix="par-form-") as folder:
        path = Path(folder) / "form.xlsx"
        questionnaires.write_xlsform(questionnaire, path)
        return path.read_bytes()


def yaml_text(questionnaire) -> str:
    import questionnaires

    return questionnaires.dump_yaml(questionnaire)


def download_name(questionnaire, extension: str) -> str:
    return f"{questionnaire.id}-{questionnaire.version}.{extension}"
