"""The top-level command group, which imports a command's module only when that command runs.

Importing every command group up front pulled SQLAlchemy, the evaluation stack, cryptography and
more into ``tongzhou --help`` (about 1.4 s of CPU on the build machine). Here the table below is
all the root needs: ``tongzhou --help`` lists the summaries without importing any command module,
and ``tongzhou systems list`` imports ``tongzhou.cli.systems`` alone. benchmarks/cli_startup.py
measures it; tests/cli/test_startup_imports.py keeps it so.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import typer
from typer.core import TyperGroup

from tongzhou.cli.help_style import polish


@dataclass(frozen=True)
class CommandEntry:
    """One top-level command: its name, the module that defines it, and its help summary."""

    name: str
    module: str
    """A module exposing ``app``: a :class:`typer.Typer` (a group) or a function (one command)."""
    summary: str
    """The one-line summary ``tongzhou --help`` shows, in English and Chinese."""


COMMANDS: tuple[CommandEntry, ...] = (
    CommandEntry("init", "tongzhou.cli.init", "Write the example files the README tour uses. 生成示例文件。"),
    CommandEntry(
        "systems", "tongzhou.cli.systems", "Register AI systems and manage the registry. AI系统登记。"
    ),
    CommandEntry(
        "classify", "tongzhou.cli.classify", "Which rules apply to a system, where, as of a date. 分类分级。"
    ),
    CommandEntry(
        "eval",
        "tongzhou.cli.eval",
        "Test a model against GB/T 45654: verdicts with intervals. 风险测试评估。",
    ),
    CommandEntry("keys", "tongzhou.cli.keys", "Ed25519 signing keys for attestations. 签名密钥。"),
    CommandEntry("attest", "tongzhou.cli.attest", "Signed, verifiable evaluation reports. 测评互认。"),
    CommandEntry(
        "label",
        "tongzhou.cli.label",
        "Label AI-generated content (GB 45438, C2PA) and check labels. 内容标识。",
    ),
    CommandEntry(
        "threats", "tongzhou.cli.threats", "Share threats over TAXII 2.1 / STIX 2.1. 威胁信息共享。"
    ),
    CommandEntry(
        "incident",
        "tongzhou.cli.incident",
        "Record AI incidents; draft EU AI Act Art. 73 reports. 事件报告。",
    ),
    CommandEntry(
        "reports",
        "tongzhou.cli.reports",
        "Moderate public AI incident reports (accept, merge, ask, reject). 审核公众事件报告。",
    ),
    CommandEntry(
        "gateway",
        "tongzhou.cli.gateway",
        "Governance gateway: halt orders, early warning, audit log. 治理网关。",
    ),
    CommandEntry(
        "corpus",
        "tongzhou.cli.corpus",
        "Audit training corpora: keywords, personal data, sampling. 语料审核。",
    ),
    CommandEntry(
        "oss",
        "tongzhou.cli.oss",
        "Open-source compliance: model file scans, AI-BOMs, model licences. 开源合规。",
    ),
    CommandEntry("energy", "tongzhou.cli.energy", "Energy, carbon and water of model runs. 能效水效。"),
    CommandEntry(
        "serve",
        "tongzhou.cli.serve",
        "Serve the portal, REST API and TAXII 2.1 on one port. 启动门户服务。",
    ),
    CommandEntry(
        "portal", "tongzhou.cli.portal", "Portal accounts, organisations and index. 门户账户与机构。"
    ),
    CommandEntry(
        "workspace",
        "tongzhou.cli.workspace",
        "Compliance workspace: obligations tracked with owners and evidence. 合规工作台。",
    ),
    CommandEntry(
        "consult",
        "tongzhou.cli.consult",
        "Consultation on draft rules: publish, moderate, export, respond. 规则草案征求意见。",
    ),
    CommandEntry(
        "reassess",
        "tongzhou.cli.reassess",
        "Periodic re-assessment of public-sector AI: plans, the tick, alerts. 定期评估。",
    ),
    CommandEntry("demo", "tongzhou.cli.demo", "Run the main job: every feature once, end to end. 演示。"),
)


def load_command(entry: CommandEntry) -> typer.core.TyperCommand | TyperGroup:
    """Import ``entry.module`` and build its click command exactly as ``add_typer``/``command`` would."""
    target = importlib.import_module(entry.module).app
    holder = typer.Typer(add_completion=False)
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=entry.name)
    else:
        holder.command(name=entry.name)(target)
    command = typer.main.get_group(holder).commands[entry.name]
    assert isinstance(command, typer.core.TyperCommand | TyperGroup)
    polish(command)
    return command


class LazyCommandGroup(TyperGroup):
    """A :class:`TyperGroup` whose subcommands are the :data:`COMMANDS`, each imported on first use."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._entries = {entry.name: entry for entry in COMMANDS}
        self._loaded: dict[str, typer.core.TyperCommand | TyperGroup] = {}
        self._summaries_only = False
        # Placeholders: what the help listing and "did you mean" need, without importing anything.
        for name, entry in self._entries.items():
            self.commands[name] = typer.core.TyperCommand(name, help=entry.summary, short_help=entry.summary)

    def list_commands(self, ctx: Any) -> list[str]:
        """Command names, in the order of the table."""
        return list(self._entries)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        """The real command (imported now), or its placeholder while the root help is printed."""
        entry = self._entries.get(cmd_name)
        if entry is None:
            return None
        if self._summaries_only:
            return self.commands[cmd_name]
        if cmd_name not in self._loaded:
            self._loaded[cmd_name] = load_command(entry)
        return self._loaded[cmd_name]

    def format_help(self, ctx: Any, formatter: Any) -> None:
        """The root help from the table's summaries alone."""
        self._summaries_only = True
        polish(self, recursive=False)  # the root's own options (--version, --debug, completion)
        try:
            super().format_help(ctx, formatter)
        finally:
            self._summaries_only = False
