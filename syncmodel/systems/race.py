"""The read race behind a follower's stale read: the follower's apply against the client's round trip.

:class:`ReadRace` holds the times (one-way hop, the client's round trip, the follower's stall)
and :meth:`ReadRace.stale` gives P(apply lag > t + client turnaround) in closed form; the
systems whose followers trail the acknowledgement by one hop (etcd, ZooKeeper, Redis) use it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import check_probability, check_real

__all__ = ["ReadRace"]


def _tail(x: float, a: float, b: float) -> float:
    """P(A + B > x) for independent A ~ Exp(mean a), B ~ Exp(mean b), x ≥ 0 (a, b ≥ 0; 0 = no delay)."""
    if a == 0.0 and b == 0.0:
        return 0.0
    if a == 0.0 or b == 0.0:
        m = a + b
        return math.exp(-x / m)
    if abs(a - b) <= 1e-9 * max(a, b):
        return (1.0 + x / a) * math.exp(-x / a)
    return (b * math.exp(-x / b) - a * math.exp(-x / a)) / (b - a)


@dataclass(frozen=True)
class ReadRace:
    """A read at a follower issued ``t`` ms after the client saw the write acknowledged.

    Times are counted from the moment the leader (master) sends the acknowledgement.

    * The follower applies the write D ms later, D = H + J·B: H ~ Exp(mean ``latency_ms``) is
      the one hop that carries the commit to it (Raft's append with the new commit index,
      ZAB's COMMIT, the Redis replication stream — each sent when the leader replies);
      J ~ Bernoulli(``stall_probability``) says the follower is still busy when it arrives
      (etcd: writing the entry to its own WAL — it applies only after that write), and
      B ~ Exp(mean ``stall_ms``) is what remains of that work.
    * The client's read reaches the follower t + C ms later: C is the ack's way back plus
      the read's way out.  ``rtt_ms`` None: C = A + R with A, R ~ Exp(mean ``latency_ms``)
      (the same hops as the follower's); a number: C = ``rtt_ms`` (a measured round trip).
    * The read is stale iff D > t + C.

    Formula (S(x) = P(D > x), L(s) = E[e^(−sC)]: (1 + sℓ)^−2 for C = A + R, e^(−s·rtt) for a
    constant), with ℓ = latency_ms, q = stall_probability, b = stall_ms:
    P = (1 − q)·e^(−t/ℓ)·L(1/ℓ) + q·(b·e^(−t/b)·L(1/b) − ℓ·e^(−t/ℓ)·L(1/ℓ))/(b − ℓ)
    (b = ℓ: the Erlang-2 limit; ℓ = 0 or b = 0: that delay is absent).
    Assumptions: the hops and the stall are independent and exponential; the follower applies
    in log order; the read is served by the follower's applied state (no read barrier).  A
    stall only makes reads stale where the follower serves reads while its apply waits (etcd:
    the gateway and range goroutines run while the raft loop is in its WAL write); a follower
    that handles its input in arrival order (Redis's one event loop) serves a commit that
    arrived first before a later read, however late it runs — there only the hop counts, and
    a lag measured up to the follower's notification is an upper bound.
    Worked case: ℓ = 1 ms, no stall, C = A + R, t = 0: e^0·(1/2)² = 0.25; with a measured
    rtt of 1 ms instead: e^−1 = 0.368; ℓ = 0.05, q = 0.2, b = 2 ms, rtt = 1 ms, t = 1:
    0.2·2·e^(−1)/1.95 = 0.0755 (the bare hop's e^(−40) vanishes: only a stalled follower is late).

    >>> round(ReadRace(1.0).stale(0.0), 12), round(ReadRace(1.0, rtt_ms=1.0).stale(0.0), 6)
    (0.25, 0.367879)
    >>> round(ReadRace(0.05, rtt_ms=1.0, stall_probability=0.2, stall_ms=2.0).stale(1.0), 4)
    0.0755
    """

    latency_ms: float = 1.0
    rtt_ms: float | None = None
    stall_probability: float = 0.0
    stall_ms: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "latency_ms", check_real("latency_ms", self.latency_ms, 0.0) + 0.0)
        if self.rtt_ms is not None:
            object.__setattr__(self, "rtt_ms", check_real("rtt_ms", self.rtt_ms, 0.0) + 0.0)
        object.__setattr__(self, "stall_probability",
                           check_probability("stall_probability", self.stall_probability))
        object.__setattr__(self, "stall_ms", check_real("stall_ms", self.stall_ms, 0.0) + 0.0)

    def _laplace(self, s: float) -> float:
        """E[e^(−sC)] of the client turnaround C."""
        if self.rtt_ms is not None:
            return math.exp(-s * self.rtt_ms)
        return 1.0 / (1.0 + s * self.latency_ms) ** 2

    def _mean_exp(self, t: float, m: float) -> float:
        """E[e^(−(t + C)/m)] (0 when m = 0: a delay that is absent never exceeds t + C ≥ 0,
        except at t + C = 0, which has probability 0 unless C is the constant 0)."""
        if m == 0.0:
            return 0.0
        return math.exp(-t / m) * self._laplace(1.0 / m)

    def stale(self, t_ms: float) -> float:
        """P(the read issued ``t_ms`` after the acknowledgement is served before the follower applies)."""
        t = check_real("t_ms", t_ms, 0.0) + 0.0
        a, b, q = self.latency_ms, self.stall_ms, self.stall_probability
        hop = self._mean_exp(t, a)
        if q == 0.0 or b == 0.0:
            return hop
        if a == 0.0:
            both = self._mean_exp(t, b)
        elif abs(a - b) <= 1e-9 * max(a, b):
            # Erlang-2: S(x) = (1 + x/a)e^(−x/a); E[(t + C)e^(−(t+C)/a)]/a by the turnaround's law
            if self.rtt_ms is not None:
                c = self.rtt_ms
                both = (1.0 + (t + c) / a) * math.exp(-(t + c) / a)
            else:  # C ~ Gamma(2, a): E[e^(−C/a)] = 1/4, E[C e^(−C/a)] = 2a/8
                both = math.exp(-t / a) * ((1.0 + t / a) * 0.25 + 0.25)
        else:
            both = (b * self._mean_exp(t, b) - a * hop) / (b - a)
        return (1.0 - q) * hop + q * both

    def tail(self, x_ms: float) -> float:
        """P(D > x): the apply lag's survival function (no client turnaround)."""
        x = check_real("x_ms", x_ms, 0.0) + 0.0
        q = self.stall_probability
        return (1.0 - q) * _tail(x, self.latency_ms, 0.0) + q * _tail(x, self.latency_ms, self.stall_ms)
