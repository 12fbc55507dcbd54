"""One duty against the intended use and the distributed folder: a verdict with its reason and evidence.

Duties of the kinds in ``CHECKED_DUTIES`` are decided here; the redistribution ones only when the model
is distributed, and in the model's folder (what goes out with it).
"""

from __future__ import annotations

import re

from tongzhou.oss.licences.catalog import Duty, Licence, collapse
from tongzhou.oss.licences.duties import REDISTRIBUTION_DUTIES, DutyKind
from tongzhou.oss.licences.evidence import Evidence
from tongzhou.oss.licences.identify import Role, SubjectLicence
from tongzhou.oss.licences.outcomes import Check, IntendedUse, Verdict


def _check(
    verdict: Verdict,
    duty: Duty,
    licence: Licence,
    subject: SubjectLicence,
    en: str,
    zh: str,
    evidence: tuple[Evidence, ...] = (),
) -> Check:
    return Check(
        verdict,
        f"duty.{duty.kind.value}",
        subject.name,
        licence.id,
        en,
        zh,
        tuple(subject.evidence[:1]) + evidence,
        duty.source(),
        duty.confidence,
    )


def check_duty(
    duty: Duty,
    licence: Licence,
    subject: SubjectLicence,
    model: SubjectLicence,
    use: IntendedUse,
) -> Check | None:
    """The verdict on ``duty`` of ``licence`` (held by ``subject``) for ``model`` used as ``use``.

    None when the duty does not arise (a redistribution duty when nothing is distributed, a name prefix
    for a model that is not a derivative, a dataset's redistribution duties).
    """
    kind = duty.kind
    if kind is DutyKind.NON_COMMERCIAL:
        if use.commercial:
            what = (
                "trained on it"
                if subject.role is Role.DATASET
                else "derived from it"
                if subject.role is Role.BASE_MODEL
                else ""
            )
            return _check(
                Verdict.INCOMPATIBLE,
                duty,
                licence,
                subject,
                f"{subject.name} is under {licence.id} (non-commercial only) and the use is commercial"
                + (f": a commercial model {what} is outside the licence" if what else ""),
                f"{subject.name} 采用 {licence.id}（仅限非商业用途），而预期用途为商业用途",
            )
        return _check(
            Verdict.COMPATIBLE,
            duty,
            licence,
            subject,
            f"{subject.name} is under {licence.id} (non-commercial only); the use is non-commercial",
            f"{subject.name} 仅限非商业用途；预期用途为非商业用途",
        )
    if kind is DutyKind.MAU_THRESHOLD:
        threshold = int(duty.params["threshold"])
        if duty.params.get("commercial_only") and not use.commercial:
            return _check(
                Verdict.COMPATIBLE,
                duty,
                licence,
                subject,
                f"{licence.id}: the {threshold:,} monthly-active-user threshold is for commercial use only",
                f"{licence.id}：{threshold:,} 月活用户门槛仅适用于商业用途",
            )
        if use.monthly_active_users is None:
            return _check(
                Verdict.UNDETERMINED,
                duty,
                licence,
                subject,
                f"{licence.id}: above {threshold:,} monthly active users a separate licence is needed; "
                "give --mau to check",
                f"{licence.id}：月活用户超过 {threshold:,} 需另行取得许可；请用 --mau 给出月活用户数",
            )
        if use.monthly_active_users > threshold:
            return _check(
                Verdict.INCOMPATIBLE,
                duty,
                licence,
                subject,
                f"{licence.id}: {use.monthly_active_users:,} monthly active users is above {threshold:,}; "
                "request a licence from the licensor first",
                f"{licence.id}：月活用户 {use.monthly_active_users:,} 超过 {threshold:,}，"
                "须先向许可方申请许可",
            )
        return _check(
            Verdict.COMPATIBLE,
            duty,
            licence,
            subject,
            f"{licence.id}: {use.monthly_active_users:,} monthly active users is within {threshold:,}",
            f"{licence.id}：月活用户 {use.monthly_active_users:,} 未超过 {threshold:,}",
        )
    if kind is DutyKind.SHARE_ALIKE:
        if not use.redistribute:
            return None
        return _check(
            Verdict.UNDETERMINED,
            duty,
            licence,
            subject,
            f"{subject.name} is under {licence.id} (share-alike); whether a model trained on it is "
            "adapted material that must be shared alike is not settled: take legal advice",
            f"{subject.name} 采用 {licence.id}（相同方式共享）；"
            "训练所得模型是否属于改编作品尚无定论，请咨询法律意见",
        )
    if kind in REDISTRIBUTION_DUTIES:
        if not use.redistribute or subject.role is Role.DATASET:
            return None
        return _distribution_check(duty, licence, subject, model, use)
    return None


def _squash(text: str) -> str:
    """Lower case without spaces, hyphens or underscores: "Llama-3-Acme" begins with "Llama 3"."""
    return re.sub(r"[\s_\-]+", "", text).lower()


