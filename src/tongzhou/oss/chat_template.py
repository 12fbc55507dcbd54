"""Chat templates (Jinja) that try to leave the sandbox: checked on the parsed template, never rendered.

Runtimes render ``tokenizer.chat_template`` with Jinja; in a plain (unsandboxed) environment, and in
sandboxes with gaps, a template reaches Python through attribute chains such as
``cycler.__init__.__globals__.os.popen`` or ``''.__class__.__mro__[1].__subclasses__()`` (CVE-2024-34359
in llama-cpp-python; Jinja's own sandbox escapes CVE-2024-56326 via ``str.format`` and CVE-2025-27516
via the ``|attr`` filter). Real chat templates read ``message['role']``, ``message.content`` and
loop variables; none needs an underscore attribute, ``|attr``, ``format`` on a computed string, or the
template globals ``cycler``, ``joiner``, ``lipsum``, ``self`` followed by an attribute.
"""

from __future__ import annotations

from tongzhou.oss._context import Location, ScanContext
from tongzhou.oss.findings import Severity

_GADGETS = frozenset({"cycler", "joiner", "lipsum", "self", "config", "request", "url_for", "range"})
_FORMAT_NAMES = frozenset({"format", "format_map"})
MAX_TEMPLATE = 1 << 20


def check_chat_template(template: str, key: str, where: Location, ctx: ScanContext, offset: int) -> None:
    """Parse ``template`` (not render) and report constructs that reach Python internals."""
    import jinja2
    from jinja2 import nodes

    def flag(severity: Severity, construct: str, message: str) -> None:
        ctx.add(where, severity, "gguf.chat-template", f"{key}: {construct}", message, offset)

    if len(template) > MAX_TEMPLATE:
        flag(Severity.MEDIUM, "size", f"chat template over {MAX_TEMPLATE} characters; not parsed")
        return
    try:
        tree = jinja2.Environment().parse(template)
    except jinja2.TemplateSyntaxError as exc:
        flag(Severity.MEDIUM, "syntax", f"the chat template does not parse ({exc.message}); not checked")
        return
    except RecursionError:
        flag(Severity.MEDIUM, "depth", "the chat template nests too deep to check")
        return
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter, nodes.Call, nodes.Name)):
        if isinstance(node, nodes.Getattr | nodes.Getitem):
            attr = node.attr if isinstance(node, nodes.Getattr) else _const(node.arg)
            if isinstance(attr, str) and attr.startswith("_"):
                flag(Severity.CRITICAL, attr, f"reads the private attribute {attr!r}: a sandbox escape")
            if isinstance(node.node, nodes.Name) and node.node.name in _GADGETS:
                flag(
                    Severity.CRITICAL,
                    node.node.name,
                    f"reaches into the template global {node.node.name!r}: a known escape gadget",
                )
            if isinstance(node, nodes.Getattr) and attr in _FORMAT_NAMES:
                flag(Severity.HIGH, attr, "calls str.format from a template (CVE-2024-56326)")
        elif isinstance(node, nodes.Filter) and node.name in ("attr", "format"):
            arg = _const(node.args[0]) if node.args else None
            severe = node.name == "attr" and (not isinstance(arg, str) or arg.startswith("_"))
            flag(
                Severity.CRITICAL if severe else Severity.HIGH,
                f"|{node.name}",
                f"uses the |{node.name} filter, which escapes the sandbox (CVE-2025-27516)",
            )
        elif isinstance(node, nodes.Filter) and node.name == "map":
            for kw in node.kwargs:
                value = _const(kw.value)
                if kw.key == "attribute" and isinstance(value, str) and value.startswith("_"):
                    flag(Severity.CRITICAL, f"map(attribute={value!r})", "reads a private attribute")


def _const(node: object) -> object:
    from jinja2 import nodes

    return node.value if isinstance(node, nodes.Const) else None
