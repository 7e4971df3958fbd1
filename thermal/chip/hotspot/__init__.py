"""thermal.chip.hotspot: the HotSpot 7 replica (``sunsink hotspot``).

- configuration, package periphery RCs and the adaptive RK4 (:mod:`thermal.chip.hotspot.config`)
- grid model (:mod:`thermal.chip.hotspot.grid`) and block model (:mod:`thermal.chip.hotspot.block`),
  reproducing HotSpot's numbers
- the converged counterpart of a HotSpot stack with the package model
  (:mod:`thermal.chip.hotspot.converged`)

HotSpot's file formats (floorplans, power traces, layer and temperature files) are in
:mod:`thermal.chip.floorplan`.
"""
from .config import (C_FACTOR, EXTRA, PACKAGE_NODE_NAMES, HotSpotConfig, HotSpotError, PackageRC, hotspot_config,
                     package_rc, parse_hotspot_pairs, rk4_interval)
from .grid import OCCUPANCY_THRESHOLD, GridLayer, GridSteady, HotSpotGrid, hotspot_block_bounds, map_grid_to_blocks
from .block import BLOCK_LAYER_PREFIXES, HotSpotBlock
from .converged import ConvergedSteady, converged_level, converged_steady

__all__ = [
    "C_FACTOR", "EXTRA", "PACKAGE_NODE_NAMES", "HotSpotConfig", "HotSpotError", "PackageRC", "hotspot_config",
    "package_rc", "parse_hotspot_pairs", "rk4_interval",
    "OCCUPANCY_THRESHOLD", "GridLayer", "GridSteady", "HotSpotGrid", "hotspot_block_bounds", "map_grid_to_blocks",
    "BLOCK_LAYER_PREFIXES", "HotSpotBlock",
    "ConvergedSteady", "converged_level", "converged_steady",
]
