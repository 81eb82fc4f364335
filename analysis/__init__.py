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

# indices, points, reliability, quality, contract and combiner (issues 6 and 7)
from analysis.combiner import CombinerError, combine, compare  # noqa: E402
from analysis.indices import sipas_indices  # noqa: E402
from analysis.points import GroupRatings, GroupRule, criterion_points  # noqa: E402
from analysis.quality import quality_flags  # noqa: E402
from analysis.reliability import cronbach_alpha, element_reliability  # noqa: E402

__all__ += [
    "sipas_indices", "GroupRatings", "GroupRule", "criterion_points", "cronbach_alpha",
    "element_reliability", "quality_flags", "combine", "compare", "CombinerError",
]
