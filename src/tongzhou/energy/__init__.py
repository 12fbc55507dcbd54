"""Energy, carbon and water of model inference and evaluation runs (issue 9).

``with measure("eval-run") as window: ...`` — measured by NVML (GPU) and RAPL (CPU, DRAM)
counters where they can be read, estimated (TDP × utilisation, W per GB of RAM) where not;
every figure says which. See docs/energy.md.
"""

from tongzhou.energy.contract import EnergyReport, Footprint
from tongzhou.energy.factors import FactorTable, country_code, footprint
from tongzhou.energy.window import EnergyWindow, default_meters, measure, meter_report, reset_meters

__all__ = [
    "EnergyReport",
    "EnergyWindow",
    "FactorTable",
    "country_code",
    "default_meters",
    "Footprint",
    "footprint",
    "measure",
    "meter_report",
    "reset_meters",
]
