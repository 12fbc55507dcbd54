"""What can go wrong in a consultation, each with the HTTP status a door answers and an English
message, whose Chinese is in the shared catalog (:mod:`tongzhou.messages`): the portal shows the
viewer's language, the CLI prints both.
"""

from __future__ import annotations

from typing import Any

from tongzhou.errors import InputError
from tongzhou.messages import N_

MESSAGES: dict[str, tuple[int, str]] = {
    "no-consultation": (404, N_("There is no consultation {id}.")),
    "no-version": (404, N_("Consultation {id} has no version {version}.")),
    "no-comment": (404, N_("Consultation {id} has no comment {comment}.")),
    "bad-id": (
        422,
        N_(
            "A consultation id is 3 to 64 lowercase letters, digits and hyphens, starting with a "
            "letter or digit."
        ),
    ),
    "exists": (409, N_("A consultation with this id already exists.")),
    "bad-kind": (422, N_("The draft kind must be text or rules.")),
    "bad-title": (422, N_("The title must have 1 to {limit} characters.")),
    "bad-dates": (422, N_("The consultation must close after it opens.")),
    "bad-date": (422, N_("{field} is not a date (YYYY-MM-DD).")),
    "needs-entry-into-force": (422, N_("A draft rule file needs the date its rules would enter into force.")),
    "bad-rule-file-name": (
        422,
        N_("The rule file name must look like eu-ai-act.yaml (lowercase letters, digits and hyphens)."),
    ),
    "draft-too-large": (413, N_("The draft is too large (at most {limit} bytes).")),
    "too-many-paragraphs": (413, N_("The draft has too many paragraphs (at most {limit}).")),
    "empty-draft": (422, N_("The draft has no text.")),
    "bad-rules": (422, N_("The draft rule file is not valid: {reason}")),
    "closed": (409, N_("This consultation closed on {closed}; comments are no longer accepted.")),
    "not-open": (409, N_("This consultation opens on {opens}; comments are not accepted yet.")),
    "closed-for-revision": (409, N_("This consultation has closed; its draft can no longer change.")),
    "no-paragraph": (422, N_("The draft has no paragraph {paragraph} in its current version.")),
    "comment-length": (422, N_("A comment must have 1 to {limit} characters.")),
    "name-length": (422, N_("A name must have at most {limit} characters.")),
    "rate-limited": (429, N_("Too many comments from this address; try again in an hour.")),
    "bad-decision": (422, N_("The decision must be approve or reject; a rejection needs a reason.")),
    "already-moderated": (409, N_("This comment has already been moderated.")),
    "respond-after-close": (409, N_("Responses are published once the consultation has closed.")),
    "response-length": (422, N_("A response must have 1 to {limit} characters.")),
}
"""Reason code → (HTTP status, English message); its Chinese is in the shared catalog."""


class ConsultationError(InputError):
    """A refusal with a stable reason ``code`` (a key of :data:`MESSAGES`) and the message's fields."""

    def __init__(self, code: str, **values: Any) -> None:
        status, english = MESSAGES[code]
        super().__init__(english.format(**values) if values else english)
        self.template: str = english  # the catalog message: its Chinese is read from the catalog
        self.values = values
        self.code = code
        self.status = status
