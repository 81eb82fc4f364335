"""Schema validation, reading and checksums of contract documents."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib import resources

from jsonschema import Draft202012Validator

from .build import CONTRACT_VERSION

SCHEMA_FILE = "contract-v1.schema.json"


class ContractError(ValueError):
    """A contract that cannot be accepted; ``problems`` lists every reason (English),
    ``message_vi`` / ``message_en`` summarise it."""

    def __init__(self, message_vi: str, message_en: str, problems=()):
        self.message_vi = message_vi
        self.message_en = message_en
        self.problems = list(problems)
        detail = "".join(f"\n- {p}" for p in self.problems)
        super().__init__(f"{message_vi} / {message_en}{detail}")


@lru_cache(maxsize=1)
def _schema_text() -> str:
    return resources.files(__package__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


def contract_schema() -> dict:
    """The JSON Schema (2020-12) of contract v1, as shipped in the package."""
    return json.loads(_schema_text())


def contract_errors(doc) -> list[str]:
    """Every schema violation of ``doc`` as "path: message", in document order."""
    validator = Draft202012Validator(contract_schema(),
                                     format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path])
    out = []
    for e in errors:
        path = "/".join(str(p) for p in e.absolute_path) or "(document)"
        out.append(f"{path}: {e.message}")
    return out


def validate_contract(doc) -> dict:
    """Return ``doc`` if it satisfies the schema; else raise ContractError listing every error."""
    errors = contract_errors(doc)
    if errors:
        raise ContractError(
            f"Tài liệu kết quả không hợp lệ: {len(errors)} lỗi.",
            f"The contract document is not valid: {len(errors)} errors.",
            errors,
        )
    return doc


def read_contract(text: str | bytes) -> dict:
    """Parse and validate a contract; another ``contract_version`` is rejected with a clear
    message."""
    try:
        doc = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ContractError(
            "Tệp kết quả không phải là JSON hợp lệ.",
            f"The contract file is not valid JSON ({exc}).",
        ) from None
    if not isinstance(doc, dict) or "contract_version" not in doc:
        raise ContractError(
            "Tệp không có trường contract_version nên không phải là tài liệu kết quả khảo sát.",
            "The file has no contract_version, so it is not a survey export contract.",
        )
    version = doc["contract_version"]
    if version != CONTRACT_VERSION:
        raise ContractError(
            f"Phiên bản tài liệu kết quả {version!r} không được hỗ trợ; phần mềm này đọc phiên bản "
            f"{CONTRACT_VERSION}.",
            f"Contract version {version!r} is not supported; this software reads version "
            f"{CONTRACT_VERSION}.",
        )
    return validate_contract(doc)


def canonical_json(doc) -> bytes:
    """Canonical UTF-8 serialisation: sorted keys, no spaces, shortest round-trip floats."""
    return json.dumps(
        doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def checksum_text(data: bytes, filename: str) -> str:
    """Detached checksum file content in ``sha256sum`` format: ``<hex>  <filename>\\n``."""
    if "\n" in filename or not filename:
        raise ValueError("filename must be a single non-empty line.")
    return f"{hashlib.sha256(data).hexdigest()}  {filename}\n"


def verify_checksum(data: bytes, checksum: str) -> bool:
    """True when ``data`` matches the SHA-256 in a detached checksum text (or bare hex digest)."""
    parts = checksum.strip().split()
    if not parts or len(parts[0]) != 64:
        raise ValueError("The checksum text does not start with a SHA-256 hex digest.")
    return hashlib.sha256(data).hexdigest() == parts[0].lower()
