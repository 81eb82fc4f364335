"""Routes of the results pages."""
from __future__ import annotations
