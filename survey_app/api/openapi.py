"""``GET /api/v1/openapi.json``: the OpenAPI 3.1 document of the API.

The document is data: ``openapi.json`` beside this module, plus any fragment ``openapi.d/*.json``
(an object with ``paths`` and/or ``components.schemas``) merged in file-name order, so a feature
adds its routes' description without editing the shared file.
"""
from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path

from survey_app.api import bp

HERE = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def _merged() -> dict:
    document = json.loads((HERE / "openapi.json").read_text(encoding="utf-8"))
    for fragment_path in sorted((HERE / "openapi.d").glob("*.json")):
        fragment = json.loads(fragment_path.read_text(encoding="utf-8"))
        for path, item in fragment.get("paths", {}).items():
            if path in document["paths"]:
                raise ValueError(f"{fragment_path.name} describes {path} again; "
                                 "each path is described once")
            document["paths"][path] = item
        for section, entries in fragment.get("components", {}).items():
            document.setdefault("components", {}).setdefault(section, {}).update(entries)
    return document


def openapi_document() -> dict:
    """The OpenAPI document (a fresh copy the caller may change)."""
    return copy.deepcopy(_merged())


@bp.get("/openapi.json")
def openapi_json():
    return openapi_document()
