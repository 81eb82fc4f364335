"""Which unit types each bundled template rates, and which bundled pack it is written for.

The questionnaire model has no key saying which unit types a form rates, so the mapping is
written out here, read off each template's title ("... rate communes", "... rate the province").
SIPAS forms are sent to every unit type whose citizens are surveyed.
"""

from __future__ import annotations

import questionnaires as qn

# template → (pack it is written for, unit types it rates)
RATES = {
    "sipas_2025": ("province_default", ("agency", "commune", "district")),
    "delegate_rates_agency_2025": ("province_default", ("agency",)),
    "commune_leader_rates_agency_2025": ("province_default", ("agency",)),
    "district_leader_rates_agency_2024": ("province_default", ("agency",)),
    "delegate_rates_commune_2025": ("province_default", ("commune",)),
    "agency_leader_rates_commune_2025": ("province_default", ("commune",)),
    "delegate_rates_district_2024": ("province_default", ("district",)),
    "national_delegate_rates_province_2023": ("national_2023", ("province",)),
    "national_agency_leader_rates_province_2023": ("national_2023", ("province",)),
    "national_district_leader_rates_province_2023": ("national_2023", ("province",)),
    "national_commune_leader_rates_province_2023": ("national_2023", ("province",)),
}
# the citizens' SIPAS form also serves the national pack's province (once it scores no code)
ALSO_RATES = {("sipas_2025", "national_2023"): ("province",)}


def pack_for(template: str) -> str:
    return RATES[template][0]


def bundled_matrix(pack: str, unit_type: str) -> list[tuple[str, str, qn.Questionnaire]]:
    """Cells (respondent group, unit type, questionnaire) of every bundled template that rates
    ``unit_type`` under ``pack``."""
    cells = []
    for name in sorted(qn.bundled()):
        own_pack, unit_types = RATES[name]
        rated = unit_types if own_pack == pack else ALSO_RATES.get((name, pack), ())
        if unit_type in rated:
            q = qn.load_bundled(name)
            cells.append((q.respondent_group, unit_type, q))
    return cells
