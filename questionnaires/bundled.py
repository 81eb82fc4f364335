"""The bundled questionnaire templates and methodology packs (data files in this package).

Every bundled file is a *template*: it must be checked against the province's decision
before use (each file says so in its description).
"""

from __future__ import annotations

from pathlib import Path

from questionnaires.model import Questionnaire
from questionnaires.packs import MethodologyPack, load_pack
from questionnaires.yaml_format import load

__all__ = ["bundled", "bundled_packs", "load_bundled", "load_bundled_pack"]

_HERE = Path(__file__).parent


def _listing(folder: str) -> dict[str, Path]:
    return {path.stem: path for path in sorted((_HERE / folder).glob("*.yaml"))}


def bundled() -> dict[str, Path]:
    """Name → path of each bundled questionnaire template."""
    return _listing("templates")


def bundled_packs() -> dict[str, Path]:
    """Name → path of each bundled methodology pack."""
    return _listing("packs")


def load_bundled(name: str) -> Questionnaire:
    """Load the bundled questionnaire ``name``; raises ``ValueError`` for an unknown name."""
    listing = bundled()
    if name not in listing:
        raise ValueError(f"no bundled questionnaire {name!r}; choose from {', '.join(listing)}")
    return load(listing[name])


def load_bundled_pack(name: str) -> MethodologyPack:
    """Load the bundled methodology pack ``name``; raises ``ValueError`` for an unknown name."""
    listing = bundled_packs()
    if name not in listing:
        raise ValueError(f"no bundled pack {name!r}; choose from {', '.join(listing)}")
    return load_pack(listing[name])
