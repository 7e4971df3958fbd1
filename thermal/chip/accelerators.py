"""Rack-class accelerator package presets (H100 / B200 class) for the chip model.

Every number below is either cited or explicitly marked *assumed* (a typical
engineering value where no public figure exists); the table is the single place
to change them.

=====================  ==============  ========================================================
quantity               value           source
=====================  ==============  ========================================================
GH100 die area         814 mm^2        NVIDIA H100 Tensor Core GPU Architecture whitepaper (2022)
die aspect             square          *assumed* (28.5 x 28.5 mm)
H100 SXM5 power        700 W           NVIDIA H100 Tensor Core GPU datasheet (2023), SXM5 max TDP
HBM sites (H100)       6 (5 active)    H100 whitepaper: 80 GB HBM3, five stacks
B200 power             1000 W          NVIDIA DGX B200 / HGX B200 datasheet (2024), per GPU
B200 (GB200) power     1200 W          NVIDIA GB200 NVL72 specification (2024), per GPU
B200 dies, HBM         2 dies, 8 HBM3e NVIDIA Blackwell architecture technical brief (2024)
HBM footprint          7.75 x 11.87 mm JEDEC JESD235 HBM KGSD outline (MO-316), HBM2/2E class
HBM limit              95 C            JEDEC JESD235: extended operating range 85-95 C
HBM power / stack      15 W            *assumed* (share of board power; not published)
silicon k, rho c_p     148 W/mK,       Incropera et al. (2007) Table A.1, 300 K
                       1.66e6 J/m^3K
silicon k(T)           k300 (T/300)^-1.40  fit through Table A.1 148 W/mK (300 K), 98.9 (400 K);
                                       optional (``silicon_k_of_t=True``)
die thickness          775 um          SEMI M1 300 mm wafer thickness (die assumed not thinned)
TIM1 (indium solder)   82 W/mK, 200um  k: CRC Handbook (indium 81.8 W/mK); bond line: Prasher
                                       (2006) solder TIM range 25-200 um (upper end *assumed*)
copper k, rho c_p      401 W/mK,       Incropera et al. (2007) Table A.1, pure copper 300 K
                       3.44e6 J/m^3K
lid thickness          3 mm            *assumed*
TIM2 (grease)          4 W/mK, 50 um   Prasher (2006): greases 0.4-4 W/mK, BLT 20-150 um
cold-plate base        2 mm copper     *assumed*
lid / plate footprint  80 x 60 mm      *assumed* to cover die + HBM with margin
=====================  ==============  ========================================================

References
----------
.. [1] NVIDIA, "NVIDIA H100 Tensor Core GPU Architecture", whitepaper V1.0 (2022).
.. [2] NVIDIA, "NVIDIA H100 Tensor Core GPU" datasheet (2023).
.. [3] NVIDIA, "NVIDIA Blackwell Architecture Technical Brief" (2024); "NVIDIA DGX B200"
   datasheet (2024); "NVIDIA GB200 NVL72" specifications (2024).
.. [4] JEDEC, JESD235 High Bandwidth Memory (HBM) DRAM standard (rev. D, 2021).
.. [5] F. P. Incropera, D. P. DeWitt, T. L. Bergman and A. S. Lavine, *Fundamentals of
   Heat and Mass Transfer*, 6th ed., Wiley 2007, Table A.1.
.. [6] R. Prasher, "Thermal interface materials: historical perspective, status, and
   future directions", Proc. IEEE 94(8), 1571-1586 (2006).
.. [7] W. M. Haynes (ed.), *CRC Handbook of Chemistry and Physics*, 97th ed. (2016),
   thermal conductivity of metals (indium).
.. [8] SEMI M1, Specification for polished single crystal silicon wafers (300 mm: 775 um).
"""
from __future__ import annotations

import math

import numpy as np

from .package import SILICON_CONDUCTIVITY_EXPONENT, ChipModel, LayerSpec
from .floorplan import Block, Floorplan

__all__ = ["ACCELERATORS", "accelerator_package"]

SILICON = dict(k=148.0, c=1.66e6)
COPPER = dict(k=401.0, c=3.44e6)
INDIUM_K = 81.8
HBM_W_M, HBM_H_M = 7.75e-3, 11.87e-3
HBM_LIMIT_K = 273.15 + 95.0

ACCELERATORS = {
    # name: (die area m^2 per die, n dies, power W, HBM stacks (active), HBM sites)
    "h100-sxm": dict(die_area_m2=814e-6, n_dies=1, power_w=700.0, hbm_active=5, hbm_sites=6),
    "b200": dict(die_area_m2=814e-6, n_dies=2, power_w=1000.0, hbm_active=8, hbm_sites=8),
    "gb200": dict(die_area_m2=814e-6, n_dies=2, power_w=1200.0, hbm_active=8, hbm_sites=8),
}


