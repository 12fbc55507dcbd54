"""Render a Classification for people (Rich table), as JSON (docs/classify.md) or as Markdown."""

from __future__ import annotations

import json

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from tongzhou.classify.findings import Classification, JurisdictionResult, ObligationFinding, fact_json

_STATUS_STYLE = {"applies": "bold", "upcoming": "yellow"}


def _when(o: ObligationFinding) -> str:
    return o.applies_from.isoformat() if o.applies_from else "—"


def _basis(o: ObligationFinding) -> str:
    """The duty's article, with the point its rule fired on where more precise (Art. 5(1) ← 5(1)(f))."""
    finer = [g for g in o.grounds if g.startswith(o.legal_basis) and g != o.legal_basis]
    return o.legal_basis + (f" ← {'; '.join(finer)}" if finer else "")


def _who(o: ObligationFinding) -> str:
    return o.addressee + ("" if o.applies_to_registrant else " (not you)")


def evidence_reuse(result: Classification) -> dict[str, tuple[list[str], list[str]]]:
    """Per artefact: the requirements it satisfies in this result, and where else it is recognised."""
    here: dict[str, list[str]] = {}
    elsewhere: dict[str, list[str]] = {}
    for j in result.jurisdictions:
        for o in j.obligations:
            if not o.applies_to_registrant:
                continue
            for e in o.evidence:
                label = f"{o.regime}: {o.legal_basis}"
                if label not in here.setdefault(e.artefact, []):
                    here[e.artefact].append(label)
                elsewhere.setdefault(e.artefact, []).extend(e.recognised_elsewhere)
    out: dict[str, tuple[list[str], list[str]]] = {}
    for artefact in sorted(here):
        satisfied = here[artefact]
        rest = [x for x in dict.fromkeys(elsewhere[artefact]) if x not in satisfied]
        out[artefact] = (satisfied, rest)
    return out


def to_json(result: Classification) -> str:
    """The JSON document (schema in docs/classify.md)."""
    return json.dumps(result.to_dict(), ensure_ascii=False, indent=2)


def _qualifier_lines(j: JurisdictionResult) -> list[Text]:
    """Conditional tiers, presumptions, refusals, date branches and notes, each with its legal basis."""
    out = [Text(f"conditional: {c.text} [{c.legal_basis}]", style="red") for c in j.conditional]
    out += [
        Text(
            f"presumed ({p.id}): the rule does not apply unless {p.text} [{p.legal_basis}] — "
            f"facts that would decide it: {', '.join(p.rebutted_by)}",
            style="magenta",
        )
        for p in j.presumptions
    ]
    out += [
        Text(f"refused: {r.exemption} — {r.reason} [{r.legal_basis}]", style="magenta") for r in j.refusals
    ]
    for t in j.tiers:
        for b in t.branches:
            out.append(
                Text(
                    f"date: {t.label} from {b.applies_from} if {b.condition} [{b.legal_basis}]",
                    style="yellow",
                )
            )
    out += [Text(f"note: {n.text} [{n.legal_basis}]", style="cyan") for n in j.notes]
    return out


def _jurisdiction_table(j: JurisdictionResult, lang: str = "en") -> Table:
    kind = "binding" if j.binding else "NON-BINDING mapping"
    table = Table(
        title=f"{j.jurisdiction.upper()} — {j.name} ({kind})",
        title_justify="left",
        expand=True,
        caption="bold: applies now · yellow: bites later · dim: addressed to another party",
        caption_justify="left",
    )
    table.add_column("obligation / 义务", ratio=6)
    table.add_column("legal basis", ratio=3)
    table.add_column("who", ratio=2)
    table.add_column("from", no_wrap=True, min_width=10)
    table.add_column("evidence (crosswalk)", ratio=4)
    for o in j.obligations:
        style = _STATUS_STYLE.get(o.status, "") if o.applies_to_registrant else "dim"
        evidence = ", ".join(e.artefact for e in o.evidence)
        title = o.title_zh if lang == "zh" else o.title
        table.add_row(title, _basis(o), _who(o), _when(o), evidence, style=style)
    return table


