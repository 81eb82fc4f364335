"""E-mail over SMTP with the standard library: settings from the environment, one message per
person (Vietnamese, plain text and HTML), and a sender that keeps one connection, reconnects
after a drop and says per message what went wrong.

``SMTP_HOST``, ``SMTP_PORT``, ``SMTP_SECURITY`` (``none`` | ``starttls`` | ``tls``),
``SMTP_USERNAME``, ``SMTP_PASSWORD``, ``MAIL_FROM``; ``MAIL_PER_MINUTE`` caps the rate. Nothing
here logs a message body or a link: a failure is described by the server's reply code and text.
"""
from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app, render_template

from survey_app.logmask import mask_text
from survey_app.refusals import N_, Refused

SECURITY_MODES = ("none", "starttls", "tls")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str
    username: str | None
    password: str | None
    mail_from: str
    per_minute: int
    timeout: float


def smtp_settings() -> SmtpSettings:
    """The SMTP server the environment names; ``Refused`` when it names none or names it
    wrongly."""
    config = current_app.config
    host, mail_from = config.get("SMTP_HOST"), config.get("MAIL_FROM")
    security = (config.get("SMTP_SECURITY") or "starttls").lower()
    if not host or not mail_from:
        raise Refused(N_("Chưa cấu hình máy chủ thư: cần SMTP_HOST và MAIL_FROM."), status=409,
                      code="smtp_not_configured")
    if security not in SECURITY_MODES:
        raise Refused(N_("SMTP_SECURITY phải là none, starttls hoặc tls."), status=409,
                      code="smtp_security")
    per_minute = int(config.get("MAIL_PER_MINUTE") or 60)
    if per_minute < 1:
        raise Refused(N_("MAIL_PER_MINUTE phải từ 1 trở lên."), status=409, code="mail_rate")
    return SmtpSettings(host=host, port=int(config.get("SMTP_PORT") or DEFAULT_PORTS[security]),
                        security=security, username=config.get("SMTP_USERNAME") or None,
                        password=config.get("SMTP_PASSWORD") or None, mail_from=mail_from,
                        per_minute=per_minute,
                        timeout=float(config.get("SMTP_TIMEOUT_SECONDS") or 30))


def reminder_message(settings: SmtpSettings, *, to: str, name: str | None, round_title: str,
                     unit_name: str, link: str, closes_on: str | None,
                     first: bool) -> EmailMessage:
    """One person's message: Vietnamese plain text with an HTML alternative, the link in both."""
    subject = (f"Mời tham gia khảo sát: {round_title}" if first
               else f"Nhắc trả lời phiếu khảo sát: {round_title}")
    context = {"name": name, "round_title": round_title, "unit_name": unit_name, "link": link,
               "closes_on": closes_on, "first": first, "subject": subject,
               "sender": "Sở Nội vụ"}
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.mail_from
    message["To"] = to
    message["Message-ID"] = make_msgid(domain=settings.mail_from.rpartition("@")[2] or None)
    message.set_content(render_template("mail/reminder.txt", **context))
    message.add_alternative(render_template("mail/reminder.html", **context), subtype="html")
    return message


class DeliveryFailure(Exception):
    """One message did not leave; ``bounced`` when the server refused the recipient for good."""

    def __init__(self, detail: str, bounced: bool = False) -> None:
        super().__init__(detail)
        self.detail = mask_text(detail)[:500]
        self.bounced = bounced


def _reply(code, text) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()


class Sender:
    """One SMTP connection, opened on first use and again after the server drops it."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self.connection: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        if s.security == "tls":
            connection = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout,
                                          context=ssl.create_default_context())
        else:
            connection = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            if s.security == "starttls":
                connection.starttls(context=ssl.create_default_context())
        if s.username:
            connection.login(s.username, s.password or "")
        return connection

    def send(self, message: EmailMessage, recipient: str) -> None:
        """Send one message; ``DeliveryFailure`` says why it did not leave."""
        try:
            if self.connection is None:
                self.connection = self._open()
            self.connection.send_message(message, to_addrs=[recipient])
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()), (550, b""))
            raise DeliveryFailure(_reply(code, text), bounced=int(code) >= 500) from None
        except smtplib.SMTPResponseException as exc:  # sender or data refused, auth failed
            if isinstance(exc, (smtplib.SMTPSenderRefused, smtplib.SMTPAuthenticationError)):
                self.close()
            raise DeliveryFailure(_reply(exc.smtp_code, exc.smtp_error)) from None
        except (smtplib.SMTPException, OSError) as exc:  # dropped, refused, timed out
            self.close()
            raise DeliveryFailure(f"{type(exc).__name__}: {exc}") from None

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self.connection = None
