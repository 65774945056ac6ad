"""The verification ladder (bntheory.symbolic.verify): every rung, both verdicts, bad input."""

from fractions import Fraction

import pytest
import sympy as sp

from bntheory.errors import ParameterError, SymbolicInputError
from bntheory.symbolic.derivation import derive
from bntheory.symbolic.verify import (
    PROVED,
    CONSISTENT,
    REFUTED,
    RadicalField,
    Relation,
    verify_identity,
)

x, y, z = sp.symbols("x y z")
w1, w2 = sp.symbols("w1 w2")
s11, s12, s22 = sp.symbols("S11 S12 S22")
r = sp.Symbol("r", positive=True)
WSW = s11 * w1**2 + 2 * s12 * w1 * w2 + s22 * w2**2


def test_true_polynomial_identity_is_proved():
    res = verify_identity((x + y) ** 3, x**3 + 3 * x**2 * y + 3 * x * y**2 + y**3)
    assert res.status == PROVED and res.rung == "proof" and res.counterexample is None


def test_true_rational_identity_is_proved():
    res = verify_identity(1 / (x - 1) - 1 / (x + 1), 2 / (x**2 - 1))
    assert res.status == PROVED


def test_false_identity_refuted_with_exact_counterexample():
    res = verify_identity((x + y) ** 2, x**2 + y**2)
    assert res.status == REFUTED
    ce = res.counterexample
    # The counterexample is exact and genuinely separates the two sides.
    assert ce.lhs == ((x + y) ** 2).xreplace(ce.point)
    assert ce.rhs == (x**2 + y**2).xreplace(ce.point)
    assert ce.lhs != ce.rhs


def test_factor_one_plus_1e_minus_12_is_refuted():
    eps = sp.Rational(1, 10**12)
    res = verify_identity((1 + eps) * (x + y) ** 2, x**2 + 2 * x * y + y**2)
    assert res.status == REFUTED
    ce = res.counterexample
    assert ce.lhs / ce.rhs == 1 + eps  # the exact ratio, not a rounded one


def test_float_constants_are_refused():
    with pytest.raises(SymbolicInputError, match="floating-point constant"):
        verify_identity(1.000000000001 * x, x)


def test_relation_needed_for_truth_is_proved_by_remainder():
    # d/dw1 sqrt(wᵀSw) = (Sw)_1 / r : true only once r² = wᵀSw is applied.
    lhs = sp.diff(sp.sqrt(WSW), w1)
    rhs = (s11 * w1 + s12 * w2) / r
    res = verify_identity(lhs, rhs, relations=[Relation(r, WSW)])
    assert res.status == PROVED and "reducing modulo" in res.note
    # Without the relation, r is an unrelated symbol: the same claim is false.
    assert verify_identity(lhs, rhs).status == REFUTED


def test_relation_by_elimination_is_proved_and_points_stay_rational():
    lhs = sp.diff(sp.sqrt(WSW), w1)
    rhs = (s11 * w1 + s12 * w2) / r
    res = verify_identity(lhs, rhs, relations=[Relation(r, WSW, solve_for=s11)], points=5)
    assert res.status == PROVED and "eliminating S11" in res.note and res.points == 5


def test_error_only_where_the_relation_is_used_is_refuted():
    # Correct except that the norm is taken as the Euclidean one (S replaced by I) where the
    # relation r² = wᵀSw enters: a sloppy checker that treats r as free cannot see the difference
    # between the two claims; the ladder refutes the wrong one and proves the right one.
    wrong = (w1) / r
    right = (s11 * w1 + s12 * w2) / r
    lhs = sp.diff(sp.sqrt(WSW), w1)
    for rel in (Relation(r, WSW), Relation(r, WSW, solve_for=s11)):
        assert verify_identity(lhs, right, relations=[rel]).status == PROVED
        bad = verify_identity(lhs, wrong, relations=[rel])
        assert bad.status == REFUTED
        ce = bad.counterexample
        # At the counterexample the relation holds exactly.
        assert sp.simplify(ce.point[r] ** 2 - WSW.xreplace(ce.point)) == 0


def test_identity_false_only_through_relation_value():
    # r⁴ = (wᵀSw)² holds on the relation; r⁴ = (wᵀSw)² + (r² − wᵀw)… only differs via r.
    res_true = verify_identity(r**4, WSW**2, relations=[Relation(r, WSW)])
    res_false = verify_identity(r**4, WSW * (w1**2 + w2**2), relations=[Relation(r, WSW)])
    assert res_true.status == PROVED and res_false.status == REFUTED


def test_points_only_rung_reports_consistency_not_proof():
    res = verify_identity((x + 1) ** 2, x**2 + 2 * x + 1, prove=False, points=7)
    assert res.status == CONSISTENT and res.points == 7 and "not proof" in res.describe()


