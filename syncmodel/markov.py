"""Repairable nodes and systems as continuous-time Markov chains (CTMCs).

Exponential failure (rate λ = 1/MTTF) and repair (rate μ = 1/MTTR) per node;
steady-state and transient availability, MTTF of the system and MTTDL, plus
helpers for "nines" and downtime per year.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ._deprecate import renamed_keywords
from ._stats import nines as failure_nines
from .errors import (
    InfeasibleError,
    check_choice,
    check_collection,
    check_int,
    check_real,
    float_array,
    invalid,
    too_big,
)
from .structure import Structure, as_structure, evaluate_tree

__all__ = [
    "RepairableSystem",
    "availability_from_nines",
    "downtime_per_year",
    "nines",
    "node_availability",
    "system",
]

HOURS_PER_YEAR = 365.25 * 24
#: largest number of nodes for the full (unlumped) 2**n-state chain
MAX_FULL_NODES = 12
#: largest lumped chain (n + 1 states): a dense (n+1)² generator, O(n³) solves (~1 s here)
MAX_LUMPED_STATES = 3_000
_UNITS = {"s": 3600.0, "min": 60.0, "h": 1.0}


def _positive(name: str, value: Any, allow_inf: bool = False, allow_zero: bool = False) -> float:
    return check_real(name, value, 0.0, lo_open=not allow_zero, finite=not allow_inf)


def node_availability(
    mttf: float, mttr: float, t: float | Sequence[float] | np.ndarray | None = None
) -> Any:
    """Availability of one repairable node (up at time 0).

    Steady state: A = MTTF / (MTTF + MTTR) = μ / (λ + μ).  At time t from up:
    A(t) = μ/(λ+μ) + λ/(λ+μ)·e^(−(λ+μ)t) (two-state Markov chain).  ``mttr``
    may be 0 (A = 1) and ``mttf`` inf (A = 1).  Worked case: MTTF 1000 h and
    MTTR 10 h give A = 1000/1010 = 0.990099…; with no repair (MTTR = inf)
    A(t) = e^(−t/MTTF).

    >>> round(node_availability(1000.0, 10.0), 6)
    0.990099
    >>> round(float(node_availability(1000.0, float('inf'), 1000.0)), 6)  # e^(−1)
    0.367879
    """
    f = _positive("mttf", mttf, allow_inf=True)
    r = _positive("mttr", mttr, allow_inf=True, allow_zero=True)
    if f == math.inf:
        a_ss, rate = 1.0, 0.0
    elif r == math.inf:
        a_ss, rate = 0.0, 1.0 / f
    elif r == 0:
        a_ss, rate = 1.0, math.inf
    else:
        a_ss, rate = f / (f + r), 1.0 / f + 1.0 / r
    if t is None:
        return a_ss
    ts = float_array("t", t, "a time or times ≥ 0")
    if not np.all(ts >= 0) or not np.all(np.isfinite(ts)):
        raise invalid("t", t, "finite and >= 0")
    with np.errstate(invalid="ignore"):
        decay = np.where(ts == 0, 1.0, np.exp(-rate * ts)) if rate != math.inf else (ts == 0) * 1.0
    out = a_ss + (1.0 - a_ss) * decay
    return float(out) if out.ndim == 0 else out


def nines(availability: float | np.ndarray) -> Any:
    """Number of nines: −log10(1 − A).  A = 0.999 gives 3; A = 1 gives inf."""
    a = float_array("availability", availability, "in [0, 1]")
    if not np.all((a >= 0) & (a <= 1)):
        raise invalid("availability", availability, "in [0, 1]")
    out = failure_nines(1.0 - a)
    return float(out) if out.ndim == 0 else out


@renamed_keywords(n="nines")
def availability_from_nines(nines: float | np.ndarray) -> Any:
    """Inverse of :func:`nines`: A = 1 − 10^(−nines).  3 nines is 0.999.  (The parameter was
    ``n``, the vocabulary's node count; ``n=`` still works, with a DeprecationWarning.)

    >>> round(availability_from_nines(3), 12), availability_from_nines(0.0)
    (0.999, 0.0)
    """
    expected = "a number of nines ≥ 0"
    x = float_array("nines", nines, expected)
    if not np.all(x >= 0) or np.any(np.isnan(x)):
        raise invalid("nines", nines, expected)
    out = -np.expm1(-x * math.log(10))
    return float(out) if out.ndim == 0 else out


def downtime_per_year(availability: float | np.ndarray, unit: str = "min") -> Any:
    """Expected downtime per year (365.25 days): (1 − A)·8766 h, in ``unit`` ("s", "min", "h").

    Worked case: A = 0.999 is 8.766 h = 525.96 min a year.

    >>> round(downtime_per_year(0.999), 2), round(downtime_per_year(0.999, 'h'), 3)
    (525.96, 8.766)
    """
    if not isinstance(unit, str) or unit not in _UNITS:
        raise invalid("unit", unit, f"one of {sorted(_UNITS)}")
    a = float_array("availability", availability, "in [0, 1]")
    if not np.all((a >= 0) & (a <= 1)):
        raise invalid("availability", availability, "in [0, 1]")
    out = (1.0 - a) * HOURS_PER_YEAR * _UNITS[unit]
    return float(out) if out.ndim == 0 else out


def _per_node(structure: Structure, value: Any, name: str, allow_inf: bool) -> np.ndarray:
    nodes = structure.nodes
    if isinstance(value, Mapping):
        unknown = [x for x in value if x not in set(nodes)]
        missing = [x for x in nodes if x not in value]
        if unknown or missing:
            raise invalid(
                name,
                dict(value),
                f"a mapping naming every node and no other "
                f"(unknown: {unknown!r}, missing: {missing!r})",
            )
        return np.array([_positive(f"{name}[{x!r}]", value[x], allow_inf) for x in nodes])
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return np.full(len(nodes), _positive(name, value, allow_inf))
    if isinstance(value, (Sequence, np.ndarray)) and not isinstance(value, (str, bytes)):
        vals = check_collection(name, value, "a positive number, a sequence or a {node: value} "
                                "mapping")
        if len(vals) != len(nodes):
            raise invalid(name, value, f"a sequence of {len(nodes)} values (one per node)")
        return np.array([_positive(name, v, allow_inf) for v in vals])
    raise invalid(name, value, "a positive number, a sequence or a {node: value} mapping")


class RepairableSystem:
    """A structure of repairable nodes as a CTMC over the set (or number) of failed nodes.

    Node i fails at rate λ_i = 1/MTTF_i and, once failed, is repaired at rate
    μ_i = 1/MTTR_i ("independent": one crew per node) or shares one crew
    ("shared": processor sharing, each of the j failed nodes at μ_i/j, so the
    crew completes repairs at total rate μ when rates are equal).  When all
    nodes have the same rates and the structure is k-of-n (including all-of
    and any-of), states are lumped by the count j of failed nodes:
    j → j+1 at (n − j)λ, j → j−1 at jμ (independent) or μ (shared).  Otherwise
    the chain has 2ⁿ states (n ≤ 12).
    """

    def __init__(self, structure: Structure, lam: np.ndarray, mu: np.ndarray, repair: str,
                 max_states: int = MAX_LUMPED_STATES) -> None:
        if not isinstance(structure, Structure):
            raise invalid("structure", structure, "a Structure (markov.system also takes a QuorumSystem)")
        repair = check_choice("repair", repair, ("independent", "shared"))
        for name, rates in (("lam", lam), ("mu", mu)):
            arr = float_array(name, rates, f"{structure.n} rates, one per node", ndim=1)
            if arr.shape != (structure.n,) or not np.all(np.isfinite(arr) & (arr >= 0)):
                raise invalid(name, rates, f"{structure.n} finite rates ≥ 0, one per node")
        lam, mu = np.asarray(lam, dtype=float), np.asarray(mu, dtype=float)
        self.structure = structure
        self.repair = repair
        self.lam, self.mu = lam, mu
        n = structure.n
        tree = structure.tree()
        kids = tree[2] if tree[0] == "c" else (tree,)
        homogeneous = np.all(lam == lam[0]) and np.all(mu == mu[0])
        symmetric = tree[0] == "n" or (all(ch[0] == "n" for ch in kids) and len(kids) == n)
        self.lumped = bool(homogeneous and symmetric)
        if self.lumped:
            if n + 1 > max_states:
                raise too_big(f"markov.system of a {n}-node k-of-n structure",
                              f"a {n + 1}×{n + 1} generator ({8 * (n + 1) ** 2:.3g} bytes, "
                              f"~{float(n + 1) ** 3:.3g} flops per solve)",
                              "for the steady state use failure_probability(structure, "
                              "p=mttr/(mttf+mttr)) (independent repair), a smaller n, or "
                              f"max_states ≥ {n + 1}")
            k = 1 if tree[0] == "n" else tree[1]
            j = np.arange(n + 1)
            self.failed_count = j
            self.up = (n - j) >= k  # at least k of n up
            Q = np.zeros((n + 1, n + 1))
            for s in range(n):
                Q[s, s + 1] = (n - s) * lam[0]
            for s in range(1, n + 1):
                Q[s, s - 1] = (s if repair == "independent" else 1) * mu[0]
        else:
            if n > MAX_FULL_NODES:
                raise InfeasibleError(
                    f"a heterogeneous or non-symmetric system of {n} nodes needs "
                    f"2**{n} states (limit {MAX_FULL_NODES} nodes)"
                )
            states = np.arange(2**n)
            failed = ((states[:, None] >> np.arange(n)) & 1).astype(bool)  # bit i set: node i down
            self.failed_count = failed.sum(axis=1)
            self.up = evaluate_tree(tree, ~failed)
            Q = np.zeros((2**n, 2**n))
            for i in range(n):
                bit = 1 << i
                down_i = failed[:, i]
                src = states[~down_i]
                Q[src, src | bit] += lam[i]
                src = states[down_i]
                if repair == "independent":
                    Q[src, src & ~bit] += mu[i]
                else:
                    Q[src, src & ~bit] += mu[i] / self.failed_count[src]
        np.fill_diagonal(Q, -Q.sum(axis=1))
        self.Q = Q

    @property
    def n_states(self) -> int:
        """Number of CTMC states."""
        return int(self.Q.shape[0])

    def steady_state(self) -> np.ndarray:
        """π with πQ = 0, Σπ = 1 (a dense linear solve; unique: one recurrent class)."""
        A = self.Q.T.copy()
        A[-1, :] = 1.0
        b = np.zeros(self.n_states)
        b[-1] = 1.0
        pi = np.linalg.solve(A, b)
        return np.clip(pi, 0.0, None) / np.clip(pi, 0.0, None).sum()

    def unavailability(self) -> float:
        """Steady-state probability that the structure is down: Σ π over down states."""
        return float(self.steady_state()[~self.up].sum())

    def availability(self) -> float:
        """Steady-state availability Σ π over up states.

        With independent repair it equals F(S) at p_i = MTTR_i/(MTTF_i + MTTR_i).
        Worked case: 2-of-3, λ = 0.001/h, μ = 0.1/h: node A = 100/101, system
        A = a³ + 3a²(1 − a) = 0.99970…

        >>> from syncmodel.structure import choose
        >>> round(system(choose(2, 3), 1000.0, 10.0).availability(), 6)
        0.999708
        """
        return 1.0 - self.unavailability()

    def availability_at(self, t: float | Sequence[float] | np.ndarray) -> Any:
        """A(t) = Σ_up [p₀ e^(Qt)] from all nodes up at 0 (matrix exponential)."""
        from scipy.linalg import expm

        ts = float_array("t", t, "a time or times ≥ 0")
        if not np.all(np.isfinite(ts)) or not np.all(ts >= 0):
            raise invalid("t", t, "finite and >= 0")
        out = np.empty(ts.shape)
        p0 = np.zeros(self.n_states)
        p0[0] = 1.0
        for idx, tv in np.ndenumerate(ts):
            if self._scale > 0 and tv > 1e3 / self._scale and tv >= self._mixed_by():
                out[idx] = self.availability()  # e^(Qt) = 1·π to double precision by then
                continue
            with np.errstate(all="ignore"):
                out[idx] = (p0 @ expm(self.Q * tv))[self.up].sum()
            if not np.isfinite(out[idx]):
                raise invalid("t", t, f"small enough for the matrix exponential (failed at t = {tv:g})")
        return float(out) if out.ndim == 0 else out

    @property
    def _scale(self) -> float:
        """The largest total exit rate, max |Q_ii|."""
        return float(np.max(-np.diag(self.Q))) if self.n_states else 0.0

    def _mixed_by(self) -> float:
        """A time after which p₀e^(Qt) equals π to double precision: 40 / spectral gap
        (e^(−40) ≈ 4e−18).  With a no-repair node (μ = 0) the chain need not have a
        unique limit, so +inf (A(t) always from the matrix exponential)."""
        if not hasattr(self, "_mix"):
            if np.any(self.mu == 0):
                self._mix = math.inf
            else:
                re = -np.linalg.eigvals(self.Q).real
                gap = re[re > 1e-9 * max(self._scale, 1e-300)].min(initial=math.inf)
                self._mix = 40.0 / gap
        return self._mix

    def _absorb_time(self, absorbing: np.ndarray) -> float:
        keep = ~absorbing
        if not keep[0]:
            return 0.0
        Qt = self.Q[np.ix_(keep, keep)]
        tau = np.linalg.solve(-Qt, np.ones(int(keep.sum())))
        return float(tau[int(np.flatnonzero(keep).tolist().index(0))])

    def mttf(self) -> float:
        """Mean time to the first system failure from all-up: solve −Q_UU τ = 1, read τ(all up).

        Worked case: 2-of-3 without repair: 1/(3λ) + 1/(2λ) = 5/(6λ).

        >>> from syncmodel.structure import choose
        >>> round(system(choose(2, 3), 1000.0, float('inf')).mttf(), 6)
        833.333333
        """
        return self._absorb_time(~self.up)

    def mttdl(self) -> float:
        """Mean time to data loss: absorbing when the last copy is lost (every node failed).

        Worked case: 2 copies with repair: (3λ + μ)/(2λ²).

        >>> from syncmodel.structure import choose
        >>> round(system(choose(2, 2), 1000.0, 10.0).mttdl(), 6)
        51500.0
        """
        return self._absorb_time(self.failed_count == self.structure.n)


def system(structure: Any, mttf: Any, mttr: Any, repair: str = "independent",
           *, max_states: int = MAX_LUMPED_STATES) -> RepairableSystem:
    """A repairable system: ``structure`` (or QuorumSystem) with per-node MTTF and MTTR.

    ``mttf``/``mttr``: one number, a sequence in ``structure.nodes`` order or
    {node: value}; MTTR may be inf (no repair).  ``repair`` is "independent"
    (a crew per node) or "shared" (one crew).  Returns a
    :class:`RepairableSystem` with ``availability()``, ``availability_at(t)``,
    ``mttf()`` and ``mttdl()``.  A lumped chain of more than ``max_states`` states raises
    ResourceLimitError before anything is allocated.
    """
    s = as_structure(structure)
    max_states = check_int("max_states", max_states, 2, hi=None)
    repair = check_choice("repair", repair, ("independent", "shared"))
    f = _per_node(s, mttf, "mttf", allow_inf=False)
    r = _per_node(s, mttr, "mttr", allow_inf=True)
    with np.errstate(over="ignore", divide="ignore"):
        lam, mu = 1.0 / f, 1.0 / r
    for name, value, rate in (("mttf", mttf, lam), ("mttr", mttr, mu)):
        if not np.all(np.isfinite(rate)):  # 5e-324: its rate 1/x overflows
            raise invalid(name, value, "positive times whose rates 1/time are finite "
                          "(not below 1/1.8e308)")
    return RepairableSystem(s, lam, mu, repair, max_states)
