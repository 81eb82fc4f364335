"""Feature blueprints; each feature package holds ``bp``, its routes and its forms."""
from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from survey_app import auth
    from survey_app.blueprints import main

    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp)

    from survey_app import admin

    app.register_blueprint(admin.bp)

    from survey_app import interviewer

    app.register_blueprint(interviewer.bp)

    from survey_app import api, respond
    from survey_app.extensions import csrf

    app.register_blueprint(respond.bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)  # a token or entry code in the body authorises API calls

    from survey_app import openrosa

    app.register_blueprint(openrosa.bp)
    csrf.exempt(openrosa.bp)  # ODK Collect: HTTP Basic per request, no cookie

    from survey_app import exports, results

    app.register_blueprint(exports.bp)
    app.register_blueprint(results.bp)

    from survey_app.reports import public, routes

    app.register_blueprint(routes.bp)
    app.register_blueprint(public.bp)
