"""MATH.md §3, §3.1 (bntheory.symbolic.ols): every derivation holds, every negative control is refuted."""

import numpy as np
import pytest
import sympy as sp

from bntheory.errors import ParameterError, SymbolicInputError
from bntheory.solvers.rayleigh import rayleigh_step as numeric_rayleigh_step
from bntheory.symbolic import ols
from bntheory.symbolic.geometry import s_geometry
from bntheory.symbolic.verify import verify_identity

IDS = list(ols.DERIVATION_IDS)  # the stable ids the catalog selects on


@pytest.fixture(scope="module", params=[2, 3])
def proved(request):
    return {x.id: x for x in ols.derivations(d=request.param, points=3)}


def test_ids_are_stable(proved):
    assert list(proved) == IDS


def test_derivation_proved_and_controls_refuted(proved, derivation_id, check_derivation):
    check_derivation(proved[derivation_id], "proved")


def test_seed_misprint_of_eq_11_is_refuted(proved):
    control = proved["ols.objective-bn"].controls[0]
    assert "misprint" in control.description and control.verification.status == "refuted"


def test_exact_points_at_larger_dimension():
    ds = ols.derivations(d=5, points=2)
    assert all(x.verification.status == "consistent" and x.passed for x in ds)


# --- user functions -----------------------------------------------------------------------


def _at(expr, **values):
    return expr.xreplace({sp.Symbol(k): sp.nsimplify(v) for k, v in values.items()})


def test_symbolic_step_agrees_with_the_numerical_solver():
    S = np.array([[2.0, 0.5], [0.5, 1.0]])
    u, w, L = np.array([1.0, -2.0]), np.array([0.5, 1.5]), 3.0
    values = dict(S11=2, S12=sp.Rational(1, 2), S22=1, u1=1, u2=-2, w1=sp.Rational(1, 2), w2=sp.Rational(3, 2))
    step = ols.rayleigh_step(2).xreplace({ols.LIPSCHITZ: 3})
    sym = np.array([float(sp.nsimplify(_at(e, **values))) for e in step])
    num, eta, rho = numeric_rayleigh_step(S, u, w, L)
    np.testing.assert_allclose(sym, num, rtol=1e-13)
    assert float(_at(ols.rho(2), **values)) == pytest.approx(rho, rel=1e-13)


def test_user_functions_chain():
    g = s_geometry(2)
    opts = dict(relations=[g.relation], domain=g.domain, condition=g.condition, points=2)
    # f(w, g*) = ρ and ∇ρ is orthogonal to w, from the public functions alone.
    assert verify_identity(ols.ols_objective_bn(2).xreplace({sp.Symbol("g"): ols.g_star(2)}), ols.rho(2),
                           **opts).status == "proved"
    assert verify_identity((g.w.T * ols.rho_grad(2))[0, 0], 0, **opts).status == "proved"
    assert verify_identity(ols.eigensolver_step(2), ols.rayleigh_step_closed_form(2), **opts).status == "proved"


def test_moment_expectation_rejects_unspecified_moments():
    x1, y = sp.symbols("x1 y")
    S, u = sp.Matrix([[sp.Symbol("S11")]]), sp.Matrix([sp.Symbol("u1")])
    with pytest.raises(SymbolicInputError, match="E\\[y\\]"):
        ols.moment_expectation(y + x1, [x1], y, S, u)
    with pytest.raises(SymbolicInputError, match="moment"):
        ols.moment_expectation(x1**3, [x1], y, S, u)
    with pytest.raises(SymbolicInputError, match="polynomial"):
        ols.moment_expectation(sp.exp(x1), [x1], y, S, u)
    assert ols.moment_expectation(3 * x1, [x1], y, S, u) == 0  # centred inputs


@pytest.mark.parametrize("fn", [ols.ols_objective, ols.ols_objective_bn, ols.g_star, ols.rho, ols.rho_grad,
                                ols.rayleigh_step, ols.rayleigh_step_closed_form, ols.eigensolver_step])
def test_bad_dimension_names_d(fn):
    with pytest.raises(ParameterError, match="d = 0"):
        fn(0)


def test_derivations_need_d_at_least_two():
    with pytest.raises(ParameterError, match="d = 1"):
        ols.derivations(d=1)
