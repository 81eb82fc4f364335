"""The PAR Index in the app: the methodology pack a contract names, and the combiner's result as
tables. The rules (not applicable, ranks, mergers) live in ``analysis.combiner``."""
from __future__ import annotations

import json

from survey_app.extensions import db
from survey_app.models import MethodologyPack

INDEX_HEADERS = ("rank", "unit_code", "unit_name", "unit_type", "points", "applicable_max", "index")
FIELD_HEADERS = ("unit_code", "field", "points", "applicable_max", "index")


def find_pack(contract: bytes | str | dict, source: str | None = None):
    """The ``questionnaires.MethodologyPack`` to combine with: ``source`` (a pack file or a bundled
    pack name) when given, else the stored pack the contract names. Raises LookupError."""
    import questionnaires
    from questionnaires.packs import load_pack

    if source:
        try:
            return load_pack(source) if source.endswith((".yaml", ".yml", ".json")) \
                else questionnaires.load_bundled_pack(source)
        except (OSError, KeyError, ValueError) as exc:
            raise LookupError(f"Không đọc được bộ tiêu chí {source!r} / cannot read pack {source!r}: {exc}") from None
    try:
        doc = contract if isinstance(contract, dict) else json.loads(contract)
        pack_id, version = doc["provenance"]["pack"]["id"], doc["provenance"]["pack"]["version"]
    except (ValueError, KeyError, TypeError):
        raise LookupError("Tài liệu kết quả không cho biết bộ tiêu chí; dùng --pack / the contract does not "
                          "name its methodology pack; give --pack.") from None
    row = db.session.scalar(db.select(MethodologyPack).filter_by(pack_key=str(pack_id), version=str(version)))
    if row is None:
        raise LookupError(f"Không có bộ tiêu chí {pack_id} {version} trong cơ sở dữ liệu; dùng --pack / "
                          f"methodology pack {pack_id} {version} is not stored; give --pack.")
    return load_pack(row.content)


def combined_index_tables(result) -> dict[str, tuple[tuple[str, ...], list[list]]]:
    """``index`` (one row per unit, by unit type and rank) and ``fields`` (field sub-indices)."""
    units = sorted(result.units, key=lambda u: (u.unit_type, u.rank if u.rank is not None else 10**9, u.code))
    index_rows = [[u.rank, u.code, u.name, u.unit_type, u.points, u.applicable_max, u.index] for u in units]
    field_rows = [[u.code, code, f.points, f.applicable_max, f.index]
                  for u in units for code, f in u.fields.items()]
    return {"index": (INDEX_HEADERS, index_rows), "fields": (FIELD_HEADERS, field_rows)}
