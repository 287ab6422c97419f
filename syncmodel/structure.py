"""Structure expressions: which sets of live nodes let a system serve.

A structure is a monotone Boolean function of node states written as an
expression: ``Node("a")``, ``a * b`` (all of), ``a + b`` (any of),
``choose(k, xs)`` (at least k of), or an explicit list of node sets.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Hashable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import Any

import numpy as np

from ._deprecate import renamed_function
from .errors import (
    InfeasibleError,
    InvalidParameterError,
    check_collection,
    check_hashable,
    check_int,
    invalid,
    is_iterable,
    too_big,
)

__all__ = [
    "Choose",
    "Node",
    "Sets",
    "Structure",
    "all_of",
    "any_of",
    "as_structure",
    "choose",
    "from_sets",
    "grid",
    "grid_of",
    "majority",
    "majority_of",
    "minimal_transversals",
    "minimize",
    "nodes",
]

#: default largest number of minimal path/cut sets listed before giving up
MAX_SETS = 200_000
#: most subset tests :func:`minimal_transversals` does before ResourceLimitError (~10 s)
MAX_TRANSVERSAL_WORK = 100_000_000

# --------------------------------------------------------------------------- compiled form
# Internally an expression is compiled to nested tuples over node indices:
#   ("n", i)                a node (column i of a live-state matrix)
#   ("c", k, (child, ...))  at least k of the children; all-of is k = len, any-of is k = 1
# TRUE is ("c", 0, ()) and FALSE is ("c", 1, ()).  Children are sorted, so equal
# expressions compile to equal (hashable) tuples; failure.py memoizes on them.
Tree = tuple[Any, ...]
TRUE: Tree = ("c", 0, ())
FALSE: Tree = ("c", 1, ())


def make_choose(k: int, children: Iterable[Tree]) -> Tree:
    """Build ``("c", k, children)`` simplified: constants folded, nesting flattened."""
    kids: list[Tree] = []
    for ch in children:
        if ch == TRUE:
            k -= 1
        elif ch == FALSE:
            continue
        else:
            kids.append(ch)
    if k <= 0:
        return TRUE
    if k > len(kids):
        return FALSE
    if len(kids) == 1:
        return kids[0]
    n = len(kids)
    if k in (1, n):  # flatten all-of inside all-of and any-of inside any-of
        flat: list[Tree] = []
        for ch in kids:
            if (
                ch[0] == "c"
                and len(ch[2]) > 1
                and ((k == n and ch[1] == len(ch[2])) or (k == 1 and ch[1] == 1))
            ):
                flat.extend(ch[2])
            else:
                flat.append(ch)
        if len(flat) != n:
            k = len(flat) if k == n else 1
            kids = flat
    kids.sort()
    return ("c", k, tuple(kids))


def tree_nodes(tree: Tree) -> set[int]:
    """Indices of the nodes a compiled tree mentions."""
    if tree[0] == "n":
        return {tree[1]}
    out: set[int] = set()
    for ch in tree[2]:
        out |= tree_nodes(ch)
    return out


def tree_counts(tree: Tree, counts: dict[int, int] | None = None) -> dict[int, int]:
    """How many times each node index occurs in a compiled tree."""
    counts = {} if counts is None else counts
    if tree[0] == "n":
        counts[tree[1]] = counts.get(tree[1], 0) + 1
    else:
        for ch in tree[2]:
            tree_counts(ch, counts)
    return counts


def substitute(tree: Tree, i: int, up: bool) -> Tree:
    """The tree with node ``i`` fixed live (``up``) or dead, simplified."""
    if tree[0] == "n":
        return (TRUE if up else FALSE) if tree[1] == i else tree
    return make_choose(tree[1], (substitute(ch, i, up) for ch in tree[2]))


def evaluate_tree(tree: Tree, live: np.ndarray) -> np.ndarray:
    """Vectorized value of a compiled tree on the rows of a boolean matrix ``live``."""
    m = live.shape[0]
    if tree[0] == "n":
        return np.asarray(live[:, tree[1]], dtype=bool)
    k, kids = tree[1], tree[2]
    if not kids:
        return np.full(m, k <= 0)
    if all(ch[0] == "n" for ch in kids):
        cols = live[:, [ch[1] for ch in kids]]
        if k == len(kids):
            return np.asarray(cols.all(axis=1))
        if k == 1:
            return np.asarray(cols.any(axis=1))
        return np.asarray(np.count_nonzero(cols, axis=1) >= k)
    if k == len(kids):
        out = evaluate_tree(kids[0], live)
        for ch in kids[1:]:
            out &= evaluate_tree(ch, live)
        return out
    if k == 1:
        out = evaluate_tree(kids[0], live)
        for ch in kids[1:]:
            out |= evaluate_tree(ch, live)
        return out
    count = np.zeros(m, dtype=np.int32)
    for ch in kids:
        count += evaluate_tree(ch, live)
    return count >= k


# --------------------------------------------------------------------------- expressions
class Structure:
    """Base class of structure expressions (immutable, hashable).

    ``a * b`` is all of a and b, ``a + b`` any of them.  ``.nodes`` lists the
    nodes in first-appearance order; it is the column order of the live-state
    matrices :meth:`evaluate` takes.
    """

    __slots__ = ("_cache",)

    # -- algebra
    def __mul__(self, other: Any) -> Structure:
        return all_of([self, _wrap(other)])

    def __rmul__(self, other: Any) -> Structure:
        return all_of([_wrap(other), self])

    def __add__(self, other: Any) -> Structure:
        return any_of([self, _wrap(other)])

    def __radd__(self, other: Any) -> Structure:
        return any_of([_wrap(other), self])

    # -- to be provided by subclasses
    def _children_nodes(self) -> Iterable[Hashable]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _compile(self, index: Mapping[Hashable, int]) -> Tree:  # pragma: no cover - abstract
        raise NotImplementedError

    def dual(self) -> Structure:  # pragma: no cover - abstract
        """The dual structure: it is satisfied by a set X iff self is not by the complement of X."""
        raise NotImplementedError

    # -- derived
    def _cached(self, key: str, fn: Any) -> Any:
        try:
            cache = object.__getattribute__(self, "_cache")
        except AttributeError:
            cache = {}
            object.__setattr__(self, "_cache", cache)
        if key not in cache:
            cache[key] = fn()
        return cache[key]

    @property
    def nodes(self) -> tuple[Hashable, ...]:
        """The nodes, each once, in first-appearance order."""
        return self._cached("nodes", lambda: tuple(dict.fromkeys(self._children_nodes())))

    @property
    def n(self) -> int:
        """Number of distinct nodes."""
        return len(self.nodes)

    def tree(self, order: Sequence[Hashable] | None = None) -> Tree:
        """The compiled form over node indices in ``order`` (default :attr:`nodes`)."""
        if order is None:
            return self._cached(
                "tree", lambda: self._compile({x: i for i, x in enumerate(self.nodes)})
            )
        order = _check_order(order)
        index = {x: i for i, x in enumerate(order)}
        missing = [x for x in self.nodes if x not in index]
        if missing:
            raise invalid(
                "order", list(order), f"a sequence containing every node (missing {missing!r})"
            )
        return self._compile(index)

    def is_read_once(self) -> bool:
        """True when every node occurs once in the expression (exact recursion applies)."""
        return all(c == 1 for c in tree_counts(self.tree()).values())

    def evaluate(
        self, live: np.ndarray | Sequence[Sequence[bool]], order: Sequence[Hashable] | None = None
    ) -> np.ndarray:
        """Whether each row of the boolean matrix ``live`` satisfies the structure.

        Column j of ``live`` is the state (True = up) of node ``order[j]``
        (default :attr:`nodes`).  A 1-D ``live`` is one state; the result is
        then a 0-d array.  Example: ``(Node("a") * Node("b")).evaluate([[1, 1], [1, 0]])``
        is ``[True, False]``.

        >>> from syncmodel.structure import Node
        >>> (Node('a') * Node('b')).evaluate([[1, 1], [1, 0]]).tolist()
        [True, False]
        """
        arr = np.asarray(live)
        if arr.dtype != bool:
            if not np.issubdtype(arr.dtype, np.number) or not np.all((arr == 0) | (arr == 1)):
                raise invalid(
                    "live", "an array with values other than 0/1/True/False", "a boolean matrix"
                )
            arr = arr.astype(bool)
        one = arr.ndim == 1
        if one:
            arr = arr[None, :]
        if order is not None:
            order = _check_order(order)
        width = len(order) if order is not None else self.n
        if arr.ndim != 2 or arr.shape[1] != width:
            raise invalid(
                "live", f"shape {np.shape(live)}", f"a boolean matrix with {width} columns"
            )
        out = evaluate_tree(self.tree(order), arr)
        return out[0] if one else out

    def is_satisfied(self, live: Iterable[Hashable]) -> bool:
        """Whether the set of live nodes ``live`` contains a quorum (a path set).

        Nodes of ``live`` the structure does not mention are ignored.
        """
        try:
            up = set(live)
        except TypeError:  # not iterable, or an unhashable member
            raise invalid("live", live, "an iterable of node names") from None
        state = np.array([[x in up for x in self.nodes]], dtype=bool)
        return bool(evaluate_tree(self.tree(), state)[0])

    __contains__ = is_satisfied

    def quorums(self, limit: int = MAX_SETS) -> list[frozenset[Hashable]]:
        """The minimal path sets (minimal sets of live nodes that satisfy the structure).

        Sorted by size, then by node order.  Raises :class:`InfeasibleError`
        when there are more than ``limit`` of them (e.g. a majority of 101).
        Example: ``choose(2, "abc").quorums()`` is ``[{a, b}, {a, c}, {b, c}]``.

        >>> from syncmodel.structure import choose
        >>> sorted(sorted(q) for q in choose(2, 'abc').quorums())
        [['a', 'b'], ['a', 'c'], ['b', 'c']]
        """

        limit = check_int("limit", limit, 0)

        def compute() -> list[frozenset[Hashable]]:
            return self._sorted(tree_paths(self.tree(), limit), self.nodes)

        return list(self._cached(f"quorums{limit}", compute))

    min_path_sets = quorums

    def min_cut_sets(self, limit: int = MAX_SETS) -> list[frozenset[Hashable]]:
        """The minimal cut sets: minimal sets of nodes whose failure stops the structure.

        They are the minimal path sets of the dual.  Example: the cuts of
        ``a * (b + c)`` are ``{a}`` and ``{b, c}``.

        >>> from syncmodel.structure import Node
        >>> a, b, c = Node('a'), Node('b'), Node('c')
        >>> sorted(sorted(s) for s in (a * (b + c)).min_cut_sets())
        [['a'], ['b', 'c']]
        """

        limit = check_int("limit", limit, 0)

        def compute() -> list[frozenset[Hashable]]:
            return self._sorted(tree_paths(self.dual().tree(self.nodes), limit), self.nodes)

        return list(self._cached(f"cuts{limit}", compute))

    def resilience(self) -> int:
        """Largest f such that any f failed nodes still leave the structure satisfied.

        It is the size of the smallest minimal cut set minus one.
        """
        return min(len(c) for c in self.min_cut_sets()) - 1

    @staticmethod
    def _sorted(
        sets: Iterable[frozenset[int]], order: Sequence[Hashable]
    ) -> list[frozenset[Hashable]]:
        keyed = sorted((len(s), sorted(s)) for s in sets)
        return [frozenset(order[i] for i in idx) for _, idx in keyed]

    def __repr__(self) -> str:
        return self._repr(top=True)

    def _repr(self, top: bool = False) -> str:  # pragma: no cover - abstract
        raise NotImplementedError


def tree_paths(tree: Tree, limit: int) -> list[frozenset[int]]:
    """Minimal path sets of a compiled tree, as sets of node indices (public for quorum.py).

    Raises InfeasibleError past ``limit`` sets; :meth:`Structure.quorums` maps indices to nodes.
    """
    if tree[0] == "n":
        return [frozenset((tree[1],))]
    k, kids = tree[1], tree[2]
    if k <= 0:
        return [frozenset()]
    if k > len(kids):
        return []
    if all(ch[0] == "n" for ch in kids) and math.comb(len(kids), k) > limit:
        raise InfeasibleError(
            f"the structure has more than limit={limit} minimal sets "
            f"(choose({k}, {len(kids)}) alone has {math.comb(len(kids), k)})"
        )
    child_paths = [tree_paths(ch, limit) for ch in kids]
    out: set[frozenset[int]] = set()
    for combo in itertools.combinations(range(len(kids)), k):
        acc: set[frozenset[int]] = {frozenset()}
        for j in combo:
            acc = {a | b for a in acc for b in child_paths[j]}
            if len(acc) > limit:
                raise InfeasibleError(f"the structure has more than limit={limit} minimal sets")
        out |= acc
        if len(out) > 4 * limit:
            out = set(_minimize(out))
            if len(out) > limit:
                raise InfeasibleError(f"the structure has more than limit={limit} minimal sets")
    result = _minimize(out)
    if len(result) > limit:
        raise InfeasibleError(f"the structure has more than limit={limit} minimal sets")
    return result


class Node(Structure):
    """One node, named by any hashable value (not a structure). Up means satisfied."""

    __slots__ = ("name",)
    name: Hashable

    def __init__(self, name: Hashable) -> None:
        if isinstance(name, Structure):
            raise invalid("name", name, "a hashable node name, not a structure")
        object.__setattr__(self, "name", check_hashable("name", name))

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("structures are immutable")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Node) and other.name == self.name

    def __hash__(self) -> int:
        return hash(("Node", self.name))

    def __reduce__(self) -> tuple[Any, ...]:
        return (Node, (self.name,))

    def _children_nodes(self) -> Iterable[Hashable]:
        return (self.name,)

    def _compile(self, index: Mapping[Hashable, int]) -> Tree:
        return ("n", index[self.name])

    def dual(self) -> Structure:
        return self

    def _repr(self, top: bool = False) -> str:
        return str(self.name) if isinstance(self.name, (str, numbers.Integral)) else repr(self.name)


class Choose(Structure):
    """At least ``k`` of the children are satisfied; all-of is k = len, any-of is k = 1."""

    __slots__ = ("children", "k")
    k: int
    children: tuple[Structure, ...]

    def __init__(self, k: int, children: Iterable[Any]) -> None:
        expected = "a non-empty collection of nodes (hashable names) or structures"
        try:
            kids = tuple([_wrap(c) for c in children])
        except (TypeError, InvalidParameterError):  # not iterable, or an unhashable name
            raise invalid("children", children, expected) from None
        if not kids:
            raise invalid("children", [], expected)
        if not (type(k) is int or (isinstance(k, numbers.Integral) and not isinstance(k, bool))) or not (
            1 <= k <= len(kids)
        ):
            raise invalid("k", k, f"an int in 1..{len(kids)}")
        object.__setattr__(self, "k", int(k))
        object.__setattr__(self, "children", kids)
        object.__setattr__(self, "_cache", {})

    @classmethod
    def _of(cls, k: int, kids: tuple[Structure, ...]) -> Choose:
        """A Choose from already-wrapped children and a k known to lie in 1..len(kids)."""
        self = object.__new__(cls)
        object.__setattr__(self, "k", k)
        object.__setattr__(self, "children", kids)
        object.__setattr__(self, "_cache", {})
        return self

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("structures are immutable")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Choose) and other.k == self.k and other.children == self.children

    def __hash__(self) -> int:
        return hash(("Choose", self.k, self.children))

    def __reduce__(self) -> tuple[Any, ...]:
        return (Choose, (self.k, self.children))

    def _children_nodes(self) -> Iterable[Hashable]:
        # depth-first, left to right, without recursion (deep expressions, fewer frames)
        stack = list(reversed(self.children))
        while stack:
            c = stack.pop()
            if type(c) is Node:
                yield c.name
            elif type(c) is Choose:
                kids = c.children
                if all(type(x) is Node for x in kids):  # a group of nodes: in one step
                    yield from [x.name for x in kids]  # type: ignore[attr-defined]
                else:
                    stack.extend(reversed(kids))
            else:
                yield from c.nodes

    def _compile(self, index: Mapping[Hashable, int]) -> Tree:
        kids = self.children
        if all(type(c) is Node for c in kids):  # fast path: a k-of-n group of nodes
            leaves = sorted({index[c.name] for c in kids})  # type: ignore[attr-defined]
            if len(leaves) == len(kids) and len(kids) > 1:
                return ("c", self.k, tuple(("n", i) for i in leaves))
        return make_choose(self.k, (c._compile(index) for c in kids))

    def dual(self) -> Structure:
        n = len(self.children)
        return Choose(n - self.k + 1, [c.dual() for c in self.children])

    def _repr(self, top: bool = False) -> str:
        n = len(self.children)
        if n == 1:
            return self.children[0]._repr(top)
        if self.k == n:  # * binds tighter than +: a product never needs parentheses
            return " * ".join(c._repr() for c in self.children)
        if self.k == 1:
            s = " + ".join(c._repr() for c in self.children)
            return s if top else f"({s})"
        return f"choose({self.k}, [{', '.join(c._repr(True) for c in self.children)}])"


class Sets(Structure):
    """An explicit family of node sets: satisfied when some listed set is all up.

    Supersets are dropped (the family is kept minimal).  Example:
    ``Sets([{"a", "b"}, {"b", "c"}])`` is the same structure as ``a*b + b*c``.

    >>> from syncmodel.structure import Node
    >>> a, b, c = Node('a'), Node('b'), Node('c')
    >>> s = Sets([{'a', 'b'}, {'b', 'c'}])
    >>> sorted(map(sorted, s.quorums())) == sorted(map(sorted, (a * b + b * c).quorums()))
    True
    """

    __slots__ = ("sets",)
    sets: tuple[tuple[Hashable, ...], ...]

    def __init__(self, sets: Iterable[Iterable[Hashable]]) -> None:
        if isinstance(sets, (str, bytes)) or not is_iterable(sets):
            raise invalid("sets", sets, "a collection of node sets")
        family: list[tuple[Hashable, ...]] = []
        for s in sets:
            if isinstance(s, (str, bytes)) or not is_iterable(s):
                raise invalid("sets", s, "a collection of node sets (found a non-set member)")
            members = tuple(
                dict.fromkeys(
                    _plain_name(x) for x in (s if isinstance(s, Sequence) else _ordered(s))
                )
            )
            if not members:
                raise invalid("sets", s, "non-empty node sets (found an empty one)")
            family.append(members)
        if not family:
            raise invalid("sets", [], "a non-empty collection of node sets")
        keep = set(_minimize(frozenset(m) for m in family))
        out, seen = [], set()
        for m in family:
            f = frozenset(m)
            if f in keep and f not in seen:
                seen.add(f)
                out.append(m)
        object.__setattr__(self, "sets", tuple(out))

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("structures are immutable")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sets) and {frozenset(s) for s in other.sets} == {
            frozenset(s) for s in self.sets
        }

    def __hash__(self) -> int:
        return hash(("Sets", frozenset(frozenset(s) for s in self.sets)))

    def __reduce__(self) -> tuple[Any, ...]:
        return (Sets, (self.sets,))

    def _children_nodes(self) -> Iterable[Hashable]:
        for s in self.sets:
            yield from s

    def _compile(self, index: Mapping[Hashable, int]) -> Tree:
        return make_choose(
            1, (make_choose(len(s), (("n", index[x]) for x in s)) for s in self.sets)
        )

    def dual(self) -> Structure:
        return Sets(self.min_cut_sets())

    def min_cut_sets(self, limit: int = MAX_SETS) -> list[frozenset[Hashable]]:
        def compute() -> list[frozenset[Hashable]]:
            index = {x: i for i, x in enumerate(self.nodes)}
            fam = [frozenset(index[x] for x in s) for s in self.sets]
            return self._sorted(minimal_transversals(fam, limit), self.nodes)

        return list(self._cached(f"cuts{limit}", compute))

    def _repr(self, top: bool = False) -> str:
        inner = ", ".join("{" + ", ".join(Node(x)._repr() for x in s) + "}" for s in self.sets)
        return f"Sets([{inner}])"


# --------------------------------------------------------------------------- helpers
def _plain_name(x: Any) -> Hashable:
    if isinstance(x, Node):
        return x.name
    if isinstance(x, Structure):
        raise invalid("sets", x, "sets of node names (found a structure)")
    return check_hashable("sets", x, "sets of hashable node names")


def _check_order(order: Any) -> list[Hashable]:
    """``order`` as a list of distinct node names, or InvalidParameterError naming it."""
    expected = "None or a sequence of distinct node names"
    items = check_collection("order", order, expected)
    try:
        if len(set(items)) != len(items):
            raise invalid("order", order, expected)
    except TypeError:  # an unhashable name
        raise invalid("order", order, expected) from None
    return items


def _ordered(s: Iterable[Hashable]) -> list[Hashable]:
    items = list(s)
    try:
        return sorted(items)  # type: ignore[type-var]
    except TypeError:
        return sorted(items, key=repr)


def _wrap(x: Any) -> Structure:
    """``x`` itself if it is a structure, else ``Node(x)`` (names that are ints, strs or
    tuples skip Node's checks: they are never structures and are hashable unless a tuple
    holds something unhashable; graphs of thousands of nodes are built this way)."""
    t = type(x)
    if t is int or t is str or t is tuple:
        if t is tuple:
            check_hashable("name", x)
        node = object.__new__(Node)
        object.__setattr__(node, "name", x)  # past the immutability guard, as Node.__init__ does
        return node
    return x if isinstance(x, Structure) else Node(x)


def nodes(*names: Hashable) -> tuple[Node, ...]:
    """``Node`` objects for ``names``: ``a, b, c = nodes("a", "b", "c")``.

    A single int n gives nodes 0..n-1.
    """
    if (
        len(names) == 1
        and isinstance(names[0], numbers.Integral)
        and not isinstance(names[0], bool)
    ):
        count = int(names[0])
        if count < 1:
            raise invalid("n", count, "a positive int")
        return tuple(Node(i) for i in range(count))
    if not names:
        raise invalid("names", names, "at least one node name")
    return tuple(Node(x) for x in names)


def _children(xs: Any, name: str = "xs") -> list[Any]:
    if isinstance(xs, Structure):
        return [xs]
    if isinstance(xs, numbers.Integral) and not isinstance(xs, bool):
        if xs < 1:
            raise invalid(name, xs, "a positive int or a non-empty collection")
        return list(range(check_int(name, xs, 1)))
    if isinstance(xs, str):
        return list(xs)
    if not is_iterable(xs):
        raise invalid(name, xs, "a collection of nodes or structures")
    out = list(xs)
    if not out:
        raise invalid(name, out, "a non-empty collection of nodes or structures")
    return out


def choose(k: int, xs: Any) -> Structure:
    """At least ``k`` of ``xs`` (nodes, names or structures) are satisfied.

    ``xs`` may be an int n (nodes 0..n-1) or a string (one node per
    character).  ``choose(2, 3)`` is the majority of 3: it is satisfied by
    {0, 1}, {0, 2}, {1, 2}; with up-probability q per node it holds with
    probability 3q² − 2q³.  k outside 1..len(xs) raises InvalidParameterError.
    """
    kids = _children(xs)
    if not (type(k) is int or (isinstance(k, numbers.Integral) and not isinstance(k, bool))) or not (
        1 <= k <= len(kids)
    ):
        raise invalid("k", k, f"an int in 1..{len(kids)}")
    if len(kids) == 1:
        return _wrap(kids[0])
    try:
        return Choose._of(int(k), tuple([_wrap(c) for c in kids]))
    except InvalidParameterError:  # an unhashable name
        raise invalid("xs", xs, "a collection of nodes (hashable names) or structures") from None


def all_of(xs: Any) -> Structure:
    """All of ``xs`` must be satisfied (series system); ``a * b`` is ``all_of([a, b])``.

    Nested all-ofs are flattened so that ``a * b * c`` has three children.
    """
    kids = [_wrap(x) for x in _children(xs)]
    flat: list[Structure] = []
    for c in kids:
        if isinstance(c, Choose) and c.k == len(c.children):
            flat.extend(c.children)
        else:
            flat.append(c)
    return flat[0] if len(flat) == 1 else Choose._of(len(flat), tuple(flat))


def any_of(xs: Any) -> Structure:
    """Any one of ``xs`` suffices (parallel system); ``a + b`` is ``any_of([a, b])``."""
    kids = [_wrap(x) for x in _children(xs)]
    flat: list[Structure] = []
    for c in kids:
        if isinstance(c, Choose) and c.k == 1:
            flat.extend(c.children)
        else:
            flat.append(c)
    return flat[0] if len(flat) == 1 else Choose._of(1, tuple(flat))


def majority_of(n_or_nodes: Any) -> Structure:
    """More than half of the nodes: ``choose(n // 2 + 1, nodes)``.

    ``n_or_nodes`` is an int n (nodes 0..n-1) or a collection of nodes.  The structure
    (what must be up) of :func:`syncmodel.quorum.majority`, which builds the quorum
    *system* (reads, writes, load, capacity) whose read and write quorums are this very
    expression.  (This was ``structure.majority``; one name, one return type.)
    Worked case: ``majority_of(4)`` is ``choose(3, 4)``; at p = 0.1 it fails when 2 or more
    of 4 are down: 1 − 0.9⁴ − 4·0.1·0.9³ = 0.0523.

    >>> majority_of(4)
    choose(3, [0, 1, 2, 3])
    """
    kids = _children(n_or_nodes, "n_or_nodes")
    return choose(len(kids) // 2 + 1, kids)


def grid_of(rows: int, cols: int) -> Structure:
    """Availability structure of a rows × cols grid quorum system: reads * writes.

    Node (i, j) sits in row i.  A read quorum is one full row and a write
    quorum one node of every row, so the system can serve both when some row
    is all up and every row has a node up:
    ``any_of(all_of(row) for rows) * all_of(any_of(row) for rows)``.
    With up-probability q per node: P(serve) = (1 − p^c)^r − (1 − p^c − q^c)^r.
    The structure of :func:`syncmodel.quorum.grid`, which builds the quorum system.
    (This was ``structure.grid``; one name, one return type.)
    Worked case: 2 × 2, p = 0.5: (1 − 0.25)² − (1 − 0.25 − 0.25)² = 0.5625 − 0.25 = 0.3125.

    >>> from syncmodel.failure import fault_tolerance
    >>> fault_tolerance(grid_of(2, 2), 0.5)
    0.3125
    """
    for name, v in (("rows", rows), ("cols", cols)):
        check_int(name, v, 1)
    cells = [[(i, j) for j in range(int(cols))] for i in range(int(rows))]
    return all_of([any_of([all_of(r) for r in cells]), *[any_of(r) for r in cells]])


majority = renamed_function(majority_of, "structure.majority",
                            "quorum.majority is the QuorumSystem of the same name")
grid = renamed_function(grid_of, "structure.grid", "quorum.grid is the QuorumSystem of the same name")


def from_sets(sets: Iterable[Iterable[Hashable]]) -> Sets:
    """The structure satisfied when one of the listed node sets is all up."""
    return Sets(sets)


def as_structure(system: Any, name: str = "system") -> Structure:
    """Coerce ``system`` to a :class:`Structure`.

    Accepted: a Structure; any object with a method ``as_structure()``
    returning one (e.g. a ``quorum.QuorumSystem``); an explicit collection of
    node sets.  Anything else raises InvalidParameterError naming ``name``.
    """
    if isinstance(system, Structure):
        return system
    method = getattr(system, "as_structure", None)
    if callable(method):
        out = method()
        if not isinstance(out, Structure):
            raise invalid(name, system, "an object whose as_structure() returns a Structure")
        return out
    if is_iterable(system) and not isinstance(system, (str, bytes, Mapping)):
        items = list(system)
        if items and all(
            is_iterable(s) and not isinstance(s, (str, bytes)) for s in items
        ):
            return Sets(items)
        if not items:
            raise invalid(name, items, "a non-empty structure")
    raise invalid(
        name, system, "a Structure, an object with as_structure(), or a list of node sets"
    )


def minimize(sets: Iterable[frozenset[Any]]) -> list[frozenset[Any]]:
    """Drop every set that strictly contains another (and duplicates).

    Example: ``minimize([{1}, {1, 2}, {3}])`` keeps {1} and {3}, in no promised order (the
    prose used to print them sorted; the list comes out by size, then in set order).

    >>> sorted(minimize([{1}, {1, 2}, {3}]), key=min)
    [frozenset({1}), frozenset({3})]
    """
    expected = "a collection of sets"
    if isinstance(sets, (str, bytes, Mapping)) or not is_iterable(sets):
        raise invalid("sets", sets, expected)
    family = list(sets)
    if not all(isinstance(s, AbstractSet) for s in family):
        raise invalid("sets", sets, expected)
    return _minimize(frozenset(s) for s in family)


def _minimize(sets: Iterable[frozenset[Any]]) -> list[frozenset[Any]]:
    """:func:`minimize` without the checks, for the module's own families of frozensets."""
    uniq = sorted(set(sets), key=len)
    if not uniq or len(uniq[0]) == len(uniq[-1]):  # distinct sets of one size: an antichain
        return uniq
    out: list[frozenset[Any]] = []
    # a kept t can lie inside s only if s holds t's key element: index kept sets by one element
    by_key: dict[Any, list[frozenset[Any]]] = {}
    empty = False
    for s in uniq:
        if empty or any(t <= s for x in s for t in by_key.get(x, ())):
            continue
        out.append(s)
        if s:
            by_key.setdefault(next(iter(s)), []).append(s)
        else:
            empty = True  # the empty set lies inside every later set
    return out


def minimal_transversals(
    family: Sequence[frozenset[Any]], limit: int = MAX_SETS, max_work: int = MAX_TRANSVERSAL_WORK
) -> list[frozenset[Any]]:
    """Minimal sets meeting every set of ``family`` (Berge's algorithm).

    For a family of minimal path sets these are the minimal cut sets.
    Example: the transversals of {a, b}, {b, c} are {b} and {a, c}.
    More than ``limit`` transversals raise InfeasibleError; more than ``max_work`` subset
    tests raise ResourceLimitError (both checked as the family grows, before it is stored).

    >>> sorted(sorted(s) for s in minimal_transversals([{'a', 'b'}, {'b', 'c'}]))
    [['a', 'c'], ['b']]
    """
    limit = check_int("limit", limit, 0)
    max_work = check_int("max_work", max_work, 1)
    expected = "a non-empty collection of sets"
    if isinstance(family, (str, bytes, Mapping)) or not is_iterable(family):
        raise invalid("family", family, expected)
    sets = list(family)
    if not sets or not all(isinstance(s, AbstractSet) for s in sets):
        raise invalid("family", family if sets else [], expected)
    cur: list[frozenset[Any]] = [frozenset()]
    if sum(len(x) for x in sets) == len(frozenset().union(*sets)):  # pairwise disjoint
        count = math.prod(len(x) for x in sets)  # one element of each set: all minimal
        if count > limit:
            raise InfeasibleError(f"more than limit={limit} minimal transversals ({count:.3g})")
        return sorted((frozenset(c) for c in itertools.product(*sets)), key=len)
    work = 0
    for s in sorted(sets, key=len):
        hit = [t for t in cur if t & s]
        miss = [t for t in cur if not t & s]
        # Berge's step without the quadratic minimisation: cur is an antichain, so a candidate
        # t ∪ {x} (t misses s, x ∈ s) is never below another candidate, and it is redundant
        # exactly when a hit set h holds x with h − {x} ⊆ t
        rest: dict[Any, list[frozenset[Any]]] = {}
        for h in hit:
            for x in h & s:
                rest.setdefault(x, []).append(h - {x})
        new: set[frozenset[Any]] = set()
        for t in miss:
            for x in s:
                below = rest.get(x, ())
                work += len(below) + 1
                if not any(r <= t for r in below):
                    new.add(t | {x})
            if len(hit) + len(new) > limit:
                raise InfeasibleError(f"more than limit={limit} minimal transversals")
            if work > max_work:
                raise too_big(f"minimal_transversals of {len(sets)} sets",
                              f"more than {max_work:.3g} subset tests",
                              "pass a structure expression (its dual needs no listing), fewer "
                              "sets, or a larger max_work")
        cur = sorted(set(hit + list(new)), key=len)
    return cur
