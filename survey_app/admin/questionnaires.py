"""The questionnaire library for staff: bundled and stored questionnaires and packs, a preview of
every page as respondents see it (skip rules in words), import (XLSForm or YAML, the CLI's
operation and problems), downloads (XLSForm, YAML) and publishing after a confirmation page."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, MultipleFileField

from survey_app.admin import bp
from survey_app.admin.access import commit_or_flash, current_user
from survey_app.admin.fields import Said, SelectField, options
from survey_app.admin.forms import ActionForm
from survey_app.auth import login_required
from survey_app.extensions import db
from survey_app.i18n import current_lang
from survey_app.labels import GROUP_LABELS
from survey_app.operations.questionnaire_library import (
    download_name,
    import_questionnaire,
    library,
    library_questionnaire,
    publish_draft,
    xlsform_bytes,
    yaml_text,
)
from survey_app.refusals import N_, Refused
from survey_app.respond.forms import build_fields
from survey_app.spreadsheets import XLSX_MIMETYPE, send_file

ORIGINS = ("bundled", "stored")
FORMATS = {"xlsx": XLSX_MIMETYPE, "yaml": "application/yaml; charset=utf-8"}


class QuestionnaireImportForm(FlaskForm):
    file = FileField(lazy_gettext("Tệp XLSForm (.xlsx, .xls) hoặc YAML"),
                     validators=[Said(FileRequired(), N_("Trường này là bắt buộc."))])
    respondent_group = SelectField(lazy_gettext("Nhóm đối tượng (khi biểu mẫu chưa ghi)"),
                                   default="")
    language = SelectField(lazy_gettext("Ngôn ngữ của nhãn chưa ghi ngôn ngữ"), default="")
    media = MultipleFileField(lazy_gettext("Tệp ảnh, âm thanh mà biểu mẫu nhắc đến"))


def _import_form() -> QuestionnaireImportForm:
    form = QuestionnaireImportForm()
    form.respondent_group.choices = options(
        [("", _("Theo biểu mẫu"))] + [(code, _(label)) for code, label in GROUP_LABELS.items()])
    form.language.choices = options(
        [("", _("Theo biểu mẫu")), ("vi", _("Tiếng Việt")), ("en", _("Tiếng Anh"))])
    return form


def _questionnaire_or_404(origin: str, key: str):
    if origin not in ORIGINS:
        abort(404)
    try:
        return library_questionnaire(origin, key)
    except Refused:
        abort(404)


@bp.get("/questionnaires")
@login_required("admin")
def questionnaires():
    return render_template("admin/questionnaires.html", entries=library())


@bp.route("/questionnaires/import", methods=["GET", "POST"])
@login_required("admin")
def questionnaire_import():
    form = _import_form()
    problems, problem, status = (), None, 200
    if form.validate_on_submit():
        upload = form.file.data
        try:
            data = upload.read()
        finally:
            upload.close()  # a large upload is a temporary file
        media = []
        for part in form.media.data or ():
            if getattr(part, "filename", None):
                try:
                    media.append((part.filename, part.read()))
                finally:
                    part.close()
        try:
            row, notes = import_questionnaire(
                upload.filename or "", data, form.respondent_group.data or None,
                form.language.data or None, current_user(), media)
        except Refused as refused:
            db.session.rollback()
            problem, status = refused.message(), 400 if refused.status < 500 else refused.status
            problems = refused.details if refused.code == "questionnaire_invalid" else ()
        else:
            db.session.commit()
            flash(_("Đã nhập phiếu %(form)s phiên bản %(version)s dưới dạng bản nháp.",
                    form=row.form_key, version=row.version), "ok")
            for note in notes:
                flash(note.message(current_lang()), "ok")
            return redirect(url_for("admin.questionnaire_preview", origin="stored",
                                    key=str(row.id)))
    elif request.method == "POST":
        status = 400
        problem = "; ".join(m for messages in form.errors.values() for m in messages)
    return render_template("admin/questionnaire_import.html", form=form, problems=problems,
                           problem=problem), status


@bp.get("/questionnaires/<origin>/<key>")
@login_required("admin")
def questionnaire_preview(origin: str, key: str):
    """Every page of a questionnaire as the respondent's page draws it, nothing answered, every
    question shown, with the rule that hides it in words."""
    from questionnaires.rules_text import describe_rule

    questionnaire, row = _questionnaire_or_404(origin, key)
    lang = current_lang()
    everything = {q.name for q in questionnaire.questions}
    pages = []
    for page in questionnaire.pages:
        fields = build_fields(questionnaire, page, {}, everything, {}, lang, "preview",
                              preview=True)
        rules = {q.name: describe_rule(questionnaire, q.relevant, lang)
                 for q in questionnaire.questions
                 if q.relevant and questionnaire.page_of(q.name) == page.name}
        pages.append({"title": page.title.get(lang), "fields": fields, "rules": rules,
                      "rule": describe_rule(questionnaire, page.relevant, lang)})
    return render_template("admin/questionnaire_preview.html", q=questionnaire, row=row,
                           origin=origin, key=key, pages=pages, lang=lang,
                           action_form=ActionForm())


@bp.get("/questionnaires/<origin>/<key>/download.<fmt>")
@login_required("admin")
def questionnaire_download(origin: str, key: str, fmt: str):
    if fmt not in FORMATS:
        abort(404)
    questionnaire, _row = _questionnaire_or_404(origin, key)
    content = (xlsform_bytes(questionnaire) if fmt == "xlsx"
               else yaml_text(questionnaire).encode("utf-8"))
    return send_file(content, download_name(questionnaire, fmt), FORMATS[fmt])


@bp.route("/questionnaires/stored/<int:questionnaire_id>/publish", methods=["GET", "POST"])
@login_required("admin")
def questionnaire_publish(questionnaire_id: int):
    """GET: what publishing does, and a button; POST: publish (a deliberate second step)."""
    questionnaire, row = _questionnaire_or_404("stored", str(questionnaire_id))
    preview = url_for("admin.questionnaire_preview", origin="stored", key=str(row.id))
    form = ActionForm()
    if request.method == "POST":
        if form.validate_on_submit():
            commit_or_flash(lambda: publish_draft(row, current_user()),
                            _("Đã công bố phiếu %(form)s phiên bản %(version)s.",
                              form=row.form_key, version=row.version))
        return redirect(preview)
    if row.is_published:
        flash(_("Phiếu %(form)s phiên bản %(version)s đã được công bố.", form=row.form_key,
                version=row.version), "ok")
        return redirect(preview)
    return render_template("admin/questionnaire_publish.html", q=questionnaire, row=row,
                           form=form, lang=current_lang(), preview=preview)