def test_radicals_at_exact_points_two_independent_roots():
    a, b = sp.symbols("a b", positive=True)
    # sqrt(a)·sqrt(b) = sqrt(a b) for positive a, b — evaluated exactly in Q(√a, √b).
    res = verify_identity(sp.sqrt(a) * sp.sqrt(b), sp.sqrt(a * b), prove=False, points=10)
    assert res.status == CONSISTENT
    res = verify_identity(sp.sqrt(a) + sp.sqrt(b), sp.sqrt(a + b), prove=False, points=10)
    assert res.status == REFUTED


def test_scale_sign_detected_with_radicals():
    a = sp.Symbol("a", negative=True)
    v = sp.Symbol("v", positive=True)
    # sqrt(a² v) = a sqrt(v) fails for a < 0: |a| sqrt(v).
    res = verify_identity(sp.sqrt(sp.expand(a**2 * v)), a * sp.sqrt(v), prove=False, points=4)
    assert res.status == REFUTED


def test_matrix_identity_and_component_reported():
    A = sp.Matrix([[x, y], [y, z]])
    res = verify_identity(A * A, sp.Matrix([[x**2 + y**2, x * y + y * z], [x * y + y * z, y**2 + z**2]]))
    assert res.status == PROVED
    bad = verify_identity(A * A, sp.Matrix([[x**2 + y**2, x * y + y * z], [x * y - y * z, y**2 + z**2]]))
    assert bad.status == REFUTED and bad.counterexample.component == (1, 0)


def test_transcendental_goes_to_high_precision_rung():
    res = verify_identity(sp.exp(x) * sp.exp(y), sp.exp(x + y), prove=False, points=3)
    assert res.status == CONSISTENT and res.rung == "60-digit points"
    eps = sp.Rational(1, 10**30)
    bad = verify_identity(sp.exp(x) * sp.exp(y), (1 + eps) * sp.exp(x + y), prove=False, points=3)
    assert bad.status == REFUTED and bad.rung == "60-digit points"


def test_same_seed_same_points():
    a = verify_identity((x + y) ** 2, x**2 + y**2, seed=3)
    b = verify_identity((x + y) ** 2, x**2 + y**2, seed=3)
    assert a.counterexample.point == b.counterexample.point


def test_domain_and_condition_are_respected():
    seen = []

    def cond(point):
        seen.append(point[x])
        return point[x] > 2

    res = verify_identity(x, x, prove=False, points=5, domain={x: (0, 5)}, condition=cond)
    assert res.status == CONSISTENT
    assert all(0 <= v <= 5 for v in seen)


def test_radical_field_dependent_roots_are_expressed_in_basis():
    F = RadicalField()
    r2 = F.sqrt(Fraction(2))
    r8 = F.sqrt(Fraction(8))
    r6 = F.sqrt(Fraction(6))
    r3 = F.sqrt(Fraction(3))
    assert (r8 - 2 * r2).is_zero()
    assert (r6 - r2 * r3).is_zero() and len(F.radicands) == 2
    assert ((1 + r2) * (1 + r2).inverse() - 1).is_zero()


@pytest.mark.parametrize(
    "call, exc, text",
    [
        (lambda: verify_identity(sp.Matrix([x, y]), sp.Matrix([x])), SymbolicInputError, "different shapes"),
        (lambda: verify_identity(x, x, points=-1), ParameterError, "points = -1"),
        (lambda: verify_identity(x, x, points=0, prove=False), ParameterError, "check nothing"),
        (lambda: Relation(sp.Symbol("q"), x), SymbolicInputError, "positive=True"),
        (lambda: Relation(r, r + x), SymbolicInputError, "contains r"),
        (lambda: Relation(r, x**2 + y, solve_for=x), SymbolicInputError, "not linear"),
        (lambda: Relation(r, x + y, solve_for=z), SymbolicInputError, "does not occur"),
        (
            lambda: verify_identity(sp.sqrt(x), sp.sqrt(x), prove=False, points=2, domain={x: (-5, -1)}),
            SymbolicInputError,
            "admissible points",
        ),
    ],
)
def test_bad_input_raises_specific_errors(call, exc, text):
    with pytest.raises(exc, match=text):
        call()


def test_derivation_requires_and_reports_controls():
    d = derive("t.id", "§0", "x = x", x, x, controls=[("off by one", x, x + 1)])
    assert d.passed and d.controls[0].rejected
    assert d.as_dict()["controls"][0]["status"] == "rejected"
    # A control that is (wrongly) accepted makes the derivation fail.
    d2 = derive("t.id", "§0", "x = x", x, x, controls=[("not actually wrong", x, 2 * x - x)])
    assert not d2.passed and not d2.controls[0].rejected
    with pytest.raises(SymbolicInputError, match="no negative control"):
        derive("t.id", "§0", "x = x", x, x, controls=[])


def test_failed_proof_without_points_is_decided_by_points():
    # points=0 asks for a proof only; a false statement must still come out refuted, never
    # "consistent at 0 points".
    res = verify_identity((x + y) ** 2, x**2 + y**2, points=0)
    assert res.status == REFUTED and res.counterexample is not None
    assert verify_identity((x + y) ** 2, x**2 + 2 * x * y + y**2, points=0).status == PROVED
