"""Every Vietnamese message in the templates and code has an English translation in the
catalogue."""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "survey_app" / "translations"


def test_english_catalogue_covers_every_message():
    with open(TRANSLATIONS / "babel.cfg", encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    extracted = {message for _, _, message, _, _
                 in extract_from_dir(str(ROOT), method_map, options_map)}
    ids = {m if isinstance(m, str) else m[0] for m in extracted}
    with open(TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.mo", "rb") as handle:
        catalogue = read_mo(handle)
    translated = {m.id if isinstance(m.id, str) else m.id[0]
                  for m in catalogue if m.id and m.string}
    missing = sorted(ids - translated)
    assert not missing, ("untranslated (run the commands in survey_app/translations/README.md): "
                         f"{missing}")
