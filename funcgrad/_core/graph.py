"""Topological order of a graph of recorded operations, for the backward passes (funcgrad's
reverse mode and the torch layer's engine)."""
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
