"""netx (lava-dl's HDF5 network, the file Loihi 2 toolchains load): read and write.

- :func:`read_netx` — a ``.net`` file as a fixed (integer) graph, bit-exact with
  ``netx.hdf5.Network`` on Lava; :func:`float_graph` — its SLAYER float meaning;
- :func:`write_netx` — a fixed graph (a loihi2 artifact's) as a ``.net`` file;
  :func:`netx_problems` lists what netx cannot hold;
- :func:`ensure_lava_dl` (:mod:`.lava_dl`) — import lava-dl 0.6.0 here (Python 3.11,
  torch 2.13) without its object-detection package.

See docs/netx.md for the mapping in both directions.
"""

from snncompile.interop.netx.float_graph import float_graph, netx_lags
from snncompile.interop.netx.lava_dl import ensure_lava_dl
from snncompile.interop.netx.read import read_netx
from snncompile.interop.netx.write import netx_problems, node_problem, write_netx

__all__ = ["read_netx", "write_netx", "netx_problems", "node_problem", "float_graph", "netx_lags", "ensure_lava_dl",
           "load_netx_model"]


def load_netx_model(path: str, float_meaning: bool, dt: float | None = None, input_shape=None):
    """MODEL ``.net``: the integer graph, or (``float_meaning``) its SLAYER float graph."""
    fixed = read_netx(path, dt=dt, input_shape=input_shape)
    return float_graph(fixed) if float_meaning else fixed
