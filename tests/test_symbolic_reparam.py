"""MATH.md §2 (bntheory.symbolic.reparam): every derivation holds, every negative control is refuted."""

import pytest
import sympy as sp

from bntheory.errors import ParameterError, SymbolicInputError
from bntheory.symbolic import reparam
from bntheory.symbolic.geometry import s_geometry
from bntheory.symbolic.reparam import (
    GenericFunction,
    bn_gradients,
    bn_gradients_closed_form,
    derivations,
    wtilde_symbols,
)
from bntheory.symbolic.verify import Relation, verify_identity

IDS = list(reparam.DERIVATION_IDS)  # the stable ids the catalog selects on


@pytest.fixture(scope="module", params=[2, 3])
def proved(request):
    return {x.id: x for x in derivations(d=request.param, points=3)}


def test_ids_are_stable(proved):
    assert list(proved) == IDS


def test_derivation_proved_and_controls_refuted(proved, derivation_id, check_derivation):
    check_derivation(proved[derivation_id], "proved")


def test_c_negative_counterexamples():
    ds = {x.id: x for x in derivations(d=2, points=2)}
    (control,) = ds["reparam.scale-invariance"].controls
    point = {str(k): v for k, v in control.verification.counterexample.point.items()}
    assert "F_at1" in point  # f(−w̃): an independent value of a generic f
    control = ds["reparam.grad-scale"].controls[0]
    assert control.description == "c < 0"
    point = {str(k): v for k, v in control.verification.counterexample.point.items()}
    assert point["c"] < 0


def test_latex_and_dict():
    der = derivations(d=2, points=1)[1]
    assert r"\nabla_w f_{BN}" in der.latex() and "proved" in der.latex()
    assert der._repr_latex_().startswith("$$")
    assert der.as_dict()["passed"] is True and der.as_dict()["size"] == {"d": 2}


@pytest.mark.parametrize("d", [6])
def test_exact_points_at_larger_dimension(d):
    ds = derivations(d=d, points=2)
    assert all(x.verification.status == "consistent" and x.passed for x in ds)


def test_seed_is_deterministic():
    a = derivations(d=2, points=2, seed=5)[1].controls[0].verification.counterexample
    b = derivations(d=2, points=2, seed=5)[1].controls[0].verification.counterexample
    assert a.point == b.point and a.lhs == b.lhs


# --- user functions -----------------------------------------------------------------------


def _closed_form_for(F_of_wt, d):
    """The paper's closed form for a concrete f, with ∇f(w̃) computed from f and r = ‖w‖_S."""
    g = s_geometry(d)
    v = wtilde_symbols(d)
    F = F_of_wt(*v)
    wt = reparam.LENGTH * g.w / g.r
    grad_f = sp.Matrix([sp.diff(F, vi) for vi in v]).xreplace(dict(zip(v, wt)))
    return g, bn_gradients_closed_form(grad_f, g)


def test_logistic_example_matches_closed_form():
    c = sp.symbols("c1:3")

    def f(a, b):
        return sp.log(1 + sp.exp(c[0] * a + c[1] * b))

    grad_w, d_g = bn_gradients(f, 2)
    g, (closed_w, closed_g) = _closed_form_for(f, 2)
    opts = dict(relations=[g.relation], domain=g.domain, condition=g.condition, points=3, prove=False)
    res = verify_identity([grad_w, d_g], [closed_w, closed_g], **opts)
    assert res.status == "consistent" and res.rung == "60-digit points"
    wrong = verify_identity(grad_w, closed_w / reparam.LENGTH, **opts)  # dropped factor g
    assert wrong.status == "refuted" and wrong.counterexample is not None


def test_polynomial_example_proved_and_equal_to_direct_differentiation():
    # The N(w) device of differentiate_bn gives exactly sp.diff of f(g w / sqrt(wᵀSw)).
    def f(a, b, e):
        return a**3 * b - 2 * a * e + e**2

    grad_w, d_g = bn_gradients(f, 3)
    g, (closed_w, closed_g) = _closed_form_for(f, 3)
    opts = dict(relations=[g.relation], domain=g.domain, condition=g.condition, points=2)
    assert verify_identity([grad_w, d_g], [closed_w, closed_g], **opts).status == "proved"
    F_direct = f(*reparam.bn_direction(g))
    direct = [sp.Matrix([sp.diff(F_direct, wi) for wi in g.w]), sp.diff(F_direct, reparam.LENGTH)]
    assert verify_identity([grad_w, d_g], direct, **opts).status == "proved"


def test_expression_form_and_variables():
    v = wtilde_symbols(2)
    x, y = sp.symbols("x y")
    a = bn_gradients(v[0] * v[1], 2)
    b = bn_gradients(x * y, 2, variables=[x, y])
    assert a[0] == b[0] and a[1] == b[1]


def test_generic_function_gives_subs_and_symbolizes():
    f = sp.Function("f")
    grad_w, d_g = bn_gradients(f, 2)
    assert grad_w.has(sp.Subs)
    geom = s_geometry(2)
    gf = GenericFunction(list(reparam.bn_direction(geom)), name="f")
    assert not gf.symbolize(d_g).has(f)


@pytest.mark.parametrize("d", [0, -1, 1.5, True])
def test_bad_dimension_names_d(d):
    with pytest.raises(ParameterError, match="d = "):
        bn_gradients(sp.Integer(1), d)


def test_derivations_need_d_at_least_two():
    with pytest.raises(ParameterError, match="d = 1"):
        derivations(d=1)
    with pytest.raises(ParameterError, match="points"):
        derivations(d=2, points=-1)


@pytest.mark.parametrize(
    "f, match",
    [
        ("wt1**2", "SymPy expression"),
        (3.0, "SymPy expression"),
        (lambda a, b: [a, b], "must return a SymPy expression"),
        (sp.Symbol("w1") * sp.Symbol("wt1"), "reserved symbols"),
    ],
)
def test_bad_f_is_a_clear_error(f, match):
    with pytest.raises(SymbolicInputError, match=match):
        bn_gradients(f, 2)


def test_wrong_number_of_variables():
    x = sp.Symbol("x")
    with pytest.raises(SymbolicInputError, match="d = 2"):
        bn_gradients(x, 2, variables=[x])


def test_relation_helper_matches_geometry():
    g = s_geometry(2)
    assert isinstance(g.relation, Relation)
    assert reparam.radicals_to(sp.sqrt(g.wSw) ** 3, g.wSw, g.r) == g.r**3
