"""Which edge of a cycle carries the one-step delay NIR leaves implicit.

NIR edges have no delays, yet recurrent graphs (the NIR paper's Braille network) are
cycles. nirtorch 2.6 runs them by walking the graph from its Input node and, when a
node needs the output of a node not computed yet that it can itself reach, feeding it
that node's output from the previous step (``nirtorch/nir_interpreter.py``:
``_find_recursive_inputs`` and the ``{src}_prev_output`` state, zero at the start).
That is: the back edge of a depth-first walk from the inputs gets a delay of one step.
Reader and writer both use :func:`back_edges`, so a graph written by snncompile
comes back with the same delays.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence


def back_edges(order: Sequence[str], edges: Sequence[tuple[str, str]], roots: Sequence[str]) -> tuple[set[int], list[str]]:
    """Depth-first walk starting at ``roots`` in turn, then at any node not reached yet (in
    ``order``), following each node's out-edges in list order. Returns the indices of the
    edges that reach a node still on the walk's path (back edges, self-loops included)
    and the nodes in the order first visited."""
    out: dict[str, list[int]] = {n: [] for n in order}
    for i, (src, _) in enumerate(edges):
        out[src].append(i)
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    back: set[int] = set()
    visited: list[str] = []
    for root in [*roots, *order]:
        if root in state:
            continue
        state[root] = 1
        visited.append(root)
        stack: list[tuple[str, Iterator[int]]] = [(root, iter(out[root]))]
        while stack:
            node, todo = stack[-1]
            for i in todo:
                dst = edges[i][1]
                if state.get(dst) == 1:
                    back.add(i)
                elif dst not in state:
                    state[dst] = 1
                    visited.append(dst)
                    stack.append((dst, iter(out[dst])))
                    break
            else:
                state[node] = 2
                stack.pop()
    return back, visited