def _distribution_check(
    duty: Duty,
    licence: Licence,
    subject: SubjectLicence,
    model: SubjectLicence,
    use: IntendedUse,
) -> Check | None:
    kind = duty.kind
    derivative = subject.role is Role.BASE_MODEL or bool(model.declared_bases)
    if kind is DutyKind.NAME_PREFIX:
        if not derivative:
            return None
        prefix = str(duty.params["prefix"])
        where: tuple[Evidence, ...] = ()
        if use.name:
            name = use.name
        elif model.model_name:
            name, where = model.model_name[0], (model.model_name[1],)
        else:
            name = model.name
        short = name.rstrip("/").rsplit("/", 1)[-1]
        if _squash(short).startswith(_squash(prefix)):
            return _check(
                Verdict.COMPATIBLE,
                duty,
                licence,
                subject,
                f"the derivative model's name {short!r} begins with {prefix!r}",
                f"衍生模型名称 {short!r} 以 {prefix!r} 开头",
                where,
            )
        return _check(
            Verdict.INCOMPATIBLE,
            duty,
            licence,
            subject,
            f"the derivative model's name {short!r} does not begin with {prefix!r}, as {licence.id} "
            "requires of a distributed model built with it (rename it, or give --name)",
            f"衍生模型名称 {short!r} 未以 {prefix!r} 开头，不符合 {licence.id} 的要求",
            where,
        )
    if model.path is None or not model.path.is_dir():
        return _check(
            Verdict.UNDETERMINED,
            duty,
            licence,
            subject,
            f"{licence.id}: {duty.text}; a single file was given, so what is distributed with it "
            "cannot be seen: check the folder you distribute",
            f"{licence.id}：只给出了单个文件，无法查看随附分发的文件，请检查要分发的目录",
        )
    if kind is DutyKind.DISPLAY:
        phrases = [str(p) for p in duty.params["phrases"]]
        card = model.card
        if card is not None:
            for number, row in enumerate(card.body.splitlines(), card.body_first_line):
                if any(p.lower() in row.lower() for p in phrases):
                    return _check(
                        Verdict.COMPATIBLE,
                        duty,
                        licence,
                        subject,
                        f"the model card displays {phrases[0]!r}",
                        f"模型卡中展示了 {phrases[0]!r}",
                        (Evidence(card.path, number, row.strip()[:120]),),
                    )
        return _check(
            Verdict.UNDETERMINED,
            duty,
            licence,
            subject,
            f"{' or '.join(repr(p) for p in phrases)} is not in the model card; {licence.id} also accepts "
            "a website, user interface, blog post or about page, which cannot be checked here",
            f"模型卡中没有 {phrases[0]!r}；许可证也接受在网站、界面、博客或关于页面展示，此处无法检查",
        )
    texts = [t for t in model.licence_texts if licence in t.matches]
    if kind is DutyKind.LICENCE_COPY:
        if not licence.titles:
            return _check(
                Verdict.UNDETERMINED,
                duty,
                licence,
                subject,
                f"{licence.id} does not name one licence text, so a copy cannot be recognised",
                f"{licence.id} 未指明具体许可证文本，无法识别副本",
            )
        if texts:
            return _check(
                Verdict.COMPATIBLE,
                duty,
                licence,
                subject,
                f"a copy of {licence.name} is in the folder",
                f"目录中有 {licence.name} 的副本",
                (Evidence(texts[0].path, texts[0].line, "licence text"),),
            )
        return _check(
            Verdict.INCOMPATIBLE,
            duty,
            licence,
            subject,
            f"no copy of {licence.name} in {model.path}: {duty.text}",
            f"{model.path} 中没有 {licence.name} 的副本：分发时须随附许可证文本",
        )
    if kind is DutyKind.PASS_ON_RESTRICTIONS:
        if not licence.titles:
            return _check(
                Verdict.UNDETERMINED,
                duty,
                licence,
                subject,
                f"{licence.id} does not say which Open RAIL licence, so whether its use restrictions "
                "are passed on cannot be checked; name the exact licence in the card",
                f"{licence.id} 未指明具体的 Open RAIL 许可证，无法检查使用限制是否传递",
            )
        for text in texts:
            collapsed = collapse(text.text)
            if all(marker.search(collapsed) for marker in licence.restriction_markers):
                return _check(
                    Verdict.COMPATIBLE,
                    duty,
                    licence,
                    subject,
                    f"the use restrictions of {licence.name} go on with the model ({text.path.name})",
                    f"{licence.name} 的使用限制随模型一并传递（{text.path.name}）",
                    (Evidence(text.path, text.line, "licence text with its use restrictions"),),
                )
        missing = "its licence text carries no use restrictions" if texts else "no copy of the licence"
        return _check(
            Verdict.INCOMPATIBLE,
            duty,
            licence,
            subject,
            f"use restrictions not passed on: {missing} in {model.path}; {licence.id} requires them as "
            "enforceable terms for every downstream user",
            f"使用限制未传递：{model.path} 中{'许可证文本缺少使用限制' if texts else '没有许可证副本'}；"
            f"{licence.id} 要求将其作为可执行条款传递给下游用户",
            tuple(Evidence(t.path, t.line, "licence text") for t in texts),
        )
    if kind is DutyKind.NOTICE_FILE:
        pattern = re.compile(str(duty.params["notice"]), re.IGNORECASE)
        for notice in model.notices:
            if pattern.search(collapse(notice.text)):
                return _check(
                    Verdict.COMPATIBLE,
                    duty,
                    licence,
                    subject,
                    f"{notice.path.name} carries the notice {licence.id} requires",
                    f"{notice.path.name} 包含 {licence.id} 要求的声明",
                    (Evidence(notice.path, None, "notice"),),
                )
        wanted = pattern.pattern.replace("\\", "")
        return _check(
            Verdict.INCOMPATIBLE,
            duty,
            licence,
            subject,
            f"no Notice file in {model.path} carries {wanted!r}, as {licence.id} requires",
            f"{model.path} 中没有包含所需声明的 Notice 文件：{wanted!r}",
            tuple(Evidence(n.path, None, "notice without the line") for n in model.notices),
        )
    return None
