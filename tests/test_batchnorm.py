"""Tests of bntheory.batchnorm (MATH.md §1).

Every check is asserted in both directions: the implementation passes it, and a deliberately
wrong variant (a dropped ``1/m``, a flipped sign, the biased running variance, a wrong reshape…)
fails the *same* comparison. ``rel_err`` returns the error so that both directions can be asserted.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bntheory.batchnorm import (
    BatchNorm,
    BNCache,
    batchnorm_backward,
    batchnorm_backward_jvp,
    batchnorm_forward,
    batchnorm_inference,
    normalize_jvp,
)
from bntheory.errors import (
    BatchSizeError,
    BNTheoryError,
    EpsilonError,
    NonFiniteError,
    ParameterError,
    ShapeMismatchError,
)

GRAD_TOL = 1e-6  # finite differences vs analytic backward (float64, central differences)
EXACT_TOL = 1e-11  # identities that hold up to rounding
WRONG_MIN = 1e-2  # a wrong variant must miss by at least this much
EPSILONS = [0.0, 1e-5, 1e-2, 1.0]
SHAPES = [(6, 3), (3, 2, 2, 3)]  # dense (m = 6) and convolutional (m' = 3·2·3 = 18)


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def rel_err(a, b) -> float:
    """max|a − b| / max(max|a|, max|b|); 0 when both are 0."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    scale = max(float(np.max(np.abs(a))), float(np.max(np.abs(b))))
    if scale == 0.0:
        return 0.0
    return float(np.max(np.abs(a - b))) / scale


