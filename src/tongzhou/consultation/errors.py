"""What can go wrong in a consultation, each with the HTTP status a door answers, an English
message (the portal's catalog key) and its Chinese wording (the CLI prints both).

The messages live here, in one table, so the portal's catalog and the CLI say the same thing:
tests/consultation/test_errors.py checks that the catalog has each one with this Chinese.
"""

from __future__ import annotations

from typing import Any

from tongzhou.errors import InputError

MESSAGES: dict[str, tuple[int, str, str]] = {
    "no-consultation": (404, "There is no consultation {id}.", "没有标识为 {id} 的征求意见。"),
    "no-version": (404, "Consultation {id} has no version {version}.", "征求意见 {id} 没有第 {version} 版。"),
    "no-comment": (
        404,
        "Consultation {id} has no comment {comment}.",
        "征求意见 {id} 没有第 {comment} 条意见。",
    ),
    "bad-id": (
        422,
        "A consultation id is 3 to 64 lowercase letters, digits and hyphens, "
        "starting with a letter or digit.",
        "征求意见标识须为 3 至 64 个小写字母、数字或连字符，以字母或数字开头。",
    ),
    "exists": (409, "A consultation with this id already exists.", "已有相同标识的征求意见。"),
    "bad-kind": (422, "The draft kind must be text or rules.", "草案类型须为 text 或 rules。"),
    "bad-title": (
        422,
        "The title must have 1 to {limit} characters.",
        "标题须为 1 至 {limit} 个字符。",
    ),
    "bad-dates": (
        422,
        "The consultation must close after it opens.",
        "征求意见截止时间须晚于开始时间。",
    ),
    "bad-date": (422, "{field} is not a date (YYYY-MM-DD).", "{field} 不是日期（YYYY-MM-DD）。"),
    "needs-entry-into-force": (
        422,
        "A draft rule file needs the date its rules would enter into force.",
        "规则草案须注明拟生效日期。",
    ),
    "bad-rule-file-name": (
        422,
        "The rule file name must look like eu-ai-act.yaml (lowercase letters, digits and hyphens).",
        "规则文件名须形如 eu-ai-act.yaml（小写字母、数字和连字符）。",
    ),
    "draft-too-large": (
        413,
        "The draft is too large (at most {limit} bytes).",
        "草案过大（最多 {limit} 字节）。",
    ),
    "too-many-paragraphs": (
        413,
        "The draft has too many paragraphs (at most {limit}).",
        "草案段落过多（最多 {limit} 段）。",
    ),
    "empty-draft": (422, "The draft has no text.", "草案没有内容。"),
    "bad-rules": (
        422,
        "The draft rule file is not valid: {reason}",
        "规则草案无效：{reason}",
    ),
    "closed": (
        409,
        "This consultation closed on {closed}; comments are no longer accepted.",
        "本次征求意见已于 {closed} 截止，不再接受意见。",
    ),
    "not-open": (
        409,
        "This consultation opens on {opens}; comments are not accepted yet.",
        "本次征求意见将于 {opens} 开始，尚不接受意见。",
    ),
    "closed-for-revision": (
        409,
        "This consultation has closed; its draft can no longer change.",
        "本次征求意见已截止，草案不能再修改。",
    ),
    "no-paragraph": (
        422,
        "The draft has no paragraph {paragraph} in its current version.",
        "草案当前版本中没有段落 {paragraph}。",
    ),
    "comment-length": (
        422,
        "A comment must have 1 to {limit} characters.",
        "意见须为 1 至 {limit} 个字符。",
    ),
    "name-length": (
        422,
        "A name must have at most {limit} characters.",
        "署名最多 {limit} 个字符。",
    ),
    "rate-limited": (
        429,
        "Too many comments from this address; try again in an hour.",
        "来自此地址的意见过多，请一小时后再试。",
    ),
    "bad-decision": (
        422,
        "The decision must be approve or reject; a rejection needs a reason.",
        "审核决定须为 approve 或 reject；驳回须说明理由。",
    ),
    "already-moderated": (
        409,
        "This comment has already been moderated.",
        "该意见已审核。",
    ),
    "respond-after-close": (
        409,
        "Responses are published once the consultation has closed.",
        "征求意见截止后方可发布回应。",
    ),
    "response-length": (
        422,
        "A response must have 1 to {limit} characters.",
        "回应须为 1 至 {limit} 个字符。",
    ),
}
"""Reason code → (HTTP status, English message, Chinese message)."""


class ConsultationError(InputError):
    """A refusal with a stable reason ``code`` (a key of :data:`MESSAGES`) and the message's fields."""

    def __init__(self, code: str, **values: Any) -> None:
        status, english, chinese = MESSAGES[code]
        super().__init__(english.format(**values), zh=chinese.format(**values))
        self.code = code
        self.status = status
        self.template = english
        self.values = values
