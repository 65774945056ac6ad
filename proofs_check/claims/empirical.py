"""The articles' empirical statements: reported as not checkable here, each with its reason.

CLAIMS.md: "Empirical statements about ImageNet, CIFAR-10, VGG or leaderboards are reported as
*not checkable here*, with the reason."  Where the toolkit runs a related experiment of its own,
the reason names it (its result is evidence about our setting, not a verdict on theirs).
"""

from __future__ import annotations

from .core import not_checkable

_NO_DATA = ("an experiment on {what}; its data, architecture and training settings are not available "
            "to this toolkit, which verifies mathematical statements on synthetic instances")

not_checkable(
    "A-emp-ics-vgg", "A", "Theoretical Understanding",
    r"\text{VGG-16 trained with BN plus non-zero-mean, non-unit-variance noise reaches similar accuracy "
    r"to BN alone, both better than no BN}",
    _NO_DATA.format(what="VGG-16 image classification (Santurkar et al. 2018)"))

not_checkable(
    "A-emp-ics-measure", "A", "Measure",
    r"\text{gradient correlations before/after updating previous layers are higher for standard VGG and "
    r"a 25-layer DLN than for their BN counterparts}",
    _NO_DATA.format(what="VGG and 25-layer deep linear networks trained to a point of their training run")
    + "; the measure also depends on that training trajectory, which the article does not specify")

not_checkable(
    "A-emp-untrainable", "A", "Vanishing/exploding gradients",
    r"\text{deep batchnorm networks are untrainable in practice; only skip connections relieve this}",
    "a statement about training outcomes over all practical settings, not a mathematical statement; the "
    "gradient growth at initialisation it rests on is checked (A-explode, explosion.* in bntheory verify)")

not_checkable(
    "A-emp-nongaussian", "A", "Learning halfspace",
    r"\text{experiments show GDNP accelerates optimisation without the Gaussian assumption}",
    _NO_DATA.format(what="the paper's non-Gaussian halfspace experiments")
    + "; our own finite-sample experiment (bntheory figures --only empirical, MATH.md §5) is labelled an "
    "experiment: there GDNP with h = ĉ₁uᵀw stalls near 1e-5 while GD and BN-GD keep decreasing")

not_checkable(
    "B-emp-imagenet", "B", "Introduction",
    r"\text{BN reaches the baseline's ImageNet accuracy in 14 times fewer steps; top-5 error 4.9\%}",
    _NO_DATA.format(what="ImageNet classification with Inception (Ioffe & Szegedy 2015)"))

not_checkable(
    "B-emp-adoption", "B", "Impact and Recognition",
    r"\text{BN appears in over 90\% of top ImageNet models on leaderboards by 2020; ICML 2025 Test of Time Award}",
    "a bibliometric / historical statement about leaderboards and awards, not a mathematical one")

not_checkable(
    "B-emp-ics-santurkar", "B", "Covariate Shift Quantification",
    r"\text{ICS persists with BN; a VGG-like ReLU network reaches 83\% on CIFAR-10 with BN versus 80\% without}",
    _NO_DATA.format(what="CIFAR-10 training of a VGG-like network"))

not_checkable(
    "B-emp-smooth-lr", "B", "Loss Landscape Smoothness",
    r"\text{BN reduces loss variation by up to two orders of magnitude and allows up to 10 times larger "
    r"learning rates}",
    _NO_DATA.format(what="deep linear networks and VGG training runs (Santurkar et al. 2018)")
    + "; the one-layer smoothness bounds behind it are checked (A-smooth-*, smoothness.* in bntheory verify)")

not_checkable(
    "B-emp-deep-mnist", "B", "Gradient Flow Stabilization",
    r"\text{in 90-layer models on permutation-invariant MNIST, BN prevents exponential decay of gradient norms}",
    _NO_DATA.format(what="90-layer MNIST models with backward gradient normalisation"))

not_checkable(
    "B-emp-cai-epochs", "B", "Least-Squares Optimization",
    r"\text{on synthetic data with heterogeneous feature variances, BN reduces epochs to convergence 2--5 times}",
    "the synthetic data's distribution, sizes, step sizes and stopping rule are not given, so there is no "
    "instance to rerun; BN-GD on least squares itself is checked (B-ols-kappa, bngd-ols.* in bntheory verify)")

not_checkable(
    "B-emp-kohler-sgd", "B", "Halfspace Learning",
    r"\text{BN gives iteration complexity } O(\log(1/\epsilon)) \text{ for strongly convex losses in SGD, "
    r"a linear speedup (Kohler et al. 2018)}",
    "no stochastic-gradient setting, noise model or step-size rule is stated, and the cited paper analyses "
    "full-gradient GDNP (MATH.md §4), not SGD; its deterministic statements are checked (A-lh-*, B-lh-*)")
