"""Open-source compliance: is a model file safe to load? (Global AI Governance Action Plan, action 5).

``scan_paths`` sniffs each file's format from its bytes and checks it without loading it: pickle opcodes
against an allow-list of globals, PyTorch zip and legacy files, NumPy object arrays, Keras Lambda layers,
ONNX external-data paths, GGUF chat templates, safetensors headers, and archives within archives.
docs/oss.md describes the checks and their sources.
"""

from tongzhou.oss._context import ScanLimits
from tongzhou.oss.findings import Finding, ScanReport, Severity
from tongzhou.oss.scanner import scan_paths, sniff

__all__ = ["Finding", "ScanLimits", "ScanReport", "Severity", "scan_paths", "sniff"]
