"""Sampling for PAR Index surveys: frames, sample size, allocation, selection.

Pure package: imports numpy, scipy and the standard library only (see README.md).
"""

from .allocation import allocate
from .frames import (
    COMMUNES,
    OFFICIALS,
    SIPAS_DOSSIERS,
    Column,
    FrameCheck,
    FrameError,
    FrameSpec,
    read_csv_rows,
    validate_frame,
)
from .probabilities import inclusion_probabilities
from .selection import Selection, backcheck, select
from .size import sample_size, sample_size_mean, slovin_size
from .two_stage import TwoStageSelection, select_two_stage

__all__ = [
    "sample_size",
    "sample_size_mean",
    "slovin_size",
    "allocate",
    "inclusion_probabilities",
    "select",
    "select_two_stage",
    "backcheck",
    "Selection",
    "TwoStageSelection",
    "Column",
    "FrameSpec",
    "FrameCheck",
    "FrameError",
    "validate_frame",
    "read_csv_rows",
    "SIPAS_DOSSIERS",
    "OFFICIALS",
    "COMMUNES",
]
