"""Design-based analysis of survey responses: weights, estimates with SEs, indices.

Pure package: numpy, scipy, statsmodels and ``questionnaires`` only (see README.md).
"""

from analysis.design import SurveyDesign
from analysis.estimate import DomainTable, Estimate
from analysis.weighting import kish_deff, kish_effective_n, nonresponse_adjust

__all__ = [
    "SurveyDesign",
    "Estimate",
    "DomainTable",
    "kish_deff",
    "kish_effective_n",
    "nonresponse_adjust",
]
