"""thermal.chip: the chip package on its cold plate.

- layered finite-volume package model (:mod:`thermal.chip.package`): :class:`ChipModel`,
  steady (constant k and k(T)) and transient solves with implicit gradients
- HotSpot file formats and floorplan-to-grid mapping (:mod:`thermal.chip.floorplan`)
- rack-class accelerator presets (:mod:`thermal.chip.accelerators`)
- the HotSpot 7 replica (:mod:`thermal.chip.hotspot`)
"""
from .package import (HOTSPOT_DEFAULT_SUBLAYERS, SILICON_CONDUCTIVITY_EXPONENT, SILICON_CONDUCTIVITY_TABLE_W_M_K,
                      ChipModel, ChipSolution, LayerSpec, PackageParams, Rect, TransientSolution, hotspot_package,
                      ks_max, spreading_series_mean_temperature)
from .floorplan import (Block, Floorplan, LcfLayer, overlap_weights, read_flp, read_hotspot_config, read_lcf,
                        read_materials, read_ptrace, read_temperature_file, write_flp, write_grid_temperatures,
                        write_lcf, write_ptrace, write_temperature_file, write_temperature_trace)
from .accelerators import ACCELERATORS, accelerator_package
from .hotspot import (ConvergedSteady, HotSpotBlock, HotSpotConfig, HotSpotError, HotSpotGrid, converged_steady,
                      hotspot_config, package_rc)

__all__ = [
    # package model
    "HOTSPOT_DEFAULT_SUBLAYERS", "SILICON_CONDUCTIVITY_EXPONENT", "SILICON_CONDUCTIVITY_TABLE_W_M_K", "ChipModel",
    "ChipSolution", "LayerSpec", "PackageParams", "Rect", "TransientSolution", "hotspot_package", "ks_max",
    "spreading_series_mean_temperature",
    # floorplans and HotSpot files
    "Block", "Floorplan", "LcfLayer", "overlap_weights", "read_flp", "read_hotspot_config", "read_lcf",
    "read_materials", "read_ptrace", "read_temperature_file", "write_flp", "write_grid_temperatures", "write_lcf",
    "write_ptrace", "write_temperature_file", "write_temperature_trace",
    # accelerator presets
    "ACCELERATORS", "accelerator_package",
    # HotSpot replica
    "ConvergedSteady", "HotSpotBlock", "HotSpotConfig", "HotSpotError", "HotSpotGrid", "converged_steady",
    "hotspot_config", "package_rc",
]