def numerical_grad(f, z: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central finite differences of the scalar function ``f`` at ``z``."""
    g = np.empty_like(z)
    for idx in np.ndindex(z.shape):
        zp = z.copy()
        zm = z.copy()
        zp[idx] += h
        zm[idx] -= h
        g[idx] = (f(zp) - f(zm)) / (2.0 * h)
    return g


def to_cols(a: np.ndarray) -> np.ndarray:
    """(N, C) as is; (N, C, H, W) → (N·H·W, C), written independently of the module."""
    if a.ndim == 2:
        return a
    return np.moveaxis(a, 1, -1).reshape(-1, a.shape[1])


def from_cols(cols: np.ndarray, shape) -> np.ndarray:
    if len(shape) == 2:
        return cols
    n, c, h, w = shape
    return np.moveaxis(cols.reshape(n, h, w, c), -1, 1)


def make_instance(seed: int, shape):
    """Features with different offsets and scales, γ of both signs, a random upstream δ."""
    rng = np.random.default_rng(seed)
    c = shape[1]
    bshape = (1, c) + (1,) * (len(shape) - 2)
    offset = rng.uniform(-3.0, 3.0, size=bshape)
    scale = rng.uniform(0.5, 2.0, size=bshape)
    x = offset + scale * rng.standard_normal(shape)
    gamma = rng.uniform(0.5, 2.0, size=c) * rng.choice([-1.0, 1.0], size=c)
    beta = rng.standard_normal(c)
    delta = rng.standard_normal(shape)
    return x, gamma, beta, delta


def loss(x, gamma, beta, delta, eps) -> float:
    """ℓ = Σ δ ⊙ y, so that ∂ℓ/∂y = δ."""
    y, _ = batchnorm_forward(x, gamma, beta, eps=eps)
    return float(np.sum(delta * y))


# Wrong backward passes (negative controls). Each takes (dy, cache) → dx, in column layout.


def _wrong(kind: str):
    def backward(dy, cache: BNCache) -> np.ndarray:
        d = to_cols(dy)
        xh, m, g, s = cache.x_hat, cache.m, cache.gamma, cache.sigma_hat
        sd, sdx = d.sum(axis=0), (d * xh).sum(axis=0)
        if kind == "dropped_1/m":
            dx = (g / s) * (m * d - sd - xh * sdx)
        elif kind == "flipped_sign":
            dx = (g / (m * s)) * (m * d - sd + xh * sdx)
        elif kind == "no_variance_term":
            dx = (g / (m * s)) * (m * d - sd)
        elif kind == "no_mean_term":
            dx = (g / (m * s)) * (m * d - xh * sdx)
        elif kind == "stats_as_constants":
            dx = g * d / s
        elif kind == "eps_ignored":  # σ_B in place of σ̂ (right only at ε = 0)
            sig = np.sqrt(cache.var)
            xb = xh * s / sig
            dx = (g / (m * sig)) * (m * d - sd - xb * (d * xb).sum(axis=0))
        else:  # pragma: no cover
            raise AssertionError(kind)
        return from_cols(dx, cache.shape)

    return backward


WRONG_KINDS = [
    "dropped_1/m",
    "flipped_sign",
    "no_variance_term",
    "no_mean_term",
    "stats_as_constants",
]


def chain_rule_backward(dy, cache: BNCache) -> np.ndarray:
    """The step-by-step chain rule of Ioffe & Szegedy (2015) §3 / MATH.md §1.2."""
    d = to_cols(dy)
    m, g = cache.m, cache.gamma
    xc = cache.x_hat * cache.sigma_hat  # x − μ_B
    v = cache.var + cache.eps
    dxhat = d * g
    dvar = np.sum(dxhat * xc, axis=0) * (-0.5) * v**-1.5
    dmu = np.sum(dxhat * (-1.0 / np.sqrt(v)), axis=0) + dvar * np.mean(-2.0 * xc, axis=0)
    dx = dxhat / np.sqrt(v) + dvar * 2.0 * xc / m + dmu / m
    return from_cols(dx, cache.shape)


def chain_rule_missing_half(dy, cache: BNCache) -> np.ndarray:
    """The same chain rule with the factor −1/2 of ∂ℓ/∂σ_B² dropped (negative control)."""
    d = to_cols(dy)
    m, g = cache.m, cache.gamma
    xc = cache.x_hat * cache.sigma_hat
    v = cache.var + cache.eps
    dxhat = d * g
    dvar = np.sum(dxhat * xc, axis=0) * v**-1.5
    dmu = np.sum(dxhat * (-1.0 / np.sqrt(v)), axis=0)
    dx = dxhat / np.sqrt(v) + dvar * 2.0 * xc / m + dmu / m
    return from_cols(dx, cache.shape)


def test_rel_err_helper():
    assert rel_err([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert rel_err([0.0], [0.0]) == 0.0
    assert rel_err([1.0, 0.0], [1.0, 1e-3]) == pytest.approx(1e-3)
    assert rel_err([2.0], [1.0]) == pytest.approx(0.5)


# --------------------------------------------------------------------------------------------
# forward pass (§1.1)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("eps", EPSILONS)
def test_forward_matches_definition(shape, eps):
    x, gamma, beta, _ = make_instance(1, shape)
    y, cache = batchnorm_forward(x, gamma, beta, eps=eps)
    cols = to_cols(x)
    mu = cols.mean(axis=0)
    var = np.var(cols, axis=0)  # biased, ddof = 0
    expected = from_cols(gamma * (cols - mu) / np.sqrt(var + eps) + beta, shape)
    assert y.shape == shape and y.dtype == np.float64
    assert rel_err(y, expected) < EXACT_TOL
    assert rel_err(cache.mean, mu) < EXACT_TOL
    assert rel_err(cache.var, var) < EXACT_TOL
    # negative control: the unbiased variance in the normalisation is a different transform
    unbiased = from_cols(
        gamma * (cols - mu) / np.sqrt(np.var(cols, axis=0, ddof=1) + eps) + beta, shape
    )
    assert rel_err(y, unbiased) > WRONG_MIN


def test_forward_eps0_standardises_each_feature():
    x, gamma, beta, _ = make_instance(2, (7, 4))
    y, _ = batchnorm_forward(x, np.ones(4), np.zeros(4), eps=0.0)
    assert np.max(np.abs(y.mean(axis=0))) < EXACT_TOL
    assert rel_err(y.std(axis=0), np.ones(4)) < EXACT_TOL
    # control: with ε > 0 the standard deviation is σ_B/σ̂ < 1, measurably so for ε = 1
    y1, c1 = batchnorm_forward(x, np.ones(4), np.zeros(4), eps=1.0)
    assert rel_err(y1.std(axis=0), np.ones(4)) > WRONG_MIN
    assert rel_err(y1.std(axis=0), np.sqrt(c1.var / (c1.var + 1.0))) < EXACT_TOL


def test_forward_does_not_modify_inputs_and_accepts_integers():
    x = np.array([[1, 2], [3, 5], [4, 9]])
    x_copy = x.copy()
    gamma, beta = np.array([1.0, 2.0]), np.array([0.0, -1.0])
    y, _ = batchnorm_forward(x, gamma, beta, eps=0.0)
    assert np.array_equal(x, x_copy)
    assert y.dtype == np.float64
    y_float, _ = batchnorm_forward(x.astype(np.float64), gamma, beta, eps=0.0)
    assert rel_err(y, y_float) == 0.0


# --------------------------------------------------------------------------------------------
# backward pass (§1.2, §1.3) against finite differences, with negative controls
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("eps", EPSILONS)
def test_dx_matches_finite_differences(shape, eps):
    x, gamma, beta, delta = make_instance(10, shape)
    _, cache = batchnorm_forward(x, gamma, beta, eps=eps)
    dx, _, _ = batchnorm_backward(delta, cache)
    num = numerical_grad(lambda z: loss(z, gamma, beta, delta, eps), x)
    assert dx.shape == shape
    assert rel_err(dx, num) < GRAD_TOL
    # negative controls: each wrong backward fails the same comparison
    for kind in WRONG_KINDS:
        assert rel_err(_wrong(kind)(delta, cache), num) > WRONG_MIN, kind
    if eps >= 1e-2:
        assert rel_err(_wrong("eps_ignored")(delta, cache), num) > 1e-3
    else:  # where ε is negligible, using σ_B for σ̂ is indistinguishable at this tolerance
        assert rel_err(_wrong("eps_ignored")(delta, cache), num) < 1e-4


def _backward_jvp_variant(kind: str, dy, dy_dot, x_dot, cache: BNCache) -> np.ndarray:
    """The forward-mode derivative of the compact backward written independently in column
    layout; ``kind`` drops one term (negative controls)."""
    d, dd, xd = to_cols(dy), to_cols(dy_dot), to_cols(x_dot)
    xh, m, g, s = cache.x_hat, cache.m, cache.gamma, cache.sigma_hat
    cd = xd - xd.mean(axis=0)
    s_dot = np.mean(xh * cd, axis=0)
    xh_dot = (cd - xh * s_dot) / s
    if kind == "no_sigma_dot":  # σ̂ treated as constant along ẋ
        s_dot = np.zeros_like(s_dot)

    def back(e):
        return (g / (m * s)) * (m * e - e.sum(axis=0) - xh * (e * xh).sum(axis=0))

    out = back(dd) - (s_dot / s) * back(d) - (g / (m * s)) * (
        xh_dot * (d * xh).sum(axis=0) + xh * (d * xh_dot).sum(axis=0))
    return from_cols(out, cache.shape)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("eps", EPSILONS)
def test_backward_jvp_matches_finite_differences(shape, eps):
    """d/dt batchnorm_backward(δ + tδ̇, cache(x + tẋ)) at t = 0, by central differences."""
    x, gamma, beta, delta = make_instance(12, shape)
    rng = np.random.default_rng(13)
    x_dot, delta_dot = rng.standard_normal(shape), rng.standard_normal(shape)
    _, cache = batchnorm_forward(x, gamma, beta, eps=eps)
    h = 1e-5

    def at(t):
        _, c = batchnorm_forward(x + t * x_dot, gamma, beta, eps=eps)
        return c, batchnorm_backward(delta + t * delta_dot, c)[0]

    (cp, dxp), (cm, dxm) = at(h), at(-h)
    num = (dxp - dxm) / (2.0 * h)
    got = batchnorm_backward_jvp(delta, delta_dot, x_dot, cache)
    assert got.shape == shape
    assert rel_err(got, num) < GRAD_TOL
    assert rel_err(got, _backward_jvp_variant("right", delta, delta_dot, x_dot, cache)) < EXACT_TOL
    # the tangents of x̂ and σ̂ against the same finite differences
    x_hat_dot, sigma_hat_dot = normalize_jvp(x_dot, cache)
    assert x_hat_dot.shape == shape and sigma_hat_dot.shape == (shape[1],)
    assert rel_err(to_cols(x_hat_dot), (cp.x_hat - cm.x_hat) / (2.0 * h)) < GRAD_TOL
    assert rel_err(sigma_hat_dot, (cp.sigma_hat - cm.sigma_hat) / (2.0 * h)) < GRAD_TOL
    # negative controls: dropping the σ̂̇ term, or freezing x (ẋ = 0), fails the same comparison
    assert rel_err(_backward_jvp_variant("no_sigma_dot", delta, delta_dot, x_dot, cache), num) > WRONG_MIN
    assert rel_err(batchnorm_backward_jvp(delta, delta_dot, np.zeros(shape), cache), num) > WRONG_MIN
    # linear in (δ, δ̇) jointly and in ẋ for fixed δ: scaling ẋ and δ̇ by 2 doubles the derivative
    assert rel_err(batchnorm_backward_jvp(delta, 2 * delta_dot, 2 * x_dot, cache), 2 * got) < EXACT_TOL


def test_backward_jvp_validates_inputs():
    x, gamma, beta, delta = make_instance(14, (5, 2))
    _, cache = batchnorm_forward(x, gamma, beta, eps=0.0)
    with pytest.raises(ParameterError):
        batchnorm_backward_jvp(delta, delta, delta, object())
    with pytest.raises(ShapeMismatchError, match="x_dot"):
        batchnorm_backward_jvp(delta, delta, delta[:4], cache)
    with pytest.raises(ShapeMismatchError, match="dy_dot"):
        batchnorm_backward_jvp(delta, delta.T, delta, cache)
    bad = delta.copy()
    bad[1, 1] = np.nan
    with pytest.raises(NonFiniteError):
        normalize_jvp(bad, cache)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("eps", EPSILONS)
def test_dgamma_dbeta_match_finite_differences(shape, eps):
    x, gamma, beta, delta = make_instance(11, shape)
    _, cache = batchnorm_forward(x, gamma, beta, eps=eps)
    _, dgamma, dbeta = batchnorm_backward(delta, cache)
    num_g = numerical_grad(lambda g: loss(x, g, beta, delta, eps), gamma)
    num_b = numerical_grad(lambda b: loss(x, gamma, b, delta, eps), beta)
    assert dgamma.shape == dbeta.shape == (shape[1],)
    assert rel_err(dgamma, num_g) < GRAD_TOL
    assert rel_err(dbeta, num_b) < GRAD_TOL
    # negative controls: swapped gradients, and dγ from the un-normalised input
    assert rel_err(dbeta, num_g) > WRONG_MIN
    assert rel_err(dgamma, num_b) > WRONG_MIN
    wrong_dgamma = np.sum(to_cols(delta) * to_cols(x), axis=0)
    assert rel_err(wrong_dgamma, num_g) > WRONG_MIN


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("eps", EPSILONS)
def test_compact_form_equals_chain_rule(shape, eps):
    x, gamma, beta, delta = make_instance(12, shape)
    _, cache = batchnorm_forward(x, gamma, beta, eps=eps)
    dx, _, _ = batchnorm_backward(delta, cache)
    assert rel_err(dx, chain_rule_backward(delta, cache)) < EXACT_TOL
    # negative control: the chain rule with the −1/2 of ∂ℓ/∂σ_B² dropped disagrees
    assert rel_err(dx, chain_rule_missing_half(delta, cache)) > WRONG_MIN


# --------------------------------------------------------------------------------------------
# structural facts (§1.3)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("eps", EPSILONS)
def test_dx_sums_to_zero_per_feature(shape, eps):
    x, gamma, beta, delta = make_instance(20, shape)
    _, cache = batchnorm_forward(x, gamma, beta, eps=eps)
    dx, _, _ = batchnorm_backward(delta, cache)
    scale = np.sum(np.abs(to_cols(dx)), axis=0)
    assert np.all(np.abs(to_cols(dx).sum(axis=0)) <= EXACT_TOL * scale)
    # negative control: treating μ_B, σ_B as constants leaves a non-zero sum
    bad = to_cols(_wrong("stats_as_constants")(delta, cache))
    assert np.all(np.abs(bad.sum(axis=0)) > WRONG_MIN * np.sum(np.abs(bad), axis=0))


def _xhat_identity(dx, cache: BNCache, delta):
    """LHS Σ x̂_i dx_i and RHS (γ/σ̂)·ε/(σ_B²+ε)·Σ δ x̂ of MATH.md §1.3, per feature."""
    xh = cache.x_hat
    lhs = np.sum(xh * to_cols(dx), axis=0)
    sdx = np.sum(to_cols(delta) * xh, axis=0)
    rhs = cache.gamma / cache.sigma_hat * cache.eps / (cache.var + cache.eps) * sdx
    return lhs, rhs, sdx


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("eps", [1e-2, 0.3, 1.0])
def test_xhat_identity_positive_eps(shape, eps):
    x, gamma, beta, delta = make_instance(21, shape)
    _, cache = batchnorm_forward(x, gamma, beta, eps=eps)
    dx, _, _ = batchnorm_backward(delta, cache)
    lhs, rhs, sdx = _xhat_identity(dx, cache, delta)
    assert rel_err(lhs, rhs) < 1e-10
    # negative controls: (a) the ε = 0 claim "Σ x̂ dx = 0" is false for ε > 0;
    assert rel_err(lhs, np.zeros_like(lhs)) > WRONG_MIN
    # (b) the complementary factor σ_B²/(σ_B²+ε) in place of ε/(σ_B²+ε) is rejected;
    wrong_rhs = cache.gamma / cache.sigma_hat * cache.var / (cache.var + eps) * sdx
    assert rel_err(lhs, wrong_rhs) > WRONG_MIN
    # (c) a backward with the variance term's sign flipped violates the identity.
    bad_lhs, _, _ = _xhat_identity(_wrong("flipped_sign")(delta, cache), cache, delta)
    assert rel_err(bad_lhs, rhs) > WRONG_MIN


@pytest.mark.parametrize("shape", SHAPES)
def test_xhat_identity_eps_zero(shape):
    x, gamma, beta, delta = make_instance(22, shape)
    _, cache = batchnorm_forward(x, gamma, beta, eps=0.0)
    dx, _, _ = batchnorm_backward(delta, cache)
    lhs, rhs, _ = _xhat_identity(dx, cache, delta)
    assert np.all(rhs == 0.0)
    scale = np.sum(np.abs(cache.x_hat * to_cols(dx)), axis=0)
    assert np.all(np.abs(lhs) <= EXACT_TOL * scale)
    # negative control: the flipped-sign backward is not orthogonal to x̂
    bad_lhs, _, _ = _xhat_identity(_wrong("flipped_sign")(delta, cache), cache, delta)
    bad_scale = np.sum(np.abs(cache.x_hat * to_cols(_wrong("flipped_sign")(delta, cache))), 0)
    assert np.all(np.abs(bad_lhs) > WRONG_MIN * bad_scale)


def _jacobian(x_col: np.ndarray, eps: float) -> tuple[np.ndarray, BNCache]:
    """∂x̂_b/∂x_k of one feature, row b from the backward pass with δ = e_b and γ = 1."""
    m = x_col.shape[0]
    _, cache = batchnorm_forward(x_col[:, None], np.ones(1), np.zeros(1), eps=eps)
    rows = [batchnorm_backward(np.eye(m)[:, b : b + 1], cache)[0][:, 0] for b in range(m)]
    return np.array(rows), cache


def test_jacobian_eps0_is_scaled_orthogonal_projector():
    x = np.random.default_rng(30).standard_normal(7) * 2.0 + 1.0
    jac, cache = _jacobian(x, eps=0.0)
    m = x.size
    proj = jac * np.sqrt(cache.var[0])
    xh = cache.x_hat[:, 0]
    expected = np.eye(m) - np.ones((m, m)) / m - np.outer(xh, xh) / m
    assert rel_err(proj, expected) < EXACT_TOL
    assert rel_err(proj, proj.T) < EXACT_TOL
    assert rel_err(proj @ proj, proj) < EXACT_TOL
    assert np.linalg.matrix_rank(proj, tol=1e-9) == m - 2
    assert np.max(np.abs(proj @ np.ones(m))) < EXACT_TOL
    assert np.max(np.abs(proj @ xh)) < EXACT_TOL
    # negative control: for ε > 0, σ̂·J is not idempotent and x̂ is not in its kernel
    jac1, c1 = _jacobian(x, eps=1.0)
    p1 = jac1 * c1.sigma_hat[0]
    assert rel_err(p1 @ p1, p1) > WRONG_MIN
    assert np.max(np.abs(p1 @ c1.x_hat[:, 0])) > WRONG_MIN


def test_two_examples_eps0_gradient_vanishes():
    """m = 2, ε = 0: x̂ = ±1 whatever x is, so the projector has rank m − 2 = 0 and dx ≡ 0."""
    x = np.array([[0.3, -0.2], [1.7, 0.5]])
    delta = np.array([[1.0, -0.5], [2.0, 0.25]])
    _, cache = batchnorm_forward(x, np.array([1.5, -2.0]), np.zeros(2), eps=0.0)
    dx, _, _ = batchnorm_backward(delta, cache)
    assert np.max(np.abs(dx)) < 1e-14
    # negative control: with ε > 0, x̂ depends on the spread and the gradient does not vanish
    _, cache1 = batchnorm_forward(x, np.array([1.5, -2.0]), np.zeros(2), eps=0.5)
    dx1, _, _ = batchnorm_backward(delta, cache1)
    assert np.min(np.abs(dx1)) > WRONG_MIN


@pytest.mark.parametrize("shape", SHAPES)
def test_scale_invariance_eps0(shape):
    x, gamma, beta, delta = make_instance(31, shape)
    a = 3.7
    y, c = batchnorm_forward(x, gamma, beta, eps=0.0)
    ya, ca = batchnorm_forward(a * x, gamma, beta, eps=0.0)
    dx, _, _ = batchnorm_backward(delta, c)
    dxa, _, _ = batchnorm_backward(delta, ca)
    assert rel_err(ya, y) < EXACT_TOL
    assert rel_err(dxa, dx / a) < EXACT_TOL
    # negative controls: ε > 0 breaks the invariance; a < 0 flips the sign of y − β
    y1, _ = batchnorm_forward(x, gamma, beta, eps=1.0)
    y1a, _ = batchnorm_forward(a * x, gamma, beta, eps=1.0)
    assert rel_err(y1a, y1) > WRONG_MIN
    bshape = (1, -1) + (1,) * (len(shape) - 2)
    b = beta.reshape(bshape)
    yneg, _ = batchnorm_forward(-2.0 * x, gamma, beta, eps=0.0)
    assert rel_err(yneg - b, -(y - b)) < EXACT_TOL
    assert rel_err(yneg, y) > WRONG_MIN


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    seed=st.integers(0, 2**32 - 1),
    m=st.integers(2, 12),
    c=st.integers(1, 4),
    eps=st.sampled_from([0.0, 1e-5, 1e-3, 0.5]),
)
def test_property_structural_facts(seed, m, c, eps):
    x, gamma, beta, delta = make_instance(seed, (m, c))
    y, cache = batchnorm_forward(x, gamma, beta, eps=eps)
    dx, _, _ = batchnorm_backward(delta, cache)
    # natural scale of dx: |γ|/σ̂ · Σ|δ| · (1 + max x̂²) (dx itself can vanish, e.g. m = 2, ε = 0)
    scale = (
        np.abs(gamma) / cache.sigma_hat * np.sum(np.abs(delta), axis=0)
        * (1.0 + np.max(cache.x_hat**2, axis=0))
    )
    assert np.all(np.abs(dx.sum(axis=0)) <= 1e-12 * m * scale)
    lhs, rhs, _ = _xhat_identity(dx, cache, delta)
    assert np.all(np.abs(lhs - rhs) <= 1e-12 * m * scale * np.max(np.abs(cache.x_hat), axis=0))
    assert np.all(np.abs(dx - chain_rule_backward(delta, cache)) <= 1e-12 * m * scale)
    # inference with the batch's own statistics reproduces the training output
    assert rel_err(batchnorm_inference(x, gamma, beta, cache.mean, cache.var, eps=eps), y) < 1e-12


# --------------------------------------------------------------------------------------------
# inference (§1.4)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(5, 3), (2, 3, 2, 2)])
@pytest.mark.parametrize("eps", EPSILONS)
def test_inference_with_batch_stats_equals_training(shape, eps):
    x, gamma, beta, _ = make_instance(40, shape)
    y, cache = batchnorm_forward(x, gamma, beta, eps=eps)
    cols = to_cols(x)
    mean, var_biased = cols.mean(axis=0), np.var(cols, axis=0)
    y_inf = batchnorm_inference(x, gamma, beta, mean, var_biased, eps=eps)
    assert rel_err(y_inf, y) < EXACT_TOL
    # negative control: the unbiased variance (right for population estimates) is not the
    # training-mode normalisation
    var_unbiased = np.var(cols, axis=0, ddof=1)
    assert rel_err(batchnorm_inference(x, gamma, beta, mean, var_unbiased, eps=eps), y) > WRONG_MIN


def test_inference_is_fixed_affine_map_per_example():
    x, gamma, beta, _ = make_instance(41, (6, 2, 2, 2))
    mean, var = np.array([0.3, -1.0]), np.array([2.0, 0.5])
    y_all = batchnorm_inference(x, gamma, beta, mean, var, eps=1e-5)
    y_one = np.concatenate(
        [batchnorm_inference(x[i : i + 1], gamma, beta, mean, var, eps=1e-5) for i in range(6)]
    )
    assert rel_err(y_all, y_one) == 0.0  # independent of the other examples
    # negative control: training mode is not per-example (its statistics couple the batch)
    y_train, _ = batchnorm_forward(x, gamma, beta, eps=1e-5)
    y_train_half, _ = batchnorm_forward(x[:3], gamma, beta, eps=1e-5)
    assert rel_err(y_train[:3], y_train_half) > WRONG_MIN
    # explicit per-channel formula
    expected = np.empty_like(x)
    for ch in range(2):
        expected[:, ch] = gamma[ch] * (x[:, ch] - mean[ch]) / np.sqrt(var[ch] + 1e-5) + beta[ch]
    assert rel_err(y_all, expected) < EXACT_TOL


# --------------------------------------------------------------------------------------------
# the convolutional layout equals the reshaped dense layout
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("eps", [0.0, 1e-5, 0.5])
def test_conv_equals_reshaped_dense(eps):
    shape = (3, 4, 2, 5)
    x, gamma, beta, delta = make_instance(50, shape)
    y, cache = batchnorm_forward(x, gamma, beta, eps=eps)
    dx, dgamma, dbeta = batchnorm_backward(delta, cache)
    x2 = np.transpose(x, (0, 2, 3, 1)).reshape(-1, 4)
    d2 = np.transpose(delta, (0, 2, 3, 1)).reshape(-1, 4)
    y2, cache2 = batchnorm_forward(x2, gamma, beta, eps=eps)
    dx2, dgamma2, dbeta2 = batchnorm_backward(d2, cache2)
    assert cache.m == 3 * 2 * 5 == cache2.m
    back = lambda a: np.transpose(a.reshape(3, 2, 5, 4), (0, 3, 1, 2))  # noqa: E731
    assert rel_err(y, back(y2)) < EXACT_TOL
    assert rel_err(dx, back(dx2)) < EXACT_TOL
    assert rel_err(dgamma, dgamma2) < EXACT_TOL
    assert rel_err(dbeta, dbeta2) < EXACT_TOL
    # negative controls: (a) reshaping without moving the channel axis mixes channels;
    y_bad, _ = batchnorm_forward(x.reshape(-1, 4), gamma, beta, eps=eps)
    assert rel_err(y, back(y_bad)) > WRONG_MIN
    # (b) statistics over the batch only (every (c, h, w) its own feature, m = N) differ.
    flat = x.reshape(3, -1)
    g_rep, b_rep = np.repeat(gamma, 10), np.repeat(beta, 10)
    y_perpos, _ = batchnorm_forward(flat, g_rep, b_rep, eps=eps)
    assert rel_err(y, y_perpos.reshape(shape)) > WRONG_MIN


def test_conv_effective_batch_size_two_is_enough():
    x = np.array([[[[1.0, 3.0]]]])  # N = 1, C = 1, H = 1, W = 2 → m' = 2
    y, cache = batchnorm_forward(x, np.ones(1), np.zeros(1), eps=0.0)
    assert cache.m == 2
    assert rel_err(y, np.array([[[[-1.0, 1.0]]]])) < EXACT_TOL


# --------------------------------------------------------------------------------------------
# the stateful layer: running statistics and modes
# --------------------------------------------------------------------------------------------


def _unrolled(batches, a, ddof):
    """Hand-unrolled running averages from (0, 1): Σ_t a(1−a)^(T−t) s_t plus (1−a)^T·init."""
    big_t = len(batches)
    rm = np.zeros(batches[0].shape[1])
    rv = (1.0 - a) ** big_t * np.ones(batches[0].shape[1])
    for t, b in enumerate(batches, start=1):
        cols = to_cols(b)
        w = a * (1.0 - a) ** (big_t - t)
        rm = rm + w * cols.mean(axis=0)
        rv = rv + w * np.var(cols, axis=0, ddof=ddof)
    return rm, rv


@pytest.mark.parametrize("a", [0.1, 0.35])
@pytest.mark.parametrize("shapes", [[(5, 3), (8, 3), (3, 3)], [(2, 3, 2, 2), (3, 3, 1, 2)]])
def test_running_statistics_match_unrolled_recursion(a, shapes):
    rng = np.random.default_rng(60)
    batches = [2.0 + 1.5 * rng.standard_normal(s) for s in shapes]
    bn = BatchNorm(3, eps=1e-5, momentum=a)
    assert np.array_equal(bn.running_mean, np.zeros(3))
    assert np.array_equal(bn.running_var, np.ones(3))
    for b in batches:
        bn.forward(b)
    rm, rv = _unrolled(batches, a, ddof=1)
    assert rel_err(bn.running_mean, rm) < EXACT_TOL
    assert rel_err(bn.running_var, rv) < EXACT_TOL
    # negative controls: the biased batch variance, and the swapped (Keras) momentum convention
    _, rv_biased = _unrolled(batches, a, ddof=0)
    assert rel_err(bn.running_var, rv_biased) > WRONG_MIN
    rm_keras, rv_keras = _unrolled(batches, 1.0 - a, ddof=1)
    assert rel_err(bn.running_mean, rm_keras) > WRONG_MIN
    assert rel_err(bn.running_var, rv_keras) > WRONG_MIN


def test_momentum_extremes():
    rng = np.random.default_rng(61)
    b1, b2 = rng.standard_normal((4, 2)) + 5.0, rng.standard_normal((6, 2)) - 1.0
    frozen = BatchNorm(2, momentum=0.0)
    last = BatchNorm(2, momentum=1.0)
    for b in (b1, b2):
        frozen.forward(b)
        last.forward(b)
    assert np.array_equal(frozen.running_mean, np.zeros(2))
    assert np.array_equal(frozen.running_var, np.ones(2))
    assert rel_err(last.running_mean, b2.mean(axis=0)) < EXACT_TOL
    assert rel_err(last.running_var, b2.var(axis=0, ddof=1)) < EXACT_TOL
    # negative control: momentum 1 keeps the last batch, not the first
    assert rel_err(last.running_mean, b1.mean(axis=0)) > WRONG_MIN


def test_eval_mode_uses_running_stats_and_freezes_them():
    x, gamma, beta, _ = make_instance(62, (6, 2, 3, 3))
    bn = BatchNorm(2, momentum=0.2)
    bn.gamma, bn.beta = gamma, beta
    y_train = bn.forward(x)
    rm, rv = bn.running_mean.copy(), bn.running_var.copy()
    assert bn.eval() is bn and not bn.training
    y_eval = bn.forward(x)
    assert np.array_equal(bn.running_mean, rm) and np.array_equal(bn.running_var, rv)
    assert rel_err(y_eval, batchnorm_inference(x, gamma, beta, rm, rv, eps=bn.eps)) == 0.0
    # negative control: evaluation output is not the training-mode output
    assert rel_err(y_eval, y_train) > WRONG_MIN
    # back to training: the batch statistics again, and the running stats move
    assert bn.train() is bn and bn.training
    assert rel_err(bn.forward(x), y_train) < EXACT_TOL
    assert rel_err(bn.running_mean, rm) > 1e-6


def test_eval_mode_single_example():
    bn = BatchNorm(3).eval()
    y = bn.forward(np.array([[1.0, 2.0, 3.0]]))  # m = 1 is fine without batch statistics
    assert rel_err(y, np.array([[1.0, 2.0, 3.0]]) / np.sqrt(1.0 + 1e-5)) < EXACT_TOL
    with pytest.raises(BatchSizeError):
        bn.train().forward(np.array([[1.0, 2.0, 3.0]]))


def test_layer_backward_matches_finite_differences_of_last_forward():
    x1, gamma, beta, delta = make_instance(63, (5, 2))
    x2 = make_instance(64, (5, 2))[0]
    bn = BatchNorm(2, eps=1e-3)
    bn.gamma, bn.beta = gamma, beta
    num = numerical_grad(lambda z: loss(z, gamma, beta, delta, 1e-3), x1)
    bn.forward(x1)
    dx, dgamma, dbeta = bn.backward(delta)
    _, cache = batchnorm_forward(x1, gamma, beta, eps=1e-3)
    ref = batchnorm_backward(delta, cache)
    assert rel_err(dx, num) < GRAD_TOL
    assert rel_err(dgamma, ref[1]) == 0.0 and rel_err(dbeta, ref[2]) == 0.0
    # negative control: after a forward on another batch the gradient is for that batch
    bn.forward(x2)
    dx_other, _, _ = bn.backward(delta)
    assert rel_err(dx_other, num) > WRONG_MIN


def test_repr_mentions_parameters():
    assert "num_features=4" in repr(BatchNorm(4, momentum=0.3))
    assert "momentum=0.3" in repr(BatchNorm(4, momentum=0.3))


# --------------------------------------------------------------------------------------------
# error paths: each bad input raises a specific exception naming the quantity and its value
# --------------------------------------------------------------------------------------------

G2, B2 = np.ones(2), np.zeros(2)
X2 = np.array([[0.0, 1.0], [1.0, 3.0], [2.0, 2.0]])


def _fwd(x=X2, gamma=G2, beta=B2, eps=1e-5):
    return lambda: batchnorm_forward(x, gamma, beta, eps=eps)


def _inf(x=X2, gamma=G2, beta=B2, mean=B2, var=G2, eps=1e-5):
    return lambda: batchnorm_inference(x, gamma, beta, mean, var, eps=eps)


def _bwd(dy):
    _, cache = batchnorm_forward(X2, G2, B2)
    return lambda: batchnorm_backward(dy, cache)


def _layer_running(attr, value, training=True):
    def run():
        bn = BatchNorm(2)
        setattr(bn, attr, value)
        if not training:
            bn.eval()
        bn.forward(X2)

    return run


def _backward_without_forward():
    BatchNorm(2).backward(np.zeros((3, 2)))


def _backward_after_eval_forward():
    bn = BatchNorm(2)
    bn.forward(X2)
    bn.eval().forward(X2)
    bn.backward(np.zeros((3, 2)))


NAN_X = X2.copy()
NAN_X[1, 0] = np.nan

ERROR_CASES = [
    # batch size
    ("m=1", _fwd(x=np.array([[1.0, 2.0]])), BatchSizeError, "m = 1 < 2"),
    ("m=0", _fwd(x=np.zeros((0, 2))), BatchSizeError, "m = 0 < 2"),
    ("conv m'=1", _fwd(x=np.ones((1, 2, 1, 1))), BatchSizeError, "m' = N·H·W = 1·1·1 = 1"),
    # epsilon
    ("eps<0", _fwd(eps=-1e-3), EpsilonError, "eps = -0.001"),
    ("eps nan", _fwd(eps=float("nan")), EpsilonError, "eps = nan"),
    ("eps inf", _fwd(eps=float("inf")), EpsilonError, "eps = inf"),
    ("eps str", _fwd(eps="0.1"), ParameterError, "eps must be a real number"),
    ("eps0 constant feature", _fwd(x=np.array([[1.0, 0.0], [1.0, 1.0]]), eps=0.0),
     EpsilonError, "feature 0 has batch variance σ_B² = 0.0"),
    ("eps0 underflowing variance", _fwd(x=np.array([[0.0, 0.0], [1e-200, 1.0]]), eps=0.0),
     EpsilonError, "feature 0"),
    ("inference eps<0", _inf(eps=-1.0), EpsilonError, "eps = -1.0"),
    ("inference var=0 eps=0", _inf(var=np.array([1.0, 0.0]), eps=0.0),
     EpsilonError, "var[1] = 0.0"),
    # shapes
    ("x 1-D", _fwd(x=np.ones(4)), ShapeMismatchError, "x.ndim = 1"),
    ("x 3-D", _fwd(x=np.ones((3, 2, 2))), ShapeMismatchError, "x.ndim = 3"),
    ("x 5-D", _fwd(x=np.ones((2, 2, 2, 2, 2))), ShapeMismatchError, "x.ndim = 5"),
    ("C=0", _fwd(x=np.ones((3, 0)), gamma=np.ones(0), beta=np.ones(0)),
     ShapeMismatchError, "C = 0"),
    ("gamma (3,)", _fwd(gamma=np.ones(3)), ShapeMismatchError, "gamma must have shape (C,) = (2,)"),
    ("gamma (1,2)", _fwd(gamma=np.ones((1, 2))), ShapeMismatchError, "got shape (1, 2)"),
    ("gamma scalar", _fwd(gamma=1.0), ShapeMismatchError, "gamma must have shape"),
    ("beta (1,)", _fwd(beta=np.zeros(1)), ShapeMismatchError, "beta must have shape"),
    ("conv gamma", _fwd(x=np.ones((2, 3, 2, 2)), gamma=np.ones(2), beta=np.zeros(3)),
     ShapeMismatchError, "gamma must have shape (C,) = (3,)"),
    ("dy shape", _bwd(np.zeros((3, 3))), ShapeMismatchError, "got shape (3, 3)"),
    ("dy transposed", _bwd(np.zeros((2, 3))), ShapeMismatchError, "(3, 2)"),
    ("inference mean shape", _inf(mean=np.zeros(3)), ShapeMismatchError, "mean must have shape"),
    ("inference var shape", _inf(var=np.ones((2, 1))), ShapeMismatchError, "var must have shape"),
    ("inference x 3-D", _inf(x=np.ones((2, 2, 2))), ShapeMismatchError, "x.ndim = 3"),
    ("layer features", lambda: BatchNorm(3).forward(X2), ShapeMismatchError,
     "num_features = 3"),
    ("running_mean shape", _layer_running("running_mean", np.zeros(3)), ShapeMismatchError,
     "running_mean must have shape (C,) = (2,)"),
    ("running_var shape eval", _layer_running("running_var", np.ones(1), training=False),
     ShapeMismatchError, "running_var must have shape"),
    # non-finite
    ("x nan", _fwd(x=NAN_X), NonFiniteError, "x[1, 0] = nan"),
    ("gamma inf", _fwd(gamma=np.array([1.0, np.inf])), NonFiniteError, "gamma[1] = inf"),
    ("beta nan", _fwd(beta=np.array([np.nan, 0.0])), NonFiniteError, "beta[0] = nan"),
    ("dy inf", _bwd(np.where(np.eye(3, 2) > 0, -np.inf, 0.0)), NonFiniteError, "dy[0, 0] = -inf"),
    ("inference mean nan", _inf(mean=np.array([0.0, np.nan])), NonFiniteError, "mean[1] = nan"),
    ("inference var inf", _inf(var=np.array([np.inf, 1.0])), NonFiniteError, "var[0] = inf"),
    ("running_var nan", _layer_running("running_var", np.array([1.0, np.nan])),
     NonFiniteError, "running_var[1] = nan"),
    ("variance overflow", _fwd(x=np.array([[1e200, 0.0], [-1e200, 1.0]])), NonFiniteError,
     "batch variance overflows"),
    ("y overflow", _fwd(x=np.array([[0.0, 0.0], [0.0, 1.0], [0.0, 2.0], [1.0, 3.0], [0.0, 4.0]]),
                        gamma=np.array([1e308, 1.0])), NonFiniteError, "y is not finite"),
    # parameters
    ("inference var<0", _inf(var=np.array([1.0, -0.5])), ParameterError, "var[1] = -0.5"),
    ("running_var<0", _layer_running("running_var", np.array([-1.0, 1.0]), training=False),
     ParameterError, "running_var[0] = -1.0"),
    ("momentum<0", lambda: BatchNorm(2, momentum=-0.1), ParameterError, "momentum = -0.1"),
    ("momentum>1", lambda: BatchNorm(2, momentum=1.5), ParameterError, "momentum = 1.5"),
    ("momentum nan", lambda: BatchNorm(2, momentum=float("nan")), NonFiniteError,
     "momentum = nan"),
    ("layer eps<0", lambda: BatchNorm(2, eps=-1e-5), EpsilonError, "eps = -1e-05"),
    ("num_features 0", lambda: BatchNorm(0), ParameterError, "num_features = 0"),
    ("num_features float", lambda: BatchNorm(2.5), ParameterError, "must be an integer, got 2.5"),
    ("num_features bool", lambda: BatchNorm(True), ParameterError, "must be an integer, got True"),
    ("cache type", lambda: batchnorm_backward(np.zeros((3, 2)), {"x_hat": 0}), ParameterError,
     "got dict"),
    ("backward before forward", _backward_without_forward, ParameterError,
     "needs a preceding training-mode forward"),
    ("backward after eval forward", _backward_after_eval_forward, ParameterError,
     "training = False"),
]


@pytest.mark.parametrize(
    ("call", "exc", "fragment"),
    [case[1:] for case in ERROR_CASES],
    ids=[case[0] for case in ERROR_CASES],
)
def test_error_paths(call, exc, fragment):
    with pytest.raises(exc) as info:
        call()
    assert issubclass(exc, BNTheoryError) and isinstance(info.value, ValueError)
    assert fragment in str(info.value)


def test_dx_overflow_is_reported():
    x = np.array([[0.0], [1e-150], [3e-150]])
    _, cache = batchnorm_forward(x, np.ones(1), np.zeros(1), eps=0.0)
    with pytest.raises(NonFiniteError, match="dx is not finite"):
        batchnorm_backward(np.array([[1e200], [0.0], [0.0]]), cache)
    # control: the same tiny-variance batch with a moderate δ is fine (and sums to zero)
    dx, _, _ = batchnorm_backward(np.array([[1.0], [0.0], [0.0]]), cache)
    assert np.all(np.isfinite(dx)) and abs(dx.sum()) <= 1e-12 * np.abs(dx).sum()


def test_valid_neighbours_of_error_cases_pass():
    """Controls for the error paths: the boundary values just inside the domain are accepted."""
    batchnorm_forward(np.array([[1.0, 2.0], [2.0, 0.0]]), G2, B2)  # m = 2
    batchnorm_forward(np.ones((1, 2, 1, 2)), G2, B2)  # m' = 2 (constant, ε > 0)
    batchnorm_forward(X2, G2, B2, eps=0)  # ε = 0 with non-constant features
    y, _ = batchnorm_forward(np.array([[1.0, 0.0], [1.0, 1.0]]), G2, np.array([0.5, 0.0]))
    assert np.array_equal(y[:, 0], [0.5, 0.5])  # a constant feature with ε > 0 maps to β
    batchnorm_inference(X2, G2, B2, B2, np.array([1.0, 0.0]), eps=1e-8)  # var = 0, ε > 0
    batchnorm_inference(X2, G2, B2, B2, np.array([1.0, 1e-300]), eps=0.0)  # var > 0, ε = 0
    batchnorm_forward(np.array([[1e100, 0.0], [-1e100, 1.0]]), G2, B2)  # large but finite
    batchnorm_forward(X2, np.array([1e307, 1.0]), B2, eps=0.0)  # γ·x̂ still representable
    BatchNorm(2, momentum=0.0)
    BatchNorm(2, momentum=1)
    BatchNorm(np.int64(1), eps=0.0)
