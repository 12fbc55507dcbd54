"""`tongzhou reassess`: periodic re-assessment of public-sector AI (定期评估) — review plans, the
idempotent tick run by cron or a systemd timer, sign-off, history and the overdue list."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from tongzhou.errors import InputError, PartialFailure

if TYPE_CHECKING:
    from tongzhou.store import Store

app = typer.Typer(
    help="Periodic re-assessment of public-sector AI: review plans, the tick, alerts. / "
    "公共部门人工智能定期评估。",
    no_args_is_help=True,
)

_AS_OF = "The day to act as of (YYYY-MM-DD; default today, UTC): a movable clock for tests and catch-up."
_POLICY = "A review-policy YAML file (default: the bundled policy; format in docs/reassess.md)."


def _date(value: str | None, option: str = "--as-of") -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError.of(
            "{option}: {value!r} is not a date (YYYY-MM-DD)", option=option, value=value
        ) from None


def _today(value: str | None) -> dt.date:
    return _date(value) or dt.datetime.now(dt.UTC).date()


def _format(value: str) -> str:
    if value not in ("text", "json"):
        raise InputError(f"--format: {value!r} is not one of text, json")
    return value


@contextmanager
def _store() -> Iterator[Store]:
    from tongzhou.store import open_store

    store = open_store()
    try:
        yield store
    finally:
        store.close()


def _echo_json(data: object) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


@app.command("tick")
def tick(
    as_of: str = typer.Option(None, "--as-of", help=_AS_OF),
    policy: Path = typer.Option(None, "--policy", help=_POLICY),
    no_evaluations: bool = typer.Option(
        False, "--no-evaluations", help="Skip the evaluation re-runs against endpoints (the rest still runs)."
    ),
    fmt: str = typer.Option("text", "--format", help="text or json"),
) -> None:
    """Review every public-sector system that is due; idempotent (run it from cron or a systemd timer).
    复审所有到期的公共部门系统（可重复执行）。

    Exit 0 when it ran (or another tick holds the lease), 3 when notifications could not be delivered
    (they are retried by the next tick).
    """
    _format(fmt)
    from tongzhou.reassess.policy import load_policy
    from tongzhou.reassess.tick import run_tick

    rules = load_policy(policy)
    day = _today(as_of)
    with _store() as store:
        report = run_tick(store, day, policy=rules, run_evaluations=not no_evaluations)
    if fmt == "json":
        _echo_json(report.to_dict())
    elif not report.ran:
        typer.echo(
            f"another tick is running ({report.held_by}); nothing done / 另一次复审正在运行，本次未执行"
        )
    elif report.nothing_new:
        typer.echo(f"{day}: nothing new — no review due, none newly overdue / 无到期或新逾期的复审")
    else:
        typer.echo(f"{day}: reviewed {len(report.assessed)} system(s) / 已复审 {len(report.assessed)} 个系统")
        for system_id in report.plans_added:
            typer.echo(f"  new review plan: {system_id}")
        for system_id, codes in report.alerts.items():
            typer.echo(f"  ALERT {system_id}: {', '.join(codes)}")
        for system_id in report.newly_overdue:
            typer.echo(f"  OVERDUE {system_id}")
        typer.echo(
            f"  items flagged 'needs review': {report.flags_raised}; "
            f"notifications sent {report.notifications_sent}, failed {report.notifications_failed}"
        )
    if report.notifications_failed:
        raise PartialFailure.of(
            "{count} notification(s) could not be delivered; the next tick "
            "retries them (see `tongzhou reassess outbox`)",
            count=report.notifications_failed,
        )


@app.command("plans")
def plans(
    as_of: str = typer.Option(None, "--as-of", help=_AS_OF),
    policy: Path = typer.Option(None, "--policy", help=_POLICY),
    include_inactive: bool = typer.Option(
        False, "--all", help="Also plans of systems no longer public-sector."
    ),
    fmt: str = typer.Option("text", "--format", help="text or json"),
) -> None:
    """Give every public-sector system a review plan, then list the plans. 列出复审计划。"""
    _format(fmt)
    from tongzhou.reassess.plans import list_plans, sync_plans
    from tongzhou.reassess.policy import load_policy

    with _store() as store:
        sync_plans(store, _today(as_of), load_policy(policy))
        found = list_plans(store, include_inactive=include_inactive)
    if fmt == "json":
        _echo_json([p.to_dict() for p in found])
        return
    if not found:
        typer.echo("no public-sector system is registered (deployer.public_body: true) / 没有公共部门系统")
    for p in found:
        extra = f", endpoint {p.endpoint}" if p.endpoint else ""
        typer.echo(
            f"{p.system_id}: next review {p.next_due}, every {p.interval_days} days ({p.interval_rule}; "
            f"grace {p.grace_days}){extra}{'' if p.active else ' [inactive]'}"
        )


@app.command("show")
def show(
    system: str = typer.Argument(..., help="A system with a review plan."),
    fmt: str = typer.Option("text", "--format", help="text or json"),
) -> None:
    """A plan: interval and its basis, next due date, what is re-checked, whom it tells. 查看复审计划。"""
    _format(fmt)
    from tongzhou.reassess.plans import get_plan

    with _store() as store:
        plan = get_plan(store, system)
    if fmt == "json":
        _echo_json(plan.to_dict())
        return
    typer.echo(
        f"{plan.system_id}: next review {plan.next_due}; "
        f"every {plan.interval_days} days, grace {plan.grace_days}"
    )
    typer.echo(f"  interval ({plan.interval_rule}): {plan.interval_basis}")
    typer.echo(f"  re-checks: {', '.join(plan.checks)}")
    typer.echo(
        f"  endpoint: {plan.endpoint or '-'} "
        f"(suite {plan.suite}, profile {plan.eval_profile}, limit {plan.eval_limit})"
    )
    typer.echo(
        f"  attestations: {', '.join(plan.attestations) or '-'}; "
        f"trust policy: {plan.trust_policy or 'the site policy'}"
    )
    typer.echo(f"  notify: {', '.join(next(iter(c.values())) for c in plan.contacts) or '-'}")


@app.command("configure")
def configure(
    system: str = typer.Argument(..., help="A system with a review plan."),
    endpoint: str = typer.Option(
        None, "--endpoint", help="openai:BASE_URL#MODEL — re-evaluated at each review."
    ),
    no_endpoint: bool = typer.Option(False, "--no-endpoint", help="Forget the endpoint."),
    suite: str = typer.Option(None, "--suite", help="The evaluation suite (default should-refuse)."),
    profile: str = typer.Option(None, "--profile", help="The standard profile (default gbt45654-quick)."),
    limit: int = typer.Option(None, "--limit", help="Items per bank at each review (default 20)."),
    api_key_env: str = typer.Option(
        None, "--api-key-env", help="Environment variable holding the endpoint's key."
    ),
    trust_policy: Path = typer.Option(
        None, "--trust-policy", help="Trust policy the attestations are verified under."
    ),
    rules: Path = typer.Option(
        None, "--rules", help="Directory of your own regime files (classify --rules)."
    ),
    jurisdiction: str = typer.Option(
        None, "--jurisdiction", help="Comma-separated codes re-classified (default all)."
    ),
    email: list[str] = typer.Option(
        None, "--email", help="Add a responsible person's e-mail address (repeatable)."
    ),
    webhook: list[str] = typer.Option(
        None, "--webhook", help="Add a webhook URL (repeatable; signed with HMAC)."
    ),
    remove: list[str] = typer.Option(None, "--remove", help="Remove a contact (e-mail or URL)."),
    next_due: str = typer.Option(None, "--next-due", help="Move the next review to this date."),
) -> None:
    """Set what a plan re-checks and whom it tells; nothing is written if a value is wrong. 配置复审计划。"""
    from tongzhou.reassess.plans import check_contact
    from tongzhou.reassess.plans import configure as set_plan

    contacts = [check_contact(email=e) for e in email or []] + [
        check_contact(webhook=w) for w in webhook or []
    ]
    if jurisdiction is not None:
        from tongzhou.classify import Classifier

        Classifier().parse_jurisdictions(jurisdiction)
    with _store() as store:
        plan = set_plan(
            store,
            system,
            endpoint=endpoint,
            clear_endpoint=no_endpoint,
            suite=suite,
            eval_profile=profile,
            eval_limit=limit,
            api_key_env=api_key_env,
            trust_policy=trust_policy,
            rules_dir=rules,
            jurisdictions=jurisdiction,
            add_contacts=contacts,
            remove_contacts=remove,
            next_due=_date(next_due, "--next-due"),
        )
    typer.echo(f"{plan.system_id}: plan updated; next review {plan.next_due} / 复审计划已更新")


@app.command("link")
def link(
    system: str = typer.Argument(..., help="A system with a review plan."),
    attestation: Path = typer.Argument(
        ..., help="A DSSE attestation (RUN.dsse.json) to check at every review."
    ),
) -> None:
    """Link a signed evaluation to a plan: each review verifies it again. 关联签名测评报告。"""
    from tongzhou.reassess.plans import link_attestation

    with _store() as store:
        added = link_attestation(store, system, attestation)
    typer.echo(f"{system}: {'linked' if added else 'already linked'} {attestation} / 已关联")


@app.command("sign-off")
def sign_off(
    system: str = typer.Argument(..., help="A system with a review waiting for sign-off."),
    by: str = typer.Option(..., "--by", help="The responsible person signing the review off."),
    as_of: str = typer.Option(None, "--as-of", help=_AS_OF),
) -> None:
    """Close the reviews waiting for sign-off and clear the items' "needs review" flags. 签核复审。"""
    from tongzhou.reassess.reviews import sign_off as close

    with _store() as store:
        closed = close(store, system, by, _today(as_of))
    typer.echo(f"{system}: {len(closed)} review(s) signed off by {by} / 已签核")