def accelerator_package(name: str = "h100-sxm", nx: int = 64, ny: int = 48, power_w: float | None = None,
                        hbm_power_w: float = 15.0, n_sublayers=(2, 1, 2, 1, 1), silicon_k_of_t: bool = False):
    """Chip model of an H100/B200-class package on a cold plate.

    Parameters
    ----------
    name : key of :data:`ACCELERATORS`.
    nx, ny : lateral grid over the 80 x 60 mm lid/cold-plate footprint.
    power_w : total package power [W] (default: the preset's TDP), split into the
        HBM stacks (``hbm_power_w`` each, active stacks only) and the die(s).
    n_sublayers : cells through die, TIM1, lid, TIM2, cold-plate base.
    silicon_k_of_t : temperature-dependent silicon conductivity in the die layer
        (:data:`thermal.chip.SILICON_CONDUCTIVITY_EXPONENT`, about 20 % lower k at
        360 K than at 300 K); default constant 148 W/(m K).

    Returns
    -------
    model : :class:`thermal.chip.ChipModel` (blocks: ``die0``[, ``die1``], ``hbm0``...).
    block_power_w : (n_blocks,) default block powers [W].

    Notes
    -----
    HBM stacks are modelled as silicon regions of the die layer beside the die(s)
    (same thickness); their internal stack resistance is not resolved.
    """
    if name not in ACCELERATORS:
        raise ValueError(f"accelerator name {name!r} not in {sorted(ACCELERATORS)}")
    spec = ACCELERATORS[name]
    power_w = spec["power_w"] if power_w is None else float(power_w)
    if not (power_w > 0 and math.isfinite(power_w)):
        raise ValueError(f"power_w = {power_w!r} must be > 0 W")
    lx, ly = 0.080, 0.060
    side = math.sqrt(spec["die_area_m2"])
    nd = spec["n_dies"]
    gap = 0.5e-3
    dies_w = nd * side + (nd - 1) * gap
    x0 = (lx - dies_w) / 2
    y0 = (ly - side) / 2
    blocks = [Block(f"die{i}", side, side, i * (side + gap), 0.0) for i in range(nd)]
    # HBM stacks: half the sites on each side of the die(s), long edge along y
    per_side = spec["hbm_sites"] // 2
    pitch = HBM_H_M + 0.6e-3
    col_h = per_side * pitch - 0.6e-3
    hbm = []
    for s, xs in enumerate((-(gap + HBM_W_M), dies_w + gap)):
        for j in range(per_side):
            yb = (side - col_h) / 2 + j * pitch
            hbm.append(Block(f"hbm{s * per_side + j}", HBM_W_M, HBM_H_M, xs, yb))
    # floorplan origin at the leftmost HBM column
    shift = gap + HBM_W_M
    fp = Floorplan(tuple(blocks + hbm)).shifted(shift, max(0.0, (col_h - side) / 2))
    bx0, by0, bx1, by1 = fp.bounding_box_m
    ox, oy = x0 - shift, y0 - max(0.0, (col_h - side) / 2)
    die_rects = [(ox + b.left_m, oy + b.bottom_m, ox + b.right_m, oy + b.top_m) for b in fp.blocks]
    active_layer = tuple(die_rects)
    lid = (0.0, 0.0, lx, ly)
    ns = tuple(n_sublayers)
    layers = [
        LayerSpec("die", 775e-6, SILICON["k"], SILICON["c"], active_layer, n_sublayers=ns[0],
                  conductivity_exponent=SILICON_CONDUCTIVITY_EXPONENT if silicon_k_of_t else 0.0),
        LayerSpec("tim1", 200e-6, INDIUM_K, 1.66e6, active_layer, n_sublayers=ns[1]),
        LayerSpec("lid", 3e-3, COPPER["k"], COPPER["c"], lid, n_sublayers=ns[2]),
        LayerSpec("tim2", 50e-6, 4.0, 2.0e6, lid, n_sublayers=ns[3]),
        LayerSpec("coldplate_base", 2e-3, COPPER["k"], COPPER["c"], lid, n_sublayers=ns[4]),
    ]
    n_active = spec["hbm_active"]
    limits = [np.inf] * nd + [HBM_LIMIT_K] * len(hbm)
    model = ChipModel(layers, fp, nx, ny, die_origin_m=(ox, oy), domain_m=(lx, ly), block_limits_k=limits)
    hbm_total = hbm_power_w * n_active
    if hbm_total >= power_w:
        raise ValueError(f"hbm_power_w * active stacks = {hbm_total:g} W must be below power_w = {power_w:g} W")
    p = [(power_w - hbm_total) / nd] * nd + [hbm_power_w if j < n_active else 0.0 for j in range(len(hbm))]
    return model, np.asarray(p)
