r"""The verification ladder: one engine that decides ``lhs = rhs`` for every identity.

Every symbolic result of the toolkit is checked here (MATH.md §7, DESIGN.md "One ladder for
identities").  A check climbs as far as it can and reports the rung it reached:

1. **proof** — ``lhs − rhs`` is brought to a canonical rational-function form and found to be
   exactly zero.  Defining relations ``s² = B`` (a norm ``r² = wᵀSw``, ``σ̂² = σ_B² + ε``) are
   applied either by *elimination* (``B`` is linear in a variable ``e``, which is replaced by
   ``(s² − B|_{e=0}) / ∂_e B``: a rational parametrisation of the relation's variety) or by
   *polynomial remainder* modulo ``s² − B``.  Both are exact, so "proved" is a proof.
2. **exact points** — ``lhs`` and ``rhs`` are evaluated at random rational points in exact
   arithmetic.  Square roots of rational values are computed exactly in a multiquadratic number
   field ``Q(√d₁, …, √d_k)`` (:class:`RadicalField`), so no rounding ever enters.  A non-zero
   difference is a **refutation** with its counterexample; zeros at ``N`` points are evidence,
   *not* proof, and are reported as ``consistent``.
3. **high precision** — only when an expression contains functions that exact arithmetic cannot
   evaluate (``exp``, ``log``, …): evaluation to 60 significant digits with mpmath.  A difference
   above ``1e-40`` (relative) refutes; otherwise the result is ``consistent`` at that precision.

Floating-point constants are refused: an exact check of ``1.000000000001·x = x`` is meaningless
once ``1e-12`` has been rounded.  Use :class:`sympy.Rational`.

Examples
--------
>>> import sympy as sp
>>> from bntheory.symbolic.verify import Relation, verify_identity
>>> w1, w2, r = sp.symbols("w1 w2 r", positive=True)
>>> norm = Relation(r, 2 * w1**2 + w2**2)          # r² = wᵀSw with S = diag(2, 1)
>>> verify_identity(sp.diff(sp.sqrt(2 * w1**2 + w2**2), w1), 2 * w1 / r, relations=[norm]).status
'proved'
>>> res = verify_identity(sp.diff(sp.sqrt(2 * w1**2 + w2**2), w1), w1 / r, relations=[norm])
>>> res.status, res.counterexample is not None
('refuted', True)
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass
from functools import cached_property
from fractions import Fraction
from typing import Callable, Iterable, Mapping, Sequence

import sympy as sp
from sympy.polys.rings import ring as _polynomial_ring

from ..errors import ParameterError, SymbolicInputError

PROVED = "proved"
CONSISTENT = "consistent"
REFUTED = "refuted"

#: The rungs, in the order they are tried.
RUNG_PROOF = "proof"
RUNG_POINTS = "exact points"
RUNG_HIGH_PRECISION = "60-digit points"

_HP_DIGITS = 60
_HP_REL_TOL = sp.Rational(1, 10**40)


# --------------------------------------------------------------------------------------------
# Relations, results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Relation:
    r"""A defining relation ``symbol**2 = base`` with ``symbol > 0``.

    Parameters
    ----------
    symbol : sympy.Symbol
        The positive root, e.g. ``r = ‖w‖_S`` or ``σ̂ = sqrt(σ_B² + ε)``; must be declared
        ``positive=True``.
    base : sympy.Expr
        Its square, free of ``symbol`` and of other relation symbols.
    solve_for : sympy.Symbol, optional
        A variable in which ``base`` is linear.  It is then eliminated exactly (proof rung) and,
        at exact points, computed from a rational ``symbol`` so that every value stays rational —
        e.g. ``ε = σ̂² − σ_B²`` or ``S₁₁ = (r² − …)/w₁²``.
    """

    symbol: sp.Symbol
    base: sp.Expr
    solve_for: sp.Symbol | None = None

    def __post_init__(self):
        if not isinstance(self.symbol, sp.Symbol) or self.symbol.is_positive is not True:
            raise SymbolicInputError(
                f"relation symbol must be a sympy Symbol declared positive=True, got {self.symbol!r}"
            )
        base = sp.sympify(self.base)
        object.__setattr__(self, "base", base)
        if base.has(self.symbol):
            raise SymbolicInputError(f"relation base for {self.symbol} contains {self.symbol}: {base}")
        if self.solve_for is not None:
            e = self.solve_for
            if e not in base.free_symbols:
                raise SymbolicInputError(f"solve_for = {e} does not occur in the base {base}")
            coef = sp.diff(base, e)  # linear in e ⇔ ∂_e B is non-zero and free of e
            if coef == 0 or coef.has(e):
                raise SymbolicInputError(f"the base {base} is not linear in solve_for = {e}")

    @cached_property
    def coefficient(self) -> sp.Expr:
        """``∂ base / ∂ solve_for`` (free of ``solve_for``)."""
        return sp.diff(self.base, self.solve_for)

    @cached_property
    def base_at_zero(self) -> sp.Expr:
        """``base`` with ``solve_for = 0``."""
        return self.base.xreplace({self.solve_for: 0})

    @cached_property
    def elimination(self) -> sp.Expr:
        """The value of ``solve_for`` on the relation: ``(s² − base|_{e=0}) / ∂_e base``."""
        return (self.symbol**2 - self.base_at_zero) / self.coefficient


@dataclass(frozen=True)
class Counterexample:
    """A point where ``lhs ≠ rhs``: the exact values of every symbol and of both sides."""

    point: Mapping[sp.Symbol, sp.Expr]
    lhs: sp.Expr
    rhs: sp.Expr
    component: tuple[int, ...] = ()

    def as_dict(self) -> dict:
        """JSON-ready form (values as exact strings)."""
        return {
            "point": {str(k): str(v) for k, v in self.point.items()},
            "component": list(self.component),
            "lhs": str(self.lhs),
            "rhs": str(self.rhs),
        }

    def __str__(self) -> str:  # pragma: no cover - formatting only
        where = f" (component {self.component})" if self.component else ""
        pts = ", ".join(f"{k} = {v}" for k, v in self.point.items())
        return f"at {pts}{where}: lhs = {self.lhs}, rhs = {self.rhs}"


@dataclass(frozen=True)
class Verification:
    """The outcome of :func:`verify_identity`.

    Attributes
    ----------
    status : {"proved", "consistent", "refuted"}
    rung : str
        The highest rung reached: ``"proof"``, ``"exact points"`` or ``"60-digit points"``.
    points : int
        Number of points at which both sides were evaluated (0 for a pure proof).
    counterexample : Counterexample or None
        Present exactly when ``status == "refuted"``.
    note : str
        How the result was reached (the method), in one line.
    seconds : float
        Wall-clock time spent.
    """

    status: str
    rung: str
    points: int
    counterexample: Counterexample | None
    note: str
    seconds: float

    @property
    def holds(self) -> bool:
        """True when the identity was proved or found consistent (i.e. not refuted)."""
        return self.status != REFUTED

    def describe(self) -> str:
        """A one-line human description: ``proved``, ``consistent at 20 exact points`` …"""
        if self.status == PROVED:
            return "proved"
        if self.status == CONSISTENT:
            return f"consistent at {self.points} {self.rung} (evidence, not proof)"
        return f"refuted ({self.rung})"

    def as_dict(self) -> dict:
        """JSON-ready form."""
        return {
            "status": self.status,
            "rung": self.rung,
            "points": self.points,
            "counterexample": None if self.counterexample is None else self.counterexample.as_dict(),
            "note": self.note,
            "seconds": self.seconds,
        }


# --------------------------------------------------------------------------------------------
# Exact arithmetic with square roots: the multiquadratic field Q(√d₁, …, √d_k)
# --------------------------------------------------------------------------------------------


def _rational_sqrt(q: Fraction) -> Fraction | None:
    """The exact square root of a non-negative rational, or None if it is irrational."""
    n, d = q.numerator, q.denominator
    rn, rd = math.isqrt(n), math.isqrt(d)
    if rn * rn == n and rd * rd == d:
        return Fraction(rn, rd)
    return None


class RadicalField:
    r"""The field ``Q(√d₁, …, √d_k)``, grown one square root at a time.

    The radicands kept are *independent* (no product of a non-empty subset is a rational square),
    so the ``2^k`` products of their roots form a basis and an element is zero exactly when all its
    rational coordinates are.  A new square root that depends on earlier ones is expressed in the
    existing basis instead of being added.
    """

    def __init__(self):
        self.radicands: list[Fraction] = []

    def sqrt(self, q: Fraction) -> "Fraction | RadicalNumber":
        """The positive square root of the rational ``q ≥ 0``, exactly."""
        if q < 0:
            raise ArithmeticError(f"square root of a negative number {q}")
        root = _rational_sqrt(q)
        if root is not None:
            return root
        for mask in range(1, 1 << len(self.radicands)):
            prod = q
            for i, d in enumerate(self.radicands):
                if mask >> i & 1:
                    prod *= d
            r = _rational_sqrt(prod)
            if r is not None:  # √q = √(q·Πd) / Π√d = r · Π√d / Πd
                denom = Fraction(1)
                for i, d in enumerate(self.radicands):
                    if mask >> i & 1:
                        denom *= d
                return RadicalNumber(self, {mask: r / denom})
        self.radicands.append(q)
        return RadicalNumber(self, {1 << (len(self.radicands) - 1): Fraction(1)})

    def to_sympy(self, value) -> sp.Expr:
        """Convert an element (or a rational) to an exact SymPy number."""
        if isinstance(value, RadicalNumber):
            total = sp.Integer(0)
            for mask, c in value.c.items():
                term = sp.Rational(c.numerator, c.denominator)
                for i, d in enumerate(self.radicands):
                    if mask >> i & 1:
                        term *= sp.sqrt(sp.Rational(d.numerator, d.denominator))
                total += term
            return total
        return sp.Rational(value.numerator, value.denominator)


class RadicalNumber:
    """An element of a :class:`RadicalField`: rational coordinates on the basis of root products."""

    __slots__ = ("F", "c")

    def __init__(self, F: RadicalField, c: dict[int, Fraction]):
        self.F = F
        self.c = {k: v for k, v in c.items() if v != 0}

    def _coerce(self, other) -> "RadicalNumber":
        if isinstance(other, RadicalNumber):
            return other
        return RadicalNumber(self.F, {0: Fraction(other)})

    def __add__(self, other):
        o = self._coerce(other)
        out = dict(self.c)
        for k, v in o.c.items():
            out[k] = out.get(k, 0) + v
        return RadicalNumber(self.F, out)

    __radd__ = __add__

    def __neg__(self):
        return RadicalNumber(self.F, {k: -v for k, v in self.c.items()})

    def __sub__(self, other):
        return self + (-self._coerce(other))

    def __rsub__(self, other):
        return self._coerce(other) - self

    def __mul__(self, other):
        o = self._coerce(other)
        rad = self.F.radicands
        out: dict[int, Fraction] = {}
        for k1, v1 in self.c.items():
            for k2, v2 in o.c.items():
                v = v1 * v2
                common = k1 & k2
                i = 0
                while common:
                    if common & 1:
                        v *= rad[i]
                    common >>= 1
                    i += 1
                k = k1 ^ k2
                out[k] = out.get(k, 0) + v
        return RadicalNumber(self.F, out)

    __rmul__ = __mul__

    def conjugate(self, i: int) -> "RadicalNumber":
        """The image under ``√d_i ↦ −√d_i``."""
        bit = 1 << i
        return RadicalNumber(self.F, {k: (-v if k & bit else v) for k, v in self.c.items()})

    def inverse(self) -> "RadicalNumber":
        """Exact inverse: multiply by conjugates until the denominator is rational."""
        if self.is_zero():
            raise ZeroDivisionError("division by an exact zero")
        num = RadicalNumber(self.F, {0: Fraction(1)})
        den = self
        for i in range(len(self.F.radicands)):
            conj = den.conjugate(i)
            num, den = num * conj, den * conj
        (k, v), = den.c.items()  # rational now: a single coordinate on the basis element 1
        assert k == 0
        return num * (1 / v)

    def __truediv__(self, other):
        o = self._coerce(other)
        return self * o.inverse()

    def __rtruediv__(self, other):
        return self._coerce(other) * self.inverse()

    def __pow__(self, n: int):
        if n < 0:
            return self.inverse() ** (-n)
        out = RadicalNumber(self.F, {0: Fraction(1)})
        base = self
        while n:
            if n & 1:
                out = out * base
            base = base * base
            n >>= 1
        return out

    def is_zero(self) -> bool:
        return not self.c

    def rational(self) -> Fraction | None:
        """The value as a rational, or None if it has an irrational part."""
        if not self.c:
            return Fraction(0)
        if set(self.c) == {0}:
            return self.c[0]
        return None


class _NotExact(Exception):
    """The expression has a node that exact arithmetic cannot evaluate."""


def _is_zero(v) -> bool:
    return v.is_zero() if isinstance(v, RadicalNumber) else v == 0


def _exact_eval(expr: sp.Expr, values: Mapping[sp.Symbol, object], F: RadicalField, memo: dict):
    """Evaluate ``expr`` exactly: rationals, ``+ − × ÷``, integer powers, square roots."""
    # Keyed by identity: every node stays alive for the whole evaluation, and identity avoids
    # hashing and comparing large, structurally equal trees.
    hit = memo.get(id(expr))
    if hit is not None:
        return hit
    if expr.is_Symbol:
        try:
            out = values[expr]
        except KeyError:
            raise SymbolicInputError(f"no value for the symbol {expr}") from None
    elif expr.is_Integer:
        out = int(expr)
    elif expr.is_Rational:
        out = Fraction(int(expr.p), int(expr.q))
    elif expr.is_Add:
        out = 0
        for a in expr.args:
            out = out + _exact_eval(a, values, F, memo)
    elif expr.is_Mul:
        out = 1
        for a in expr.args:
            out = out * _exact_eval(a, values, F, memo)
    elif expr.is_Pow:
        base = _exact_eval(expr.base, values, F, memo)
        e = expr.exp
        if e.is_Integer:
            if not isinstance(base, RadicalNumber):
                base = Fraction(base)  # int ** negative int would be a float
            out = base ** int(e)
        elif e.is_Rational and e.q == 2:
            if isinstance(base, RadicalNumber):
                rb = base.rational()
                if rb is None:
                    raise _NotExact(f"nested radical {expr}")
                base = rb
            base = Fraction(base)
            if base < 0:
                raise ArithmeticError(f"square root of a negative value at this point: {expr.base}")
            root = F.sqrt(base)
            out = root ** int(e.p)
        else:
            raise _NotExact(f"power {expr}")
    else:
        raise _NotExact(f"{type(expr).__name__} node {expr}")
    memo[id(expr)] = out
    return out


# --------------------------------------------------------------------------------------------
# Input normalisation
# --------------------------------------------------------------------------------------------


def _components(obj) -> list[tuple[tuple[int, ...], sp.Expr]]:
    """Flatten a scalar, a Matrix or a nested sequence into ``(index, expression)`` pairs."""
    if isinstance(obj, sp.MatrixBase):
        return [((i, j), sp.sympify(obj[i, j])) for i in range(obj.rows) for j in range(obj.cols)]
    if isinstance(obj, (list, tuple)):
        out = []
        for i, item in enumerate(obj):
            out.extend(((i,) + idx, e) for idx, e in _components(item))
        return out
    return [((), sp.sympify(obj))]


# --------------------------------------------------------------------------------------------
# Rung 1: proof
# --------------------------------------------------------------------------------------------


class _NotRational(Exception):
    """The expression is not a rational function of the generators (after the relations)."""


class _FractionBuilder:
    r"""Convert expressions to fractions ``num/den`` of sparse polynomials, visiting each distinct
    subexpression once (SymPy's own conversions walk the tree, which is exponentially larger than
    the DAG for derived gradients).

    Denominators that are monomials (``σ̂^k``, ``w₁²`` …) are combined by their least common
    multiple, so no polynomial gcd is ever computed.  Eliminated variables are replaced by their
    elimination formula; ``B^{k/2}`` becomes ``s^k`` when ``B`` equals a relation's square.
    """

    def __init__(self, gens: Sequence[sp.Symbol], relations: Sequence[Relation]):
        self.ring = _polynomial_ring(gens, sp.QQ)[0]
        self.gen = dict(zip(gens, self.ring.gens))
        self.memo: dict = {}
        self.elim = {rel.solve_for: rel for rel in relations if rel.solve_for is not None}
        self.relations = relations
        self._squares = None

    def _norm(self, num, den):
        if len(den) == 1:
            (monom, c), = den.items()
            if c != 1:
                num, den = num.quo_ground(c), self.ring({monom: self.ring.domain.one})
        return num, den

    def _add(self, a, b):
        (an, ad), (bn, bd) = a, b
        if ad == bd:
            return an + bn, ad
        if len(ad) == 1 and len(bd) == 1:
            (ma, _), = ad.items()
            (mb, _), = bd.items()
            lcm = tuple(max(p, q) for p, q in zip(ma, mb))
            num = an.mul_monom(tuple(l - p for l, p in zip(lcm, ma))) + bn.mul_monom(tuple(l - q for l, q in zip(lcm, mb)))
            return num, self.ring({lcm: self.ring.domain.one})
        return self._norm(an * bd + bn * ad, ad * bd)

    def _pow(self, a, n: int):
        num, den = a
        if n >= 0:
            return num**n, den**n
        if not num:
            raise _NotRational("division by the zero polynomial")
        return self._norm(den ** (-n), num ** (-n))

    def _sqrt(self, a):
        """``sqrt(a)`` as a fraction, when ``a`` is the square of a relation symbol."""
        if self._squares is None:
            self._squares = []
            for rel in self.relations:
                s = self.gen.get(rel.symbol)
                if s is None:
                    continue
                square = (s**2, self.ring.one) if rel.solve_for is not None else self.convert(rel.base)
                self._squares.append((s, square))
        num, den = a
        for s, (sn, sd) in self._squares:
            if num * sd == sn * den:
                return s, self.ring.one
        raise _NotRational("a square root that no relation defines")

    def convert(self, e: sp.Expr):
        hit = self.memo.get(id(e))
        if hit is not None:
            return hit
        R = self.ring
        if e.is_Symbol:
            if e in self.elim:
                out = self.convert(self.elim[e].elimination)
            elif e in self.gen:
                out = (self.gen[e], R.one)
            else:
                raise _NotRational(f"unexpected symbol {e}")
        elif e.is_Rational:
            out = (R.ground_new(sp.QQ(int(e.p), int(e.q))), R.one)
        elif e.is_Add:
            out = (R.zero, R.one)
            for arg in e.args:
                out = self._add(out, self.convert(arg))
        elif e.is_Mul:
            num, den = R.one, R.one
            for arg in e.args:
                an, ad = self.convert(arg)
                num, den = num * an, den * ad
            out = self._norm(num, den)
        elif e.is_Pow and e.exp.is_Integer:
            out = self._pow(self.convert(e.base), int(e.exp))
        elif e.is_Pow and e.exp.is_Rational and e.exp.q == 2:
            out = self._pow(self._sqrt(self.convert(e.base)), int(e.exp.p))
        else:
            raise _NotRational(f"{type(e).__name__} node")
        self.memo[id(e)] = out
        return out


def _scan(exprs: Iterable[sp.Expr]) -> tuple[set, list]:
    """Free symbols and floating-point constants, visiting each distinct subexpression once."""
    seen, syms, floats = set(), set(), []
    stack = list(exprs)
    while stack:
        e = stack.pop()
        if id(e) in seen:  # identity: the expressions stay alive during the scan
            continue
        seen.add(id(e))
        if e.is_Symbol:
            syms.add(e)
        elif isinstance(e, sp.Float):
            floats.append(e)
        else:
            stack.extend(e.args)
    return syms, floats


def _reduce_modulo(poly, gens, relations, ring):
    """Reduce a polynomial modulo ``s² − B`` for each remainder-type relation (canonical form).

    ``poly = Σ_k s^k C_k`` (``C_k`` free of ``s``) becomes ``Σ_k C_k B^{⌊k/2⌋} s^{k mod 2}``:
    one multiplication per distinct power of ``s``.
    """
    for rel in relations:
        if rel.solve_for is not None or rel.symbol not in gens:
            continue
        idx = gens.index(rel.symbol)
        by_power: dict[int, dict] = {}
        for monom, coeff in poly.terms():
            rest = monom[:idx] + (0,) + monom[idx + 1:]
            by_power.setdefault(monom[idx], {})[rest] = coeff
        B = ring.from_expr(rel.base)
        s = ring.gens[idx]
        out = ring.zero
        for k, terms in by_power.items():
            out += ring(terms) * B ** (k // 2) * (s if k % 2 else ring.one)
        poly = out
    return poly


def _prove(diffs: Sequence[sp.Expr], relations: Sequence[Relation]) -> tuple[bool, str]:
    """Try to reduce every difference to exactly 0.  Returns ``(proved, note)``."""
    elim = {rel.solve_for for rel in relations if rel.solve_for is not None}
    rel_syms = [rel.symbol for rel in relations]
    symbols, _ = _scan(list(diffs) + [rel.base for rel in relations] + [rel.elimination for rel in relations if rel.solve_for is not None])
    others = sorted(symbols - set(rel_syms) - elim, key=sp.default_sort_key)
    gens = list(dict.fromkeys(rel_syms + others))
    how = []
    if elim:
        how.append("eliminating " + ", ".join(str(e) for e in elim))
    if any(rel.solve_for is None for rel in relations):
        how.append("reducing modulo " + ", ".join(f"{r.symbol}²−({r.base})" for r in relations if r.solve_for is None))
    note = "rational-function normal form" + (" after " + " and ".join(how) if how else "")
    if not gens:  # every difference is a constant
        try:
            return all(_is_zero(_exact_eval(d, {}, RadicalField(), {})) for d in diffs), note
        except _NotExact:
            return all(sp.simplify(d) == 0 for d in diffs), note
    builder = _FractionBuilder(gens, relations)
    for d in diffs:
        if d == 0:
            continue
        try:
            num, _ = builder.convert(d)
        except _NotRational:
            # Not a rational function of the symbols (exp, log, an unmatched radical, …): let
            # SymPy try, on small expressions only.
            if sp.count_ops(d) > 400 or sp.simplify(d) != 0:
                return False, "not a rational function after applying the relations"
            continue
        if _reduce_modulo(num, gens, relations, builder.ring) != 0:
            return False, "canonical form is non-zero"
    return True, note


# --------------------------------------------------------------------------------------------
# Rung 2: exact points
# --------------------------------------------------------------------------------------------


def _random_rational(rng: random.Random, sym: sp.Symbol, domain: Mapping) -> Fraction:
    if sym in domain:
        lo, hi = (Fraction(str(v)) for v in domain[sym])
        q = rng.randint(1, 12)
        return lo + (hi - lo) * Fraction(rng.randint(0, 12 * q), 12 * q)
    num = Fraction(rng.randint(1, 29), rng.randint(1, 11))
    if sym.is_positive or sym.is_nonnegative:
        return num
    if sym.is_negative or sym.is_nonpositive:
        return -num
    return num if rng.random() < 0.5 else -num


def _admissible(sym: sp.Symbol, value: Fraction) -> bool:
    if sym.is_positive and not value > 0:
        return False
    if sym.is_nonnegative and not value >= 0:
        return False
    if sym.is_negative and not value < 0:
        return False
    if sym.is_nonzero and value == 0:
        return False
    return True


def _sample_point(rng, free, relations, domain, F):
    """One exact point: rationals for free symbols; relation symbols solved or as exact roots."""
    values: dict[sp.Symbol, object] = {}
    for s in free:
        values[s] = _random_rational(rng, s, domain)
    for rel in relations:
        if rel.solve_for is None:
            b = _exact_eval(rel.base, values, F, {})
            b = b.rational() if isinstance(b, RadicalNumber) else Fraction(b)
            if b is None or b <= 0:
                return None
            values[rel.symbol] = F.sqrt(b)
            continue
        e = rel.solve_for
        b0 = _exact_eval(rel.base_at_zero, values, F, {})
        coef = _exact_eval(rel.coefficient, values, F, {})
        if isinstance(b0, RadicalNumber) or isinstance(coef, RadicalNumber) or coef == 0:
            return None
        b0, coef = Fraction(b0), Fraction(coef)
        # Aim at a value of e drawn like any free symbol, then round the root s to a nearby
        # rational: e = (s² − b0)/coef is then exactly rational and close to its target.
        target = b0 + coef * _random_rational(rng, e, domain)
        if target <= 0:
            return None
        s = Fraction(math.sqrt(target)).limit_denominator(1000)
        if s <= 0:
            return None
        val = (s * s - b0) / coef
        if not _admissible(e, val):
            return None
        if e in domain:
            lo_d, hi_d = (Fraction(str(v)) for v in domain[e])
            if not lo_d <= val <= hi_d:
                return None
        values[rel.symbol] = s
        values[e] = val
    return values


def _to_sympy(F: RadicalField, v) -> sp.Expr:
    if isinstance(v, RadicalNumber):
        return F.to_sympy(v)
    return sp.Rational(Fraction(v).numerator, Fraction(v).denominator)


# --------------------------------------------------------------------------------------------
# Rung 3: high precision (transcendental expressions only)
# --------------------------------------------------------------------------------------------


def _hp_compare(lhs: sp.Expr, rhs: sp.Expr, point: Mapping[sp.Symbol, sp.Expr]):
    """Evaluate both sides to 60 digits; return ``(differ, lhs_value, rhs_value)``."""
    lv = sp.N(lhs.xreplace(point), _HP_DIGITS)
    rv = sp.N(rhs.xreplace(point), _HP_DIGITS)
    if not (lv.is_number and rv.is_number):
        raise SymbolicInputError(f"could not evaluate {lhs} or {rhs} numerically")
    scale = max(abs(lv), abs(rv), sp.Integer(1))
    return abs(lv - rv) > _HP_REL_TOL * scale, lv, rv


# --------------------------------------------------------------------------------------------
# The ladder
# --------------------------------------------------------------------------------------------


def verify_identity(
    lhs,
    rhs,
    *,
    relations: Iterable[Relation] = (),
    domain: Mapping[sp.Symbol, tuple] | None = None,
    condition: Callable[[Mapping[sp.Symbol, sp.Expr]], bool] | None = None,
    points: int = 8,
    prove: bool = True,
    seed: int = 0,
) -> Verification:
    r"""Decide ``lhs = rhs`` as far up the ladder as it goes.

    Parameters
    ----------
    lhs, rhs : sympy.Expr, sympy.Matrix or nested sequences of them
        The two sides; matrices and sequences are compared entry by entry and must have the same
        shape.  Constants must be exact (``sympy.Rational``, not ``float``).
    relations : iterable of Relation
        Defining relations ``s² = B`` the symbols satisfy (see :class:`Relation`).
    domain : mapping, optional
        ``{symbol: (lo, hi)}`` sampling intervals for exact points; otherwise symbols are sampled
        from the sign their SymPy assumptions give (``positive=True`` → positive rationals).
    condition : callable, optional
        ``condition(point) -> bool`` rejects points outside the statement's hypotheses
        (e.g. a positive definite ``S``).  It receives exact SymPy values.
    points : int
        Number of exact points (after a proof: a sanity check; without one: the evidence).
    prove : bool
        Try the proof rung first.  Proofs are exact but may be slow for large explicit sizes.
    seed : int
        Seed of the point sampler: same seed, same points.

    Returns
    -------
    Verification
        ``status`` is ``"proved"``, ``"consistent"`` or ``"refuted"``; a refutation always
        carries a :class:`Counterexample` with exact values.

    Raises
    ------
    SymbolicInputError
        Mismatched shapes, floating-point constants, symbols without values.
    ParameterError
        ``points < 0``, or ``points == 0`` without ``prove``.
    """
    t0 = time.perf_counter()
    relations = list(relations)
    domain = dict(domain or {})
    if isinstance(points, bool) or not isinstance(points, int) or points < 0:
        raise ParameterError(f"points must be a non-negative integer, got points = {points!r}")
    if points == 0 and not prove:
        raise ParameterError("points = 0 with prove = False would check nothing")
    lc, rc = _components(lhs), _components(rhs)
    if [i for i, _ in lc] != [i for i, _ in rc]:
        raise SymbolicInputError(
            f"lhs and rhs have different shapes: {len(lc)} components {lc[-1][0] if lc else ()} "
            f"vs {len(rc)} components {rc[-1][0] if rc else ()}"
        )
    all_syms, floats = _scan([e for _, e in lc] + [e for _, e in rc] + [rel.base for rel in relations])
    if floats:
        raise SymbolicInputError(
            f"the identity contains the floating-point constant {floats[0]}; "
            "exact verification needs sympy.Rational constants"
        )
    rel_syms = {rel.symbol for rel in relations}
    if len(rel_syms) != len(relations):
        raise SymbolicInputError("two relations share a symbol")
    for rel in relations:
        if rel.base.free_symbols & rel_syms:
            raise SymbolicInputError(f"relation base {rel.base} contains a relation symbol")

    solved = {rel.solve_for for rel in relations if rel.solve_for is not None}
    free = sorted(all_syms - rel_syms - solved, key=sp.default_sort_key)
    sampler = _PointSampler(lc, rc, free, relations, domain, condition, seed)

    # Points first: a false statement is almost always refuted at the first point, which is far
    # cheaper than a failed proof attempt.  After a proof they are a cross-check of it.
    refuted = sampler.check(points)
    if refuted is None and prove:
        proved, proof_note = _prove([l - r for (_, l), (_, r) in zip(lc, rc)], relations)
        if not proved and sampler.checked == 0:
            # A failed proof decides nothing: evaluate before reporting anything.
            refuted = sampler.check(_POINTS_AFTER_FAILED_PROOF)
    else:
        proved, proof_note = False, "proof not attempted"
    rung = RUNG_HIGH_PRECISION if sampler.hp_used else RUNG_POINTS
    seconds = time.perf_counter() - t0
    if refuted is not None:
        how = "60-digit" if sampler.hp_used else "exact"
        return Verification(REFUTED, rung, sampler.checked + 1, refuted, f"{how} evaluation at a point", seconds)
    if proved:
        note = proof_note + (f"; cross-checked at {sampler.checked} {rung}" if sampler.checked else "")
        return Verification(PROVED, RUNG_PROOF, sampler.checked, None, note, seconds)
    return Verification(
        CONSISTENT, rung, sampler.checked, None, f"no proof ({proof_note}); equal at {sampler.checked} {rung}", seconds
    )


#: Points evaluated when a proof attempt fails and no points were requested.
_POINTS_AFTER_FAILED_PROOF = 4


class _PointSampler:
    """Draws admissible exact points and compares both sides there (rungs 2 and 3)."""

    def __init__(self, lc, rc, free, relations, domain, condition, seed):
        self.lc, self.rc, self.free = lc, rc, free
        self.relations, self.domain, self.condition = relations, domain, condition
        self.rng = random.Random(seed)
        self.checked = 0
        self.hp_used = False

    def check(self, n: int) -> Counterexample | None:
        """Check ``n`` more points; return the first counterexample, or None."""
        target, attempts = self.checked + n, 0
        while self.checked < target:
            attempts += 1
            if attempts > 50 * n + 50:
                raise SymbolicInputError(
                    f"could not find admissible points: {self.checked} of {target} after {attempts - 1} attempts "
                    "(relations with non-positive bases, zero denominators or a condition that never holds)"
                )
            F = RadicalField()
            values = _sample_point(self.rng, self.free, self.relations, self.domain, F)
            if values is None:
                continue
            point = {s: _to_sympy(F, v) for s, v in values.items()}
            if self.condition is not None and not self.condition(point):
                continue
            try:
                refuted = self._compare(values, point, F)
            except (ZeroDivisionError, ArithmeticError):
                continue  # a pole or a negative radicand: not a point of the statement's domain
            if refuted is not None:
                return refuted
            self.checked += 1
        return None

    def _compare(self, values, point, F) -> Counterexample | None:
        memo: dict = {}
        try:
            for (idx, l), (_, r) in zip(self.lc, self.rc):
                lv = _exact_eval(l, values, F, memo)
                rv = _exact_eval(r, values, F, memo)
                if not _is_zero(lv - rv):
                    return Counterexample(point, _to_sympy(F, lv), _to_sympy(F, rv), idx)
        except _NotExact:
            self.hp_used = True
            for (idx, l), (_, r) in zip(self.lc, self.rc):
                differ, lv, rv = _hp_compare(l, r, point)
                if differ:
                    return Counterexample(point, lv, rv, idx)
        return None
