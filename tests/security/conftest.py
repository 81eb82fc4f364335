"""Fixtures of the security tests: databases of their own."""
from __future__ import annotations

import pytest

from tests.databases import fresh_database


@pytest.fixture
def empty_database_url(tmp_path):
    """A database with nothing in it, on the server the suite runs against (or a SQLite file)."""
    with fresh_database(tmp_path / "empty.sqlite") as url:
        yield url
