"""The governance gateway: an OpenAI-compatible proxy with signed halt orders, early warning,
labels on generated content and a hash-chained audit log (docs/gateway.md)."""

from tongzhou.gateway.audit_log import AuditLog, AuditVerification, verify_audit_log
from tongzhou.gateway.halt_book import ActiveHalt, HaltBook, Receipt
from tongzhou.gateway.halt_order import PAYLOAD_TYPE, HaltAction, HaltOrder, HaltOrderError, HaltScope
from tongzhou.gateway.model_names import model_key
from tongzhou.gateway.policy import GatewayPolicy, TrustEntry, UpstreamModels, load_policy

__all__ = [
    "PAYLOAD_TYPE",
    "ActiveHalt",
    "AuditLog",
    "AuditVerification",
    "GatewayPolicy",
    "HaltAction",
    "HaltBook",
    "HaltOrder",
    "HaltOrderError",
    "HaltScope",
    "Receipt",
    "TrustEntry",
    "UpstreamModels",
    "load_policy",
    "model_key",
    "verify_audit_log",
]