def render_table(result: Classification, console: Console, lang: str = "en", explain: bool = False) -> None:
    """Print a Rich view: per jurisdiction the tiers, obligations (dated), undetermined facts."""
    console.print(
        f"[bold]{result.system_name}[/] ({result.system_id}) — registrant role: {result.registrant_role} — "
        f"as of [bold]{result.as_of.isoformat()}[/]"
    )
    out_of_scope = []
    for j in result.jurisdictions:
        if j.in_scope is False:
            out_of_scope.append(j.jurisdiction + "".join(f" ({n.text})" for n in j.excluded_by))
            continue
        summary = j.summary()
        head = summary.text_zh if lang == "zh" else summary.text
        parts: list[Table | Text] = [Text(f"headline / 结论: {head}", style="bold")]
        for t in j.tiers:
            when = (
                ""
                if t.applies_from is None
                else (
                    f" — applies since {t.applies_from}"
                    if t.status == "applies"
                    else f" — bites from {t.applies_from}"
                )
            )
            why = f" ← {', '.join(t.because)}" if t.because else ""
            gone = f" (superseded by {t.superseded_by}: no duties)" if t.superseded_by else ""
            parts.append(
                Text(
                    f"tier: {t.label} / {t.label_zh} [{t.legal_basis}]{when}{why}{gone}",
                    style="bold" if t.status == "applies" and not gone else "yellow",
                )
            )
        parts += _qualifier_lines(j)
        if not j.tiers and j.in_scope:
            parts.append(Text("no tier triggered by the rules in force", style="dim"))
        if j.obligations:
            parts.append(_jurisdiction_table(j, lang))
        for u in j.undetermined:
            parts.append(Text(f"{u.message} — {u.rule_id} ({u.legal_basis})", style="red"))
        if explain:
            for e in j.trace:
                facts = ", ".join(f"{k}={fact_json(v)}" for k, v in e.facts.items()) or "always"
                flags = f"; flags {', '.join('@' + f for f in e.flags)}" if e.flags else ""
                parts.append(
                    Text(f"why: {e.rule_id} {e.result} ({e.legal_basis}) ← {facts}{flags}", style="cyan")
                )
        console.print(
            Panel(Group(*parts), title=f"{j.jurisdiction} · {', '.join(j.regimes)}", title_align="left")
        )
    if out_of_scope:
        console.print(f"[dim]not in scope (markets): {', '.join(out_of_scope)}[/]")
    reuse = evidence_reuse(result)
    if reuse:
        ev = Table(
            title="evidence reuse / 证据复用: one artefact, several requirements",
            title_justify="left",
            expand=True,
        )
        ev.add_column("artefact", ratio=2)
        ev.add_column("satisfies here", ratio=4)
        ev.add_column("also recognised in", ratio=4)
        for artefact, (here, elsewhere) in reuse.items():
            ev.add_row(artefact, "; ".join(here), "; ".join(elsewhere) or "—")
        console.print(ev)
    if result.thresholds:
        tt = Table(title="compute thresholds side by side / 算力阈值对照", title_justify="left")
        for col in ("jurisdiction", "threshold", "meaning", "legal basis", "this model", "crossed"):
            tt.add_column(col)
        for th in result.thresholds:
            value = "unknown" if th.profile_value is None else f"{float(th.profile_value):.3g}"
            crossed = "undetermined" if th.crossed is None else ("yes" if th.crossed else "no")
            tt.add_row(
                th.jurisdiction, f"{th.op} {th.value:.0e} FLOP", th.meaning, th.legal_basis, value, crossed
            )
        console.print(tt)


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(result: Classification) -> str:
    """A Markdown report with the same content as the table, plus the trace."""
    lines = [
        f"# Classification: {result.system_name} (`{result.system_id}`)",
        "",
        f"- As of: **{result.as_of.isoformat()}**",
        f"- Registrant role: {result.registrant_role}",
        f"- Rules: `{result.ruleset_version}`",
        "",
    ]
    for j in result.jurisdictions:
        kind = "binding" if j.binding else "non-binding mapping"
        lines.append(f"## {j.jurisdiction.upper()} — {j.name} ({kind})")
        lines.append("")
        if j.in_scope is False:
            why = "; ".join(f"{n.text} [{n.legal_basis}]" for n in j.excluded_by) or "markets"
            lines += [f"Not in scope ({why}).", ""]
            continue
        summary = j.summary()
        lines += [f"**Headline / 结论: {summary.text}**", "", f"结论：{summary.text_zh}", ""]
        for t in j.tiers:
            verb = {"applies": "applies since", "upcoming": "bites from"}.get(
                t.status, "date undetermined, earliest"
            )
            when = f", {verb} {t.applies_from}" if t.applies_from else ""
            gone = f" (superseded by {t.superseded_by}: no duties)" if t.superseded_by else ""
            lines.append(f"- **Tier: {t.label}** / {t.label_zh} — {t.legal_basis}{when}{gone}")
        lines += [f"- {line.plain}" for line in _qualifier_lines(j)]
        if not j.tiers:
            lines.append("- No tier triggered by the rules in force.")
        lines.append("")
        if j.obligations:
            lines += [
                "| obligation | legal basis | who | from | status | evidence |",
                "|---|---|---|---|---|---|",
            ]
            for o in j.obligations:
                start = o.applies_from.isoformat() if o.applies_from else "—"
                ev = "; ".join(
                    f"{e.artefact}"
                    + (f" (also: {', '.join(e.recognised_elsewhere)})" if e.recognised_elsewhere else "")
                    for e in o.evidence
                )
                lines.append(
                    f"| {_md_cell(o.title)} / {_md_cell(o.title_zh)} | {_md_cell(_basis(o))} | "
                    f"{_who(o)} | {start} | {o.status} | {_md_cell(ev)} |"
                )
            lines.append("")
        if j.undetermined:
            lines.append("Undetermined:")
            lines += [f"- {u.rule_id} ({u.legal_basis}): {u.message}" for u in j.undetermined]
            lines.append("")
        if j.trace:
            lines.append("<details><summary>Trace (facts → rules)</summary>")
            lines.append("")
            for e in j.trace:
                facts = ", ".join(
                    f"{k}={json.dumps(fact_json(v), ensure_ascii=False)}" for k, v in sorted(e.facts.items())
                )
                flags = f"; flags {', '.join('@' + f for f in e.flags)}" if e.flags else ""
                lines.append(f"- `{e.rule_id}` {e.result} ({e.legal_basis}): {facts or 'always'}{flags}")
            lines += ["", "</details>", ""]
    reuse = evidence_reuse(result)
    if reuse:
        lines += [
            "## Evidence reuse (crosswalk)",
            "",
            "| artefact | satisfies here | also recognised in |",
            "|---|---|---|",
        ]
        for artefact, (here, elsewhere) in reuse.items():
            lines.append(
                f"| {artefact} | {_md_cell('; '.join(here))} | {_md_cell('; '.join(elsewhere) or '—')} |"
            )
        lines.append("")
    if result.thresholds:
        lines += [
            "## Compute thresholds side by side",
            "",
            "| jurisdiction | threshold | meaning | legal basis | this model | crossed |",
            "|---|---|---|---|---|---|",
        ]
        for th in result.thresholds:
            value = "unknown" if th.profile_value is None else f"{float(th.profile_value):.3g}"
            crossed = "undetermined" if th.crossed is None else ("yes" if th.crossed else "no")
            lines.append(
                f"| {th.jurisdiction} | {th.op} {th.value:.0e} FLOP | {th.meaning} | {th.legal_basis} "
                f"| {value} | {crossed} |"
            )
        lines.append("")
    return "\n".join(lines)
