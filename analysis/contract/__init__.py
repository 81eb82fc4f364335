"""Export contract v1: build, validate, read, checksum and tabulate survey results.

See README.md in this folder for the document layout.
"""

from .build import CONTRACT_VERSION, build_contract
from .respondents import (
    Variable, codebook, respondent_frame, respondent_table, write_respondents_sav,
    write_respondents_xlsx,
)
from .tables import (
    contract_tables, criteria_table, csv_bytes, escape_cell, response_table, sipas_table,
    write_csv, write_xlsx,
)
from .validation import (
    ContractError, canonical_json, checksum_text, contract_errors, contract_schema, read_contract,
    validate_contract, verify_checksum,
)

__all__ = [
    "CONTRACT_VERSION", "build_contract", "Variable", "codebook", "respondent_frame",
    "respondent_table", "write_respondents_sav", "write_respondents_xlsx", "contract_tables",
    "criteria_table", "csv_bytes", "escape_cell", "response_table", "sipas_table", "write_csv",
    "write_xlsx", "ContractError", "canonical_json", "checksum_text", "contract_errors",
    "contract_schema", "read_contract", "validate_contract", "verify_checksum",
]
