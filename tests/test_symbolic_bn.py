"""The BN transform derived from its definition and verified (issue #2, items 4–6, 8)."""

import numpy as np
import pytest
import sympy as sp

from bntheory.batchnorm import batchnorm_backward, batchnorm_forward
from bntheory.errors import BatchSizeError, EpsilonError, ParameterError, ShapeMismatchError
from bntheory.symbolic import bn
from bntheory.symbolic.program import Program
from bntheory.symbolic.verify import PROVED, REFUTED, verify_identity

BACKWARD = [i for i in bn.derivation_ids() if i.startswith("bn.backward.")]


@pytest.fixture(scope="module")
def proved_m4():
    return {d.id: d for d in bn.derivations(m=4, points=3)}


@pytest.mark.parametrize("did", bn.derivation_ids())
def test_every_statement_proved_and_every_control_refuted(proved_m4, did):
    d = proved_m4[did]
    assert d.verification.status == PROVED, d.verification.note
    assert d.controls, "a check without a negative control proves nothing"
    for c in d.controls:
        assert c.verification.status == REFUTED, c.description
        ce = c.verification.counterexample
        assert ce is not None and ce.lhs != ce.rhs
    assert d.passed


def test_proof_rung_at_m8_for_the_backward_pass():
    ds = bn.derivations(m=8, points=1, names=BACKWARD + ["bn.backward.vector", "bn.structure.xhat-weighted-sum"])
    assert all(d.verification.status == PROVED and d.passed for d in ds)


@pytest.mark.slow
def test_proof_rung_at_m8_for_every_statement():
    ds = bn.derivations(m=8, points=1)
    assert all(d.verification.status == PROVED and d.passed for d in ds), [d.id for d in ds if not d.passed]


@pytest.mark.slow
def test_exact_points_at_m64_for_the_backward_pass():
    ds = bn.derivations(m=64, prove=False, points=2, names=BACKWARD)
    for d in ds:
        assert d.verification.status == "consistent" and d.verification.points == 2
        assert all(c.rejected for c in d.controls)


def test_program_derivative_equals_sympy_diff_of_the_expanded_composite():
    m = 4
    inst = bn.forward(m)
    loss = sum((d * y for d, y in zip(inst.delta, inst.y)), sp.Integer(0))  # fully expanded composite
    direct = [sp.diff(loss, v) for v in inst.x]
    res = verify_identity(list(inst.derived["dl_dx"]), direct, relations=[inst.relation], points=2)
    assert res.status == PROVED
    # Negative control: the partial derivative alone (statistics held fixed) is not the gradient.
    prog = bn.forward_program(inst.x)
    loss_p = sum((d * (bn.gamma * (v - bn.MU_T) / sp.sqrt(bn.VAR_T + bn.eps) + bn.beta)
                  for d, v in zip(inst.delta, inst.x)), sp.Integer(0))
    partial_only = [prog.expand(sp.diff(loss_p, v)) for v in inst.x]
    assert verify_identity(partial_only, direct, relations=[inst.relation], points=2).status == REFUTED


def test_program_rejects_bad_orderings():
    a, b, x = sp.symbols("a b x")
    with pytest.raises(Exception, match="before it is defined"):
        Program([(a, b * x), (b, x)])
    with pytest.raises(Exception, match="twice"):
        Program([(a, x), (a, x**2)])


def test_every_statement_prints_as_latex():
    for name in bn.FORMULAS:
        text = bn.formula_latex(name)
        assert text.startswith(r"\frac{\partial \ell}") and "=" in text
    for d in bn.derivations(m=2, points=1, names=["bn.backward.compact", "bn.structure.sum-zero"]):
        assert d.statement_latex in d.latex() and "proved" in d.latex()


@pytest.mark.parametrize("eps_value", [0.0, 1e-5, 0.3])
def test_numeric_backward_agrees_with_the_derived_formula(eps_value):
    m = 5
    inst = bn.forward(m)
    args = (*inst.x, *inst.delta, bn.gamma, bn.beta, bn.eps)
    derived = sp.lambdify(args, list(inst.derived["dl_dx"]), "numpy")
    dropped_1_over_m = bn.MUTATIONS["compact"][0][1]
    wrong = sp.lambdify(args, [inst.instantiate(dropped_1_over_m, j) for j in range(1, m + 1)], "numpy")
    rng = np.random.default_rng(7)
    x = rng.normal(size=(m, 1))
    dy = rng.normal(size=(m, 1))
    g, b = 1.7, -0.4
    _, cache = batchnorm_forward(x, np.array([g]), np.array([b]), eps=eps_value)
    dx, _, _ = batchnorm_backward(dy, cache)
    vals = (*x[:, 0], *dy[:, 0], g, b, eps_value)
    sym = np.array(derived(*vals))
    assert np.max(np.abs(sym - dx[:, 0])) <= 1e-12 * np.max(np.abs(dx))
    # Negative control: the formula with a dropped 1/m disagrees with the numerics.
    assert np.max(np.abs(np.array(wrong(*vals)) - dx[:, 0])) > 1e-3 * np.max(np.abs(dx))


def test_inference_expectation_is_symbolic_not_sampled():
    d = bn.derivations(m=5, points=2, names=["bn.inference.unbiased-variance"])[0]
    assert d.verification.status == PROVED
    assert "biased" in d.controls[0].description and d.controls[0].rejected


@pytest.mark.parametrize(
    "call, exc, text",
    [
        (lambda: bn.forward(1), BatchSizeError, "m = 1 < 2"),
        (lambda: bn.forward(0), BatchSizeError, "m = 0"),
        (lambda: bn.forward(2.5), BatchSizeError, "m = 2.5"),
        (lambda: bn.forward(True), BatchSizeError, "True"),
        (lambda: bn.forward(3, sp.Rational(-1, 10)), EpsilonError, "ε = -1/10"),
        (lambda: bn.forward(3, sp.Symbol("e")), EpsilonError, "nonnegative"),
        (lambda: bn.forward(3, 0.1), EpsilonError, "exact rational"),
        (lambda: bn.forward(3, inputs=sp.symbols("a b")), ShapeMismatchError, "m = 3"),
        (lambda: bn.derivations(m=1), BatchSizeError, "m = 1"),
        (lambda: bn.derivations(m=3, names=["bn.nope"]), ParameterError, "bn.nope"),
        (lambda: bn.derivations(m=3, instance=bn.forward(2)), ParameterError, "m = 2"),
        (lambda: bn.formula_latex("nope"), ParameterError, "nope"),
    ],
)
def test_bad_input_raises_specific_errors(call, exc, text):
    with pytest.raises(exc, match=text):
        call()
