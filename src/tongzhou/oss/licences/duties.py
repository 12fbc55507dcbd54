"""The kinds of duty a licence can carry, and which of them the compatibility check can verify."""

from __future__ import annotations

from enum import StrEnum


class DutyKind(StrEnum):
    """What a duty asks; the check for each lives in :mod:`tongzhou.oss.licences.compat`."""

    NON_COMMERCIAL = "non-commercial"
    """Only non-commercial use is licensed (checked against the intended use)."""
    MAU_THRESHOLD = "mau-threshold"
    """Above a number of monthly active users a separate licence is needed (checked against --mau)."""
    LICENCE_COPY = "licence-copy"
    """Recipients get a copy of the licence (checked in the distributed folder)."""
    PASS_ON_RESTRICTIONS = "pass-on-restrictions"
    """Use restrictions go on to downstream users as enforceable terms (checked in the licence text)."""
    NOTICE_FILE = "notice-file"
    """A "Notice" text file carries a given attribution line (checked in the folder)."""
    NAME_PREFIX = "name-prefix"
    """A derivative model's name begins with a given word (checked against the model's name)."""
    DISPLAY = "display"
    """A phrase such as "Built with Llama" is shown (looked for in the model card)."""
    SHARE_ALIKE = "share-alike"
    """Adaptations are shared under the same licence (unsettled for trained models: undetermined)."""
    ACCEPTABLE_USE = "acceptable-use"
    """An acceptable- or prohibited-use policy binds every use (an obligation, not checkable from files)."""
    ATTRIBUTION = "attribution"
    """Credit the creator (an obligation)."""
    MODIFICATION_NOTICE = "modification-notice"
    """Modified files say so (an obligation)."""
    RETAIN_NOTICES = "retain-notices"
    """Copyright and NOTICE contents are kept (an obligation)."""
    NO_IMPROVING_OTHER_MODELS = "no-improving-other-models"
    """Outputs may not improve other models (an obligation)."""
    REGIONAL_EXCLUSION = "regional-exclusion"
    """Rights are not granted in some regions (an obligation to read)."""
    REMOTE_RESTRICTION = "remote-restriction"
    """The licensor may restrict use remotely (for information)."""


REDISTRIBUTION_DUTIES = frozenset(
    {
        DutyKind.LICENCE_COPY,
        DutyKind.PASS_ON_RESTRICTIONS,
        DutyKind.NOTICE_FILE,
        DutyKind.NAME_PREFIX,
        DutyKind.DISPLAY,
    }
)
"""Duties that bind only whoever distributes the model (or a derivative of it)."""

CHECKED_DUTIES = REDISTRIBUTION_DUTIES | {
    DutyKind.NON_COMMERCIAL,
    DutyKind.MAU_THRESHOLD,
    DutyKind.SHARE_ALIKE,
}
"""Duties the compatibility check gives a verdict on; the others are listed as obligations."""
