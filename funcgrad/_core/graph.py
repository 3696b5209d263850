"""A graph of recorded operations: its topological order and the one backward walk over it, for
the backward passes (funcgrad's reverse mode and the torch layer's engine)."""
from __future__ import annotations


def toposort(roots, inputs_of):
    """The nodes reachable from `roots`, each before every node it reads from (consumers first):
    a reversed depth-first post-order, iterative so that a long chain of operations does not hit
    Python's recursion limit. `inputs_of(node)` lists the nodes it reads (None entries skipped)."""
    order, visited = [], set()
    for root in roots:
        if root is None or root in visited:
            continue
        visited.add(root)
        stack = [(root, iter(inputs_of(root)))]
        while stack:
            node, inputs = stack[-1]
            for nxt in inputs:
                if nxt is not None and nxt not in visited:
                    visited.add(nxt)
                    stack.append((nxt, iter(inputs_of(nxt))))
                    break
            else:
                stack.pop()
                order.append(node)
    order.reverse()
    return order


def walk(roots, inputs_of, visit, order=None):
    """The one backward walk over a recorded graph (funcgrad's reverse mode and the torch layer's
    backward() both run it): cotangents start at `roots`, ((node, output index), cotangent)
    pairs, and are summed per (node, output index); each node, in topological order, is
    visited once with the cotangents that reached it, a dict {output index: cotangent}, and
    returns what it sends on: ((input node, output index), cotangent) pairs (a None node or
    cotangent is skipped), or None. `order` (default: toposort of the roots) lets a caller that needs the
    order beforehand compute it once.

    >>> parents = {"y": ["x", "x"], "x": []}
    >>> got = {}
    >>> def visit(node, cts):
    ...     got[node] = cts
    ...     return [((p, 0), 2 * cts[0]) for p in parents[node]]
    >>> walk([(("y", 0), 1.0)], parents.get, visit)
    >>> got
    {'y': {0: 1.0}, 'x': {0: 4.0}}
    """
    if order is None:
        order = toposort([node for (node, _), _ in roots], inputs_of)
    buffers: dict = {}
    sent = roots
    for node in order:
        # what the previous node sent (first, the roots), summed per (node, output index):
        # inline, not a helper, as this loop runs once per recorded operation of every backward
        if sent is not None:
            for (parent, k), c in sent:
                if parent is None or c is None:
                    continue
                slot = buffers.get(parent)
                if slot is None:
                    buffers[parent] = {k: c}
                else:
                    old = slot.get(k)
                    slot[k] = c if old is None else old + c
        slot = buffers.pop(node, None)
        # (the last node in the order sends nothing: every node it reads comes after it)
        sent = None if slot is None else visit(node, slot)
