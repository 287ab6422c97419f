"""P(S) and F(S): the probability that a system cannot serve, and its complement.

Exact for independent failures (read-once recursion, factoring on repeated
nodes, enumeration), for failure domains and the beta-factor common cause
(by conditioning on domain states), and Monte Carlo with a confidence interval.
The exact engine's parts live beside this module: ``_compiler.py`` (structures
compiled into plans: recursion, splitting, aligned blocks, factoring) and
``_poisson.py`` (the Poisson-binomial kernels those plans run).

Naming: the seed article writes P(S) for the probability that S cannot serve
(no live quorum) and its fault tolerance F(S) = 1 − P(S).  Peleg & Wool (1995)
call the failure probability itself F_p(S); syncmodel's ``failure_probability``
is their F_p and our ``fault_tolerance`` is its complement.

System protocol: ``system`` is a :class:`syncmodel.structure.Structure`, an
explicit collection of node sets, or any object with a method
``as_structure() -> Structure`` (duck typing).  ``quorum.QuorumSystem``
implements it as ``reads * writes``: it fails when it cannot serve both reads
and writes.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

import numpy as np

from ._compiler import _BudgetExceeded, _plan
from ._stats import normalise_p, normalise_p_list, wilson_interval
from .errors import (
    InfeasibleError,
    InvalidParameterError,
    check_choice,
    check_int,
    check_probability,
    check_real,
    float_array,
    invalid,
    is_iterable,
    too_big,
)
from .rng import Seed, as_generator
from .structure import (
    Structure,
    Tree,
    as_structure,
    evaluate_tree,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "Domain",
    "MonteCarloResult",
    "failure_curve",
    "failure_probability",
    "failure_probability_mc",
    "fault_tolerance",
    "node_probabilities",
]

METHODS = ("auto", "exact", "recursion", "factoring", "enumeration", "montecarlo")
#: largest number of distinct nodes enumerated (2**n states)
MAX_ENUMERATION_NODES = 24
#: largest number of failure domains conditioned on exactly (2**D joint states)
MAX_DOMAINS = 16
#: factoring steps "auto" spends before falling back to enumeration (or Monte Carlo)
AUTO_FACTORING_BUDGET = 50_000
#: bit-packed word operations of enumeration worth one factoring step (both measured on
#: 2 cores, 2026-11-26: a step of an irregular set family ~100 µs, a word op ~0.3 ns)
WORD_OPS_PER_STEP = 300_000
DEFAULT_SAMPLES = 1_000_000
#: node draws per Monte Carlo chunk (~38 MB of uniforms and flags), whatever the node count
MC_CHUNK_CELLS = 2**22
#: most node draws (samples × n) a Monte Carlo run takes without max_draws (~3 min here)
MC_MAX_DRAWS = 20_000_000_000
#: node draws per second measured here (benchmarks/bench_failure.py), for the estimate
MC_DRAWS_PER_S = 1e8
#: runs with at least this many node draws show a progress bar
MC_PROGRESS_DRAWS = 1_000_000_000
#: structures with more nodes are evaluated on numpy arrays, smaller ones on Python floats
SCALAR_MAX_NODES = 20_000


# --------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class Domain:
    """A failure domain (rack, zone): with probability ``p`` all its nodes are down.

    Nodes inside a live domain still fail independently with their own p.
    A node may belong to several domains; it is down if any of them is.
    ``nodes``: a non-empty iterable of hashable node names (kept as a frozenset);
    ``p``: a probability; ``name``: a str.  Checked when the domain is made.
    """

    nodes: frozenset[Hashable]
    p: float
    name: str = ""

    def __post_init__(self) -> None:
        expected = "a non-empty iterable of hashable node names"
        if isinstance(self.nodes, (str, bytes)) or not is_iterable(self.nodes):
            raise invalid("nodes", self.nodes, expected)
        try:
            nodes = frozenset(self.nodes)
        except TypeError:  # an unhashable member
            raise invalid("nodes", self.nodes, expected) from None
        if not nodes:
            raise invalid("nodes", self.nodes, expected)
        if not isinstance(self.name, str):
            raise invalid("name", self.name, "a str")
        object.__setattr__(self, "nodes", nodes)
        object.__setattr__(self, "p", check_probability("p", self.p))


def node_probabilities(structure: Structure, p: Any) -> np.ndarray:
    """Per-node failure probabilities aligned with ``structure.nodes``.

    ``p`` is one float for every node, a sequence in the order of
    ``structure.nodes``, or a mapping {node: p} naming every node and no other
    (:func:`syncmodel._stats.normalise_p`).
    """
    return normalise_p(as_structure(structure, "structure").nodes, p)


def _domains(structure: Structure, domains: Any, beta: Any, p: np.ndarray) -> list[tuple[np.ndarray, float]]:
    """Validated domains as (node mask, probability); beta adds one over all nodes."""
    out: list[tuple[np.ndarray, float]] = []
    if domains is None and beta is None:
        return out
    index = {x: i for i, x in enumerate(structure.nodes)}
    if domains is not None:
        if isinstance(domains, Mapping):
            items: list[Domain] = []
            for name, spec in domains.items():
                if isinstance(spec, Domain):
                    items.append(spec)
                    continue
                try:
                    members, q = spec
                except (TypeError, ValueError, OverflowError):
                    raise invalid("domains", {name: spec}, "a mapping name -> (nodes, p)") from None
                try:
                    items.append(Domain(members, q, str(name)))
                except InvalidParameterError as exc:
                    raise invalid(f"domains[{name!r}]", spec, f"(nodes, p) ({exc})") from None
        elif is_iterable(domains) and not isinstance(domains, (str, bytes)):
            items = list(domains)
            if not all(isinstance(d, Domain) for d in items):
                raise invalid("domains", domains, "a mapping name -> (nodes, p) or a list of Domain")
        else:
            raise invalid("domains", domains, "a mapping name -> (nodes, p) or a list of Domain")
        for d in items:
            q = check_probability(f"domains[{d.name!r}].p" if d.name else "domain p", d.p)
            members = list(d.nodes)
            if not members:
                raise invalid("domains", d, "domains with at least one node")
            unknown = [x for x in members if x not in index]
            if unknown:
                raise invalid(
                    "domains",
                    d.name or d,
                    f"domains over the structure's nodes (unknown: {unknown!r})",
                )
            mask = np.zeros(len(index), dtype=bool)
            mask[[index[x] for x in members]] = True
            out.append((mask, q))
    if beta is not None:
        b = check_probability("beta", beta)
        if b > 0:
            out.append((np.ones(len(index), dtype=bool), b * float(p.mean())))
    return out


def _prepare(
    system: Any, p: Any, beta: Any, domains: Any
) -> tuple[Structure, np.ndarray, list[tuple[np.ndarray, float]]]:
    structure = as_structure(system)
    probs = node_probabilities(structure, p)
    doms = _domains(structure, domains, beta, probs)
    if beta is not None:
        probs = probs * (1.0 - float(beta))
    return structure, probs, doms


# --------------------------------------------------------------------------- exact engine (enumeration here;
# the Poisson-binomial kernels are in _poisson.py, the factoring compiler in _compiler.py)
def _packed_eval(tree: Tree, cols: list[np.ndarray], ones: np.ndarray) -> np.ndarray:
    """Value of a compiled tree on bit-packed states: bit r of word w is state 64·w + r.

    ``cols[i]`` holds node i's up-bits; all-of is AND, any-of is OR, and
    "at least k of m" keeps bit-vectors a_j = "at least j children so far
    hold", updated per child x as a_j |= a_(j−1) & x (O(m·k) word operations).
    """
    if tree[0] == "n":
        return cols[tree[1]]
    k, kids = tree[1], tree[2]
    if k <= 0:
        return ones
    if k > len(kids):
        return np.zeros_like(ones)
    vals = [_packed_eval(ch, cols, ones) for ch in kids]
    if k == len(kids):
        return np.bitwise_and.reduce(vals) if len(vals) > 1 else vals[0]
    if k == 1:
        return np.bitwise_or.reduce(vals) if len(vals) > 1 else vals[0]
    at_least = [ones] + [np.zeros_like(ones) for _ in range(k)]
    for m, x in enumerate(vals, 1):
        for j in range(min(m, k), 0, -1):
            at_least[j] = at_least[j] | (at_least[j - 1] & x)
    return at_least[k]


def _enumerate(tree: Tree, P: np.ndarray) -> np.ndarray:
    """Exact P(S) by summing the probabilities of all failed states, 2**n of them, vectorized.

    States are split into low bits (nodes 0..low−1, within a chunk) and high
    bits (the chunk); the structure is evaluated on bit-packed states (64 per
    machine word) and the failed states' mass is (failed low patterns) @
    P(low pattern), times P(high pattern).
    """
    n, B = P.shape
    if n > MAX_ENUMERATION_NODES:
        raise InfeasibleError(
            f"enumeration over {n} nodes needs 2**{n} states "
            f"(limit {MAX_ENUMERATION_NODES} nodes); use method='exact' or 'montecarlo'"
        )
    low = min(n, 14)
    high = n - low

    def table(cols: range) -> np.ndarray:  # probability of each bit pattern of the nodes in cols
        t = np.ones((1, B))
        for j in cols:
            t = np.concatenate([t * P[j], t * (1.0 - P[j])])  # bit 0 = down, bit 1 = up
        return t

    t_low, t_high = table(range(low)), table(range(low, n))
    if low < 6:  # fewer than 64 low patterns: evaluate on a plain boolean matrix
        live = ((np.arange(2**n)[:, None] >> np.arange(n)) & 1).astype(bool)
        failed = ~evaluate_tree(tree, live)
        return np.asarray(failed.astype(float) @ table(range(n)))
    words = 2**low // 64
    r = np.arange(64, dtype=np.uint64)
    w = np.arange(words)
    low_cols = []
    for j in range(low):  # node j's up-bit over the low patterns 64·w + r
        if j < 6:
            word = np.bitwise_or.reduce(((r >> np.uint64(j)) & np.uint64(1)) << r)
            low_cols.append(np.full(words, word, dtype=np.uint64))
        else:
            low_cols.append(np.where((w >> (j - 6)) & 1, ~np.uint64(0), np.uint64(0)).astype(np.uint64))
    chunk = max(1, 2**20 // 2**low)
    total = np.zeros(B)
    for h0 in range(0, 2**high, chunk):
        hs = np.arange(h0, min(2**high, h0 + chunk))
        ones = np.full((hs.size, words), ~np.uint64(0), dtype=np.uint64)
        cols = [np.broadcast_to(c, (hs.size, words)) for c in low_cols]
        for j in range(high):  # a high node's bit is constant within a chunk row
            up = ((hs >> j) & 1).astype(bool)
            cols.append(np.where(up[:, None], ones, np.uint64(0)))
        failed = ~_packed_eval(tree, cols, ones)
        bits = np.unpackbits(np.ascontiguousarray(failed).view(np.uint8), axis=1, bitorder="little")
        mass = bits.astype(float) @ t_low  # (hs, B)
        total += (mass * t_high[hs]).sum(axis=0)
    return total


def _tree_size(tree: Tree) -> int:
    return 1 if tree[0] == "n" else 1 + sum(_tree_size(ch) for ch in tree[2])


def _auto_budget(structure: Structure) -> int:
    """Factoring steps "auto" allows: no more than enumeration would cost, when it can enumerate.

    Enumeration costs about 2ⁿ/64 words × (size of the expression) word
    operations; once factoring has spent that many steps' worth, enumerating
    is the cheaper exact method (at least 200 steps are always allowed).
    """
    n = structure.n
    if n > MAX_ENUMERATION_NODES:
        return AUTO_FACTORING_BUDGET
    cost = max(1, 2**n // 64) * _tree_size(structure.tree())
    return int(min(AUTO_FACTORING_BUDGET, max(200, cost // WORD_OPS_PER_STEP)))


def _exact_fail(structure: Structure, P: np.ndarray, method: str) -> np.ndarray:
    """P(S) for node failure probabilities P (n, B) by ``method`` (not montecarlo); (B,)."""
    if method == "enumeration":
        return _enumerate(structure.tree(), P)
    if method == "recursion" and not structure.is_read_once():
        raise invalid(
            "method",
            method,
            "'recursion' only for read-once structures (each node once); use 'exact' or 'factoring'",
        )
    if method != "auto":
        return _plan(structure, None).evaluate(P)
    # auto: recursion/factoring within a budget, then enumeration
    try:
        return _plan(structure, lambda: _auto_budget(structure)).evaluate(P)
    except _BudgetExceeded:
        pass
    if P.shape[0] <= MAX_ENUMERATION_NODES:
        return _enumerate(structure.tree(), P)
    raise _BudgetExceeded


def _with_domains(
    structure: Structure, P: np.ndarray, doms: list[tuple[np.ndarray, float]], method: str
) -> np.ndarray:
    """Condition on the 2**D joint domain states; P is (n, B).  Returns (B,)."""
    if not doms:
        return _exact_fail(structure, P, method)
    D = len(doms)
    if D > MAX_DOMAINS:
        raise InfeasibleError(
            f"{D} failure domains need 2**{D} conditionings (limit {MAX_DOMAINS}); use method='montecarlo'"
        )
    n, B = P.shape
    states = ((np.arange(2**D)[:, None] >> np.arange(D)) & 1).astype(bool)  # True = domain down
    weights = np.ones(2**D)
    down = np.zeros((2**D, n), dtype=bool)
    for d, (mask, q) in enumerate(doms):
        weights *= np.where(states[:, d], q, 1.0 - q)
        down |= states[:, d, None] & mask[None, :]
    keep = weights > 0
    weights, down = weights[keep], down[keep]
    S = weights.size
    # batch column (s, b): node i fails surely if its domain is down in state s
    PP = np.where(down.T[:, :, None], 1.0, P[:, None, :]).reshape(n, S * B)
    f = _exact_fail(structure, PP, method).reshape(S, B)
    return np.asarray((weights[:, None] * f).sum(axis=0))


# --------------------------------------------------------------------------- public API
def _check_method(method: Any) -> str:
    return check_choice("method", method, METHODS)


def failure_probability(
    system: Any,
    p: Any,
    *,
    beta: float | None = None,
    method: str = "auto",
    seed: Seed = None,
    domains: Any = None,
    samples: int | None = None,
) -> float:
    """P(S): the probability that ``system`` cannot serve (no live quorum).

    Peleg & Wool's F_p; the seed article's P(S), with F(S) = 1 − P(S).

    Model: node i is down with probability ``p_i``, independently (``p`` is a
    float, a sequence in ``structure.nodes`` order, or {node: p}).
    ``domains`` ({name: (nodes, q)} or a list of :class:`Domain`): domain d
    is down with probability q_d, independently, and takes all its nodes
    down.  ``beta`` (beta-factor common cause over all nodes): with
    probability β·p̄ (p̄ = mean of p) every node fails at once; otherwise each
    node fails alone with (1 − β)·p_i.

    Methods: ``"recursion"`` (read-once: each node once): all-of fails with
    1 − ∏(1 − f_j), any-of with ∏ f_j, choose(k) with P(fewer than k children up)
    from the Poisson-binomial distribution in O(n·k) (past 4·10⁶ DP updates: the
    binomial tail for equal p, else a tilted divide-and-conquer FFT in O(n log² n),
    relative error ≤ 1e-9, see :func:`syncmodel._stats.lower_tail`); ``"factoring"``/``"exact"``:
    P(S) = p_i·P(S | i down) + (1 − p_i)·P(S | i up) on repeated nodes, with
    memoization and splitting into node-disjoint parts; before factoring, a
    threshold X = choose(k, X_1..X_b) joined with children that each sit in
    one X_t's block is split block by block (a grid's reads * writes:
    P(S) = 1 − ∏(1 − p^c) + ∏(1 − p^c − q^c) at one p, no factoring step;
    see :func:`_blocks_fail`); ``"enumeration"``: sum
    over the 2ⁿ states (n ≤ 24); ``"montecarlo"``: ``samples`` draws (default
    10⁶), see :func:`failure_probability_mc`; ``"auto"``: factoring within a
    budget (for n ≤ 24: no more steps than enumeration would cost), then
    enumeration, then Monte Carlo with a RuntimeWarning.
    Domains are exact by conditioning on their 2^D joint states.

    Worked case: a majority of 3 at p = 0.1 fails when ≥ 2 nodes are down:
    3p²(1 − p) + p³ = 0.028, so F(S) = 0.972.

    >>> from syncmodel.structure import choose
    >>> round(failure_probability(choose(2, 3), 0.1), 12)
    0.028
    """
    method = _check_method(method)
    if method == "montecarlo":
        return failure_probability_mc(
            system,
            p,
            beta=beta,
            domains=domains,
            seed=seed,
            samples=DEFAULT_SAMPLES if samples is None else samples,
        ).estimate
    structure = as_structure(system)
    if beta is None and domains is None and method != "enumeration":
        # fast path: one vector of independent probabilities, on Python floats (on a numpy
        # column for large structures, where list conversions would cost more than the maths)
        large = structure.n > SCALAR_MAX_NODES
        pvec: Any = normalise_p(structure.nodes, p) if large else normalise_p_list(structure.nodes, p)
        if method == "recursion" and not structure.is_read_once():
            _exact_fail(structure, np.zeros((structure.n, 1)), method)  # raises
        try:
            plan = _plan(structure, (lambda: _auto_budget(structure)) if method == "auto" else None)
            return float(plan.evaluate(pvec[:, None])[0]) if large else plan.evaluate_scalar(pvec)
        except _BudgetExceeded:
            pass
    structure, probs, doms = _prepare(structure, p, beta, domains)
    try:
        return float(_with_domains(structure, probs[:, None], doms, method)[0])
    except _BudgetExceeded:
        n_samples = DEFAULT_SAMPLES if samples is None else samples
        warnings.warn(
            f"no affordable exact method for this structure ({structure.n} nodes); "
            f"returning a Monte Carlo estimate from {n_samples} samples",
            RuntimeWarning,
            stacklevel=2,
        )
        return failure_probability_mc(
            system, p, beta=beta, domains=domains, seed=seed, samples=n_samples
        ).estimate


def fault_tolerance(
    system: Any,
    p: Any,
    *,
    beta: float | None = None,
    method: str = "auto",
    seed: Seed = None,
    domains: Any = None,
    samples: int | None = None,
) -> float:
    """F(S) = 1 − P(S): the probability that ``system`` can serve (its availability).

    Same arguments as :func:`failure_probability` (whose P(S) is Peleg & Wool's
    F_p; this F(S) is the seed article's fault tolerance, the complement).
    Worked case: a majority of 5 at p = 0.1 has F(S) = Σ_{j≤2} C(5, j)·0.1^j·0.9^(5−j) = 0.99144.

    >>> from syncmodel.structure import majority_of
    >>> round(fault_tolerance(majority_of(5), 0.1), 12)
    0.99144
    """
    return 1.0 - failure_probability(
        system, p, beta=beta, method=method, seed=seed, domains=domains, samples=samples
    )


def failure_curve(
    system: Any,
    ps: Sequence[float] | np.ndarray,
    *,
    beta: float | None = None,
    domains: Any = None,
    method: str = "exact",
) -> np.ndarray:
    """P(S) at each homogeneous node failure probability in ``ps``, computed in one vectorized pass.

    The exact engine carries a batch axis, so a whole curve costs about as
    much as one point.  ``beta`` and ``domains`` are as in
    :func:`failure_probability` (domain probabilities fixed; beta scales with p).
    Example: ``failure_curve(choose(2, 3), [0.1, 0.5])`` is [0.028, 0.5].

    >>> from syncmodel.structure import choose
    >>> [round(float(x), 12) for x in failure_curve(choose(2, 3), [0.1, 0.5])]
    [0.028, 0.5]
    """
    method = _check_method(method)
    if method in ("montecarlo", "auto"):
        raise invalid("method", method, "an exact method: 'exact', 'recursion', 'factoring' or 'enumeration'")
    structure = as_structure(system)
    arr = float_array("ps", ps, "a non-empty sequence of probabilities in [0, 1]").reshape(-1)
    if arr.size == 0 or not np.all((arr >= 0) & (arr <= 1)):
        raise invalid("ps", ps, "a non-empty sequence of probabilities in [0, 1]")
    n = structure.n
    doms = _domains(structure, domains, None, np.zeros(n))
    if beta is not None:
        b = check_probability("beta", beta)
        out = np.empty(arr.size)
        for j, pj in enumerate(arr):  # the common-cause event probability changes with p
            d = [*doms, (np.ones(n, dtype=bool), b * pj)] if b > 0 else doms
            P = np.full((n, 1), pj * (1 - b))
            out[j] = _with_domains(structure, P, d, method)[0]
        return out
    P = np.broadcast_to(arr, (n, arr.size)).copy()
    return _with_domains(structure, P, doms, method)


# --------------------------------------------------------------------------- Monte Carlo
class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, show: bool, desc: str) -> Any:
    """A tqdm bar over ``total`` when ``show`` (and tqdm is installed), else a no-op."""
    if show:
        try:
            from tqdm.auto import tqdm
        except ImportError:  # pragma: no cover - tqdm is a dependency
            return _NoBar()
        return tqdm(total=total, desc=desc, unit="sample")
    return _NoBar()


@dataclass(frozen=True)
class MonteCarloResult:
    """A Monte Carlo estimate of P(S) with its confidence interval: ``failures`` of
    ``samples`` draws failed, ``estimate`` = failures / samples in [``low``, ``high``] at
    ``confidence`` (``interval``: "wilson" or "exact"), drawn with ``seed``."""

    estimate: float
    low: float
    high: float
    samples: int
    failures: int
    confidence: float
    interval: str
    seed: Seed = None

    def __float__(self) -> float:
        return self.estimate

    def to_frame(self) -> pd.DataFrame:
        """The estimate as one table row, with its interval, counts and seed."""
        import pandas as pd

        return pd.DataFrame([{"estimate": self.estimate, "low": self.low, "high": self.high,
                              "samples": self.samples, "failures": self.failures,
                              "confidence": self.confidence, "interval": self.interval, "seed": self.seed}])

    def covers(self, value: float) -> bool:
        """Whether ``value`` lies in [low, high]."""
        return self.low <= value <= self.high


def _interval(failures: int, trials: int, confidence: float, kind: str) -> tuple[float, float]:
    m = trials
    if kind == "wilson":
        z = NormalDist().inv_cdf(0.5 + confidence / 2)
        lo, hi = wilson_interval(failures / m, m, z)
        return float(lo), float(hi)
    from scipy.stats import beta as beta_dist  # Clopper–Pearson: exact, conservative

    alpha = 1 - confidence
    lo = 0.0 if failures == 0 else float(beta_dist.ppf(alpha / 2, failures, m - failures + 1))
    hi = 1.0 if failures == m else float(beta_dist.ppf(1 - alpha / 2, failures + 1, m - failures))
    return lo, hi


def failure_probability_mc(
    system: Any,
    p: Any,
    *,
    samples: int = DEFAULT_SAMPLES,
    confidence: float = 0.95,
    interval: str = "wilson",
    beta: float | None = None,
    domains: Any = None,
    seed: Seed = None,
    chunk: int | None = None,
    max_draws: int = MC_MAX_DRAWS,
) -> MonteCarloResult:
    """Monte Carlo P(S) with a confidence interval, same model as :func:`failure_probability`.

    Each sample draws every domain (down with q_d) and every node (down with
    p_i, or (1 − β)·p_i), marks the nodes of down domains down, and evaluates
    the structure on the live matrix, vectorized in chunks.  The estimate is
    the failed fraction X/N; the interval is Wilson's score interval
    (``interval="wilson"``) or Clopper–Pearson (``"clopper-pearson"``, exact
    and conservative).  Same seed, same numbers.  Example: a majority of 3 at
    p = 0.1 gives about 0.028 ± 0.0003 from 10⁶ samples.
    Chunks hold about 2²² node draws whatever n (memory, not rows); more than
    ``max_draws`` node draws (samples × n) raise ResourceLimitError up front; past 10⁹
    draws a progress bar (tqdm) shows on stderr.
    """
    samples = check_int("samples", samples, 1, 2**53)  # chunked: more than MAX_COUNT is fine
    if check_real("confidence", confidence, 0.0, 1.0, lo_open=True) == 1.0:
        raise invalid("confidence", confidence, "in (0, 1)")
    interval = check_choice("interval", interval, ("wilson", "clopper-pearson"))
    max_draws = check_int("max_draws", max_draws, 1, hi=None)
    structure, probs, doms = _prepare(system, p, beta, domains)
    rng = as_generator(seed)
    tree = structure.tree()
    n = structure.n
    if chunk is None:  # by memory: ~MC_CHUNK_CELLS node draws (8 + 1 bytes each) per chunk
        chunk = max(1, MC_CHUNK_CELLS // max(n, 1))
    chunk = check_int("chunk", chunk, 1)
    draws = int(samples) * max(n, 1)
    if draws > max_draws:
        raise too_big(f"failure_probability_mc over {n} nodes × {int(samples)} samples",
                      f"{draws:.3g} node draws (~{draws / MC_DRAWS_PER_S:.3g} s here)",
                      f"use fewer samples, the exact method, or max_draws ≥ {draws}")
    bar = _progress(int(samples), draws >= MC_PROGRESS_DRAWS, "Monte Carlo samples")
    masks = np.array([m for m, _ in doms]) if doms else None
    qs = np.array([q for _, q in doms]) if doms else None
    failures = 0
    remaining = int(samples)
    while remaining:
        m = min(int(chunk), remaining)
        live = rng.random((m, n)) >= probs
        if masks is not None and qs is not None:
            dom_down = rng.random((m, len(qs))) < qs
            # Count the down domains covering each node in float64 (exact up to 2^53
            # domains): a narrow integer counter wraps at 256 domains and marks nodes live.
            live &= (dom_down.astype(np.float64) @ masks.astype(np.float64)) == 0
        failures += int(m - np.count_nonzero(evaluate_tree(tree, live)))
        remaining -= m
        bar.update(m)
    bar.close()
    lo, hi = _interval(failures, int(samples), float(confidence), interval)
    return MonteCarloResult(
        failures / int(samples), lo, hi, int(samples), failures, float(confidence), interval, seed
    )
