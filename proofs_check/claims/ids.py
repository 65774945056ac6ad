"""The order of the claims: CLAIMS.md's ids, then the empirical statements it asks to report.

CLAIMS.md lists the checkable statements of the two seed articles with ids; its last paragraph
asks that empirical statements (ImageNet, CIFAR-10, VGG, leaderboards) be reported as not
checkable here, with the reason.  Those have no id in CLAIMS.md: they get ``*-emp-*`` ids here.
"""

#: CLAIMS.md's ids, in its order (``tests/test_claims.py`` compares them with the file when present).
CLAIMS_MD = (
    "A-bn-forward", "A-bp-xhat", "A-bp-gamma", "A-bp-beta", "A-bp-var", "A-bp-mean", "A-bp-x", "A-inf-stats",
    "A-inf-map", "A-smooth-grad", "A-smooth-hess", "A-smooth-weight", "A-smooth-init", "A-explode", "A-decouple",
    "A-ols-obj", "A-ols-reparam", "A-ols-rho", "A-rayleigh", "A-ols-rate", "A-ols-faster", "A-lh-grad",
    "A-lh-crit", "A-lh-h", "A-lh-step", "A-lh-bisect", "A-lh-dir", "A-lh-main", "A-nn-crit", "A-nn-rate",
    "B-bp", "B-bp-cost", "B-inf", "B-smooth-grad", "B-jacobian", "B-grad-sigma", "B-decouple", "B-ols-kappa",
    "B-lh-rate", "B-lh-main", "B-lh-phi",
)

#: Empirical statements of the articles, reported as not checkable (proofs_check/claims/empirical.py).
EMPIRICAL = (
    "A-emp-ics-vgg", "A-emp-ics-measure", "A-emp-untrainable", "A-emp-nongaussian",
    "B-emp-imagenet", "B-emp-adoption", "B-emp-ics-santurkar", "B-emp-smooth-lr", "B-emp-deep-mnist",
    "B-emp-cai-epochs", "B-emp-kohler-sgd",
)

ORDER = CLAIMS_MD + EMPIRICAL

#: The articles' sections in the order they appear (the errata page follows it).
SECTIONS = {
    "A": ("Procedures/Transformation", "Procedures/Backpropagation", "Procedures/Inference",
          "Theoretical Understanding", "Smoothness", "Measure", "Vanishing/exploding gradients", "Decoupling",
          "Least-square problem", "Learning halfspace", "Neural networks"),
    "B": ("Introduction", "Impact and Recognition", "Procedures/Backpropagation Through Normalization",
          "Procedures/Inference Phase", "Loss Landscape Smoothness", "Covariate Shift Quantification",
          "Gradient Flow Stabilization", "Parameter Decoupling", "Least-Squares Optimization", "Halfspace Learning"),
}
