"""Form fields and checks of the staff pages that speak the page's language.

Every refusal is a catalogue id (Vietnamese, marked ``N_``) translated when it is said, with its
numbers in the page's locale; decimal fields read a decimal comma ("0,05") as well as a point
and show their value the way the page writes numbers.
"""
from __future__ import annotations

import decimal

from flask_babel import gettext
from wtforms import SelectChoice, fields, widgets
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Regexp,
    StopValidation,
    ValidationError,
)

from survey_app.i18n import current_lang, format_number
from survey_app.refusals import N_


def options(pairs) -> list[SelectChoice]:
    """``(value, label)`` pairs as WTForms select choices."""
    return [SelectChoice(value, label) for value, label in pairs]


class Said:
    """A WTForms check whose refusal is the sentence ``message_id`` in the page's language.

    ``arguments`` fill its placeholders when it is said; numbers follow the page's locale.
    """

    def __init__(self, check, message_id: str, **arguments) -> None:
        self.check = check
        self.message_id = message_id
        self.arguments = arguments
        self.field_flags = getattr(check, "field_flags", {})

    def sentence(self) -> str:
        shown = {name: format_number(value) if isinstance(value, (int, float)) else value
                 for name, value in self.arguments.items()}
        return gettext(self.message_id, **shown)

    def __call__(self, form, field) -> None:
        try:
            self.check(form, field)
        except StopValidation:
            raise StopValidation(self.sentence()) from None
        except ValidationError:
            raise ValidationError(self.sentence()) from None


def required() -> Said:
    return Said(DataRequired(), N_("Trường này là bắt buộc."))


def given() -> Said:
    """Required, where 0 is a value (numbers, select ids)."""
    return Said(InputRequired(), N_("Trường này là bắt buộc."))


def between(low: float, high: float | None = None) -> Said:
    if high is None:
        return Said(NumberRange(low), N_("Giá trị phải từ %(low)s trở lên."), low=low)
    return Said(NumberRange(low, high), N_("Giá trị phải từ %(low)s đến %(high)s."),
                low=low, high=high)


def at_most(characters: int) -> Said:
    return Said(Length(max=characters), N_("Tối đa %(n)s ký tự."), n=characters)


def identifier(pattern: str) -> Said:
    return Said(Regexp(pattern), N_(
        "Mã chỉ được gồm chữ cái không dấu, chữ số, dấu gạch ngang (-) và gạch dưới (_), tối đa "
        "40 ký tự, ví dụ CCHC-2025."))


class _SaidParse:
    """Replaces WTForms' English parse errors by a sentence of the page's language."""

    parse_message = ""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(gettext(self.parse_message)) from None


class IntegerField(_SaidParse, fields.IntegerField):
    parse_message = N_("Hãy nhập một số nguyên.")


class DecimalField(_SaidParse, fields.DecimalField):
    """A decimal number typed with a comma (0,05) or a point (0.05); in Vietnamese, a point
    between digit groups (1.234,5) is read as a thousands separator."""

    parse_message = N_("Hãy nhập một số, ví dụ 0,05.")
    # A text box: a number box would drop a value written with a comma.
    widget = widgets.TextInput()

    def __init__(self, *args, render_kw=None, **kwargs):
        super().__init__(*args, render_kw={"inputmode": "decimal", **(render_kw or {})}, **kwargs)

    def process_formdata(self, valuelist):
        if valuelist:
            valuelist = [read_decimal_text(valuelist[0])]
        super().process_formdata(valuelist)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        text = format(decimal.Decimal(str(self.data)).normalize(), "f")
        return text.replace(".", ",") if current_lang() == "vi" else text


def read_decimal_text(text: str) -> str:
    """"0,05" → "0.05"; "1.234,5" → "1234.5"; "0.05" unchanged; spaces dropped."""
    text = (text or "").strip().replace(" ", "").replace("\u00a0", "")
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    return text


class DateField(_SaidParse, fields.DateField):
    parse_message = N_("Hãy nhập ngày theo dạng yyyy-mm-dd.")


class SelectField(_SaidParse, fields.SelectField):
    parse_message = N_("Lựa chọn không hợp lệ.")

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(gettext(self.parse_message)) from None
