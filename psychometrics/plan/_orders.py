"""Option orders: which original option stands behind each shown label.

Labels never move (``1`` is always shown first, ``A`` always first); an order moves the *meaning* behind the
labels. Every order is a permutation ``perm`` of the option indices: the option shown at position ``i`` is the
item's original option ``perm[i]``. The response value stored for an answer is the original option's value, so a
reply is mapped back through ``perm`` before anything is scored.

Order names
-----------
``original``
    The options as the instrument prints them.
``reversed``
    The options in reverse. For bipolar items this is the same as swapping the poles: label 1 then means
    "exactly like the right-hand pole", which is stored as the highest value.
``rotated``
    Expands to every cyclic shift ``rotated-1`` … ``rotated-(k−1)``; ``rotated-K`` shows original option
    ``(i + K) mod k`` at position ``i``.
``swapped`` (scenario items only)
    The positions of the high- and low-trait options exchanged: the i-th high option moves to where the i-th
    low option was and vice versa (the TRAIT benchmark's control for position bias).
``all``
    Every order valid for the kind.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from psychometrics.inventory import Kind

ORDER_NAMES: tuple[str, ...] = ("original", "reversed", "rotated", "swapped", "all")
"""The order names a user may give; ``rotated-K`` names a single shift."""

_ROTATED = re.compile(r"^rotated-(\d+)$")


def _valid_names(kind: Kind) -> list[str]:
    names = ["original", "reversed", "rotated", "rotated-K"]
    if kind == "scenario":
        names.append("swapped")
    return names + ["all"]


def concrete_orders(kind: Kind, k: int) -> list[str]:
    """Every concrete order for an item of ``kind`` with ``k`` options, in a fixed sequence."""
    names = ["original", "reversed", *(f"rotated-{s}" for s in range(1, k))]
    if kind == "scenario":
        names.append("swapped")
    return names


def expand_orders(names: Sequence[str], kind: Kind, k: int) -> list[str]:
    """Expand ``rotated`` and ``all`` into concrete order names, without duplicates, keeping the given sequence.

    Raises
    ------
    ValueError
        A name that is unknown, or not valid for ``kind`` (``swapped`` is for scenario items only), or a
        ``rotated-K`` whose shift is not between 1 and k−1. The message is one line naming the bad value and
        the valid ones.
    """
    if isinstance(names, str):
        names = [names]
    if not names:
        raise ValueError(f"no option order given (valid for {kind} items: {', '.join(_valid_names(kind))})")
    out: list[str] = []
    for name in names:
        if name == "all":
            expanded = concrete_orders(kind, k)
        elif name == "rotated":
            expanded = [f"rotated-{s}" for s in range(1, k)]
        elif name in ("original", "reversed") or (name == "swapped" and kind == "scenario"):
            expanded = [name]
        elif (m := _ROTATED.match(name)) and 1 <= int(m.group(1)) < k:
            expanded = [f"rotated-{int(m.group(1))}"]
        else:
            if name == "swapped":
                why = "'swapped' is only for scenario items"
            elif _ROTATED.match(name):
                why = f"the shift must be between 1 and {k - 1} for {k} options"
            else:
                why = "unknown option order"
            raise ValueError(
                f"{why}: {name!r} (valid for {kind} items: {', '.join(_valid_names(kind))}; "
                f"rotated-K with 1 ≤ K ≤ {k - 1})"
            )
        for e in expanded:
            if e not in out:
                out.append(e)
    return out


def order_permutation(name: str, k: int, *, high: Sequence[bool] | None = None) -> list[int]:
    """The original option index (0-based) shown at each position under the concrete order ``name``.

    Parameters
    ----------
    name
        A concrete order: ``original``, ``reversed``, ``rotated-K`` or ``swapped``.
    k
        The number of options.
    high
        For ``swapped``: whether each original option is a high-trait option (scenario items).

    Examples
    --------
    >>> order_permutation("reversed", 5)
    [4, 3, 2, 1, 0]
    >>> order_permutation("rotated-1", 4)
    [1, 2, 3, 0]
    >>> order_permutation("swapped", 4, high=[True, True, False, False])
    [2, 3, 0, 1]
    """
    if name == "original":
        return list(range(k))
    if name == "reversed":
        return list(range(k - 1, -1, -1))
    m = _ROTATED.match(name)
    if m and 1 <= int(m.group(1)) < k:
        shift = int(m.group(1))
        return [(i + shift) % k for i in range(k)]
    if name == "swapped":
        if high is None or len(high) != k:
            raise ValueError("'swapped' needs the high/low flag of every option")
        highs = [i for i, h in enumerate(high) if h]
        lows = [i for i, h in enumerate(high) if not h]
        if len(highs) != len(lows):
            raise ValueError(f"'swapped' needs as many high as low options (has {len(highs)} high, {len(lows)} low)")
        perm = list(range(k))
        for h, lo in zip(highs, lows):
            perm[lo] = h  # the i-th high option is shown where the i-th low option was
            perm[h] = lo  # and the i-th low option where the i-th high option was
        return perm
    raise ValueError(f"not a concrete option order: {name!r} (expected original, reversed, rotated-K or swapped)")
