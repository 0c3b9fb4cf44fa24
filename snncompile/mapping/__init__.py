"""Mapping onto cores under a target's limits, the resource report, and the rules that
say (all at once) why a network does not fit."""

from snncompile.mapping.placement import Placement, map_graph
from snncompile.mapping.violation import MappingError, Violation, violations_table

__all__ = ["MappingError", "Placement", "Violation", "map_graph", "violations_table"]
