"""bntheory.symbolic.halfspace (MATH.md §4.2–4.4): every derivation holds, every control is refuted."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from bntheory.errors import ModelValidityError, ParameterError, SymbolicInputError
from bntheory.symbolic import halfspace as H
from bntheory.symbolic import ols
from bntheory.symbolic.verify import CONSISTENT, PROVED, REFUTED, verify_identity

IDS = list(H.DERIVATION_IDS)  # the stable ids the catalog selects on


@pytest.fixture(scope="module")
def ders3():
    return {x.id: x for x in H.derivations(d=3, points=4)}


def test_ids_are_stable(ders3):
    assert list(ders3) == IDS


def test_every_derivation_passes_and_controls_are_refuted(ders3, derivation_id, check_derivation):
    # at d = 3 ≤ 4 every symbolic identity is proved, exp family included; quadrature is evidence
    check_derivation(ders3[derivation_id], CONSISTENT if "quadrature" in derivation_id else PROVED)


def test_quadrature_reaches_1e12_and_control_misses():
    for loss in ("logistic", "sigmoid"):
        S, u, wt = H.quadrature_instance(3)
        res = H.stein_quadrature(loss, S, u, wt, tensor_nodes=40)
        assert np.abs(res.reduced - res.structure).max() < 1e-12
        assert np.abs(res.tensor - res.structure).max() < 1e-12
        assert np.abs(res.control - res.structure).max() > 1e-3     # c₁ without −E[φ'']uᵀw̃


def test_quadrature_derivation_refutes_with_too_few_nodes():
    der = H.quadrature_derivation("logistic", 2, nodes=6, tensor_nodes=6)
    assert der.verification.status == REFUTED and not der.passed


def test_gaussian_moments_match_isserlis():
    t, m, s2 = sp.symbols("t m s2")
    assert sp.expand(H.gaussian_expectation(t**3, [t], [m], [[s2]]) - (m**3 + 3 * m * s2)) == 0
    a, b, c = sp.symbols("a b c")
    C = sp.Matrix([[1, c], [c, 1]])
    assert sp.expand(H.gaussian_expectation(a**2 * b**2, [a, b], [0, 0], C) - (1 + 2 * c**2)) == 0
    assert H.gaussian_expectation(t * sp.exp(t), [t], [m], [[s2]]).equals((m + s2) * sp.exp(m + s2 / 2))


def test_stein_structure_user_function_and_wrong_c1():
    st = H.stein_structure(lambda t: t**3 + sp.exp(2 * t), 2)
    assert verify_identity(st.gradient, st.structure, points=2).status == PROVED
    bad = H.stein_structure("poly3", 2, c1_override=lambda e1, e2, m: e1)
    assert verify_identity(H.stein_structure("poly3", 2).gradient, bad.structure, points=2).status == REFUTED


def test_seed_h_only_at_g_equal_s_norm():
    hs = H.halfspace_symbols(3)
    rel = [hs.geo.relation]
    ray = ols.rayleigh_step(3)
    assert verify_identity(H.gdnp_step(3, "seed", g=hs.geo.r), ray, relations=rel, points=2).status == PROVED
    res = verify_identity(H.gdnp_step(3, "seed"), ray, relations=rel, points=2)
    assert res.status == REFUTED and res.counterexample is not None
    assert verify_identity(H.gdnp_step(3, "paper"), ray, relations=rel, points=2).status == PROVED


def test_divide_common_exp_leaves_mixed_terms_alone():
    x = sp.Symbol("x")
    lhs, rhs, A = H.divide_common_exp(sp.exp(x) + 1, sp.exp(x) + 1)
    assert A is None and lhs == sp.exp(x) + 1


@pytest.mark.parametrize("d", [0, -1, 2.0, True, "3"])
def test_bad_dimension_raises_naming_it(d):
    with pytest.raises(ParameterError, match="d = "):
        H.derivations(d=d)
    with pytest.raises(ParameterError, match="d = "):
        H.stein_structure("exp", d)


def test_unknown_loss_and_h_raise():
    with pytest.raises(ParameterError, match="'cosh'"):
        H.stein_structure("cosh", 2)
    with pytest.raises(ParameterError, match="'polyx'"):
        H.loss_expression("polyx", sp.Symbol("t"))
    with pytest.raises(SymbolicInputError, match="tanh"):
        H.stein_structure(lambda t: sp.tanh(t), 2)
    with pytest.raises(ParameterError, match="'bogus'"):
        H.gdnp_step(2, h="bogus")
    S, u, wt = H.quadrature_instance(2)
    with pytest.raises(ParameterError, match="'hinge'"):
        H.stein_quadrature("hinge", S, u, wt)


def test_invalid_gaussian_model_raises():
    S = np.eye(2)
    with pytest.raises(ModelValidityError, match="uᵀS⁻¹u"):
        H.stein_quadrature("logistic", S, np.array([1.0, 0.5]), np.array([0.1, 0.2]))


@pytest.mark.slow
def test_d4_all_proved_and_d12_points():
    for der in H.derivations(d=4, points=2):
        assert der.passed, der.id
    for der in H.derivations(d=12, points=2):
        assert der.passed, der.id
