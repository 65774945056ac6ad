"""bntheory: derive, run and check the convergence theory of Batch Normalization.

The mathematics implemented here is specified in ``MATH.md`` (shared spec); the main
reference is Kohler et al., *Exponential convergence rates for Batch Normalization*,
AISTATS 2019 (arXiv:1805.10694).
"""

__version__ = "0.1.0"