@app.command("history")
def history(
    system: str = typer.Argument(..., help="A system with a review plan."),
    fmt: str = typer.Option("text", "--format", help="text or json"),
) -> None:
    """Every review of a system: tiers, refusal rate, findings, sign-off. 复审历史。"""
    _format(fmt)
    from tongzhou.reassess.reviews import history as entries

    with _store() as store:
        found = entries(store, system)
    if fmt == "json":
        _echo_json([a.to_dict() for a in found])
        return
    if not found:
        typer.echo(f"{system}: no review recorded yet / 尚无复审记录")
    for a in found:
        rate = "" if a.refusal_rate is None else f", refusal rate {a.refusal_rate:.3f} (n={a.refusal_n})"
        tiers = ", ".join(f"{k}={v}" for k, v in a.headline_tiers.items() if v)
        late = " OVERDUE" if a.overdue else ""
        typer.echo(
            f"#{a.id} {a.as_of} (due {a.cycle_due}) {a.status}{late}: {a.alerts} alert(s){rate}; {tiers}"
        )
        for f in a.findings:
            typer.echo(f"    [{f.severity}] {f.message}")


@app.command("overdue")
def overdue(
    as_of: str = typer.Option(None, "--as-of", help=_AS_OF),
    fmt: str = typer.Option("text", "--format", help="text or json"),
) -> None:
    """Reviews past their due date and grace. Exit 1 when there is one. 逾期复审。"""
    _format(fmt)
    from tongzhou.reassess.reviews import overdue as late_reviews

    with _store() as store:
        found = late_reviews(store, _today(as_of))
    if fmt == "json":
        _echo_json([o.to_dict() for o in found])
    else:
        for o in found:
            how = "not signed off" if o.assessed else "not yet reviewed (is the tick running?)"
            typer.echo(f"{o.system_id}: due {o.due}, {o.days_late} days late, {how}")
        if not found:
            typer.echo("no review is overdue / 无逾期复审")
    if found:
        raise typer.Exit(1)


@app.command("outbox")
def outbox(fmt: str = typer.Option("text", "--format", help="text or json")) -> None:
    """Notifications and whether they were delivered. 通知发送情况。"""
    _format(fmt)
    from sqlalchemy import select

    from tongzhou.reassess._tables import NotificationRow

    with _store() as store, store.transaction() as session:
        rows = [
            {
                "id": r.id,
                "system_id": r.system_id,
                "kind": r.kind,
                "channel": r.channel,
                "target": r.target,
                "status": r.status,
                "attempts": r.attempts,
                "last_error": r.last_error,
            }
            for r in session.scalars(select(NotificationRow).order_by(NotificationRow.id))
        ]
    if fmt == "json":
        _echo_json(rows)
        return
    for r in rows:
        error = f" — {r['last_error']}" if r["last_error"] else ""
        typer.echo(
            f"#{r['id']} {r['system_id']} {r['kind']} → {r['channel']} {r['target']}: {r['status']}{error}"
        )
