"""The one place random generators are made.

Every stochastic function takes ``seed`` (an int, a ``SeedSequence``, a
``numpy.random.Generator`` or None) and turns it into a generator here;
replications get independent child streams from ``SeedSequence.spawn``.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._deprecate import renamed_keywords
from .errors import check_int, invalid

__all__ = ["Seed", "as_generator", "check_seed", "seed_sequence", "spawn", "spawn_ints"]


Seed = int | np.random.SeedSequence | np.random.Generator | None


def as_generator(seed: Seed = None) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` for ``seed``.

    A Generator is returned as is (the caller's stream continues); an int or a
    SeedSequence seeds a fresh PCG64; None draws fresh OS entropy.

    >>> bool(as_generator(7).integers(0, 100) == as_generator(7).integers(0, 100))
    True
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        if seed < 0:
            raise invalid("seed", seed, "a non-negative int, a Generator or None")
        return np.random.default_rng(int(seed))
    raise invalid("seed", seed, "a non-negative int, a SeedSequence, a Generator or None")


def seed_sequence(seed: Seed = None) -> np.random.SeedSequence:
    """Return a SeedSequence for ``seed`` (a Generator contributes its next 128 bits)."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        return np.random.SeedSequence(int(seed.integers(0, 2**63)))
    if seed is None:
        return np.random.SeedSequence()
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and seed >= 0:
        return np.random.SeedSequence(int(seed))
    raise invalid("seed", seed, "a non-negative int, a SeedSequence, a Generator or None")


@renamed_keywords(n="count")
def spawn(seed: Seed, count: int) -> list[np.random.SeedSequence]:
    """Return ``count`` independent child SeedSequences of ``seed``.

    Child ``i`` is the same whatever the order in which children are used,
    so replications give identical numbers on any executor.  (``count`` was ``n``, the
    vocabulary's node count; ``n=`` still works, with a DeprecationWarning.)

    >>> a, b = spawn(7, 2)
    >>> spawn(7, 3)[1].entropy == b.entropy, a.spawn_key, b.spawn_key
    (True, (0,), (1,))
    """
    return seed_sequence(seed).spawn(check_int("count", count, 0))


@renamed_keywords(n="count")
def spawn_ints(seed: Seed, count: int) -> list[int]:
    """Return ``count`` reproducible int seeds (63-bit), one per child stream of ``seed``."""
    return [int(child.generate_state(1, np.uint64)[0] >> np.uint64(1)) for child in spawn(seed, count)]


def check_seed(seed: object) -> None:
    """Refuse, naming ``seed``, anything :func:`as_generator` would not take (a negative int,
    a bool, a float, a string) — without drawing from a Generator.

    >>> check_seed(3); check_seed(None)
    >>> check_seed(-1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    syncmodel.errors.InvalidParameterError: seed must be a non-negative int, ..., got -1
    """
    if seed is None or isinstance(seed, (np.random.Generator, np.random.SeedSequence)):
        return
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and int(seed) >= 0:
        return
    raise invalid("seed", seed, "a non-negative int, a SeedSequence, a Generator or None")
