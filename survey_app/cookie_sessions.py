"""Flask's signed-cookie session without its cost where no session is used.

A request that brings no session cookie and leaves the session untouched (the JSON API, a QR
submission, a public page) builds no signing serializer and reads no cookie setting; anything else
goes through Flask's ``SecureCookieSessionInterface`` unchanged.
"""
from __future__ import annotations

from flask.sessions import SecureCookieSessionInterface


class CookieSessionInterface(SecureCookieSessionInterface):
    """``SecureCookieSessionInterface`` that skips the work for an absent, untouched session."""

    def open_session(self, app, request):
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response) -> None:
        if not session and not session.modified and not session.accessed:
            return  # Flask would set no cookie and add no Vary header either
        super().save_session(app, session, response)
