"""Open-source compliance: is a model file safe to load? (Global AI Governance Action Plan, action 5).

``scan_paths`` sniffs each file's format from its bytes and checks it without loading it: pickle opcodes
against an allow-list of globals, PyTorch zip and legacy files, NumPy object arrays, Keras Lambda layers,
ONNX external-data paths, GGUF chat templates, safetensors headers, and archives within archives.
``build_ai_bom`` writes the AI bill of materials of a model or dataset (CycloneDX 1.6 ML-BOM or SPDX
3.0.1 with the AI and Dataset profiles). docs/oss.md describes the checks, the BOM fields and their sources.
"""

from tongzhou.oss._context import ScanLimits
from tongzhou.oss.ai_bom import BOM_FORMATS, AiBom, BomFormat, build_ai_bom
from tongzhou.oss.bom_inventory import InventoryLimits
from tongzhou.oss.bom_reading import AiBomSummary, read_ai_bom, summarise_ai_bom
from tongzhou.oss.findings import Finding, ScanReport, Severity
from tongzhou.oss.scanner import scan_paths, sniff

__all__ = [
    "BOM_FORMATS",
    "AiBom",
    "AiBomSummary",
    "BomFormat",
    "Finding",
    "InventoryLimits",
    "ScanLimits",
    "ScanReport",
    "Severity",
    "build_ai_bom",
    "read_ai_bom",
    "scan_paths",
    "sniff",
    "summarise_ai_bom",
]
