"""Personal-information detectors (Chinese and English-language identifiers), counts and redaction.

One compiled regular expression finds candidates for every kind in one pass over a whole batch; a
validator per kind then rejects look-alikes (checksums, ranges), so counts are of *valid* identifiers:

===============  ==========================================================================
kind             rule
===============  ==========================================================================
cn_resident_id   18-character PRC resident ID, valid birth date, ISO 7064 MOD 11-2 check digit
                 (GB 11643-1999)
cn_mobile        PRC mobile number 1[3-9]xxxxxxxxx, optional +86 / 0086 prefix
bank_card        13–19 digits (optionally in groups of 4) passing the Luhn check (ISO/IEC 7812)
email            RFC 5322-style address with a dotted domain
ipv4 / ipv6      addresses that :mod:`ipaddress` accepts
cn_passport      PRC passport: E/G + 8 digits or E + letter + 7 digits
us_ssn           ddd-dd-dddd without the never-issued areas 000, 666, 9xx, group 00 or serial 0000
uk_nino          UK National Insurance number (HMRC prefix rules, suffix A–D)
us_phone         NANP number written with separators or +1, area/exchange codes starting 2–9
uk_phone         +44 or 0 followed by a UK mobile/landline number
===============  ==========================================================================
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

PII_KINDS = (
    "cn_resident_id",
    "cn_mobile",
    "bank_card",
    "email",
    "ipv4",
    "ipv6",
    "cn_passport",
    "us_ssn",
    "uk_nino",
    "us_phone",
    "uk_phone",
)

# Every pattern starts with a character class (boundary look-behinds come after the first character), so
# the regex engine's fast first-character scan skips the text that cannot start an identifier.
_B = "(?<![0-9A-Za-z]{c})"  # no digit/letter before the first character (width 2 look-behind)
_NA = r"(?![0-9A-Za-z])"  # no digit/letter after

_NUMERIC: list[tuple[str, str]] = [
    (
        "cn_resident_id",
        r"[1-9]"
        + _B.format(c="[1-9]")
        + r"\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx]"
        + _NA,
    ),
    (
        "bank_card",
        r"[3-6]" + _B.format(c="[3-6]") + r"(?:\d{3}(?:[ -]\d{4}){3}(?:[ -]?\d{1,3})?|\d{12,18})" + _NA,
    ),
    (
        "uk_phone",
        r"[+0]" + r"(?<![0-9A-Za-z+][+0])(?:(?<=\+)44[ -]?|(?<=0))"
        r"(?:7\d{3}[ -]?\d{6}|[12]\d{2,3}[ -]?\d{3}[ -]?\d{3,4})" + _NA,
    ),
    (
        "cn_mobile",
        r"[+01]" + r"(?<![0-9A-Za-z+][+01])(?:(?:(?<=\+)|(?<=0)0)86[ -]?1|(?<=1))"
        r"[3-9]\d[ -]?\d{4}[ -]?\d{4}" + _NA,
    ),
    ("ipv4", r"\d" + r"(?<![0-9.]\d)\d{0,2}\.(?:\d{1,3}\.){2}\d{1,3}(?![0-9]|\.\d)"),
    ("us_ssn", r"\d" + _B.format(c=r"\d") + r"\d{2}-\d{2}-\d{4}" + _NA),
    (
        "us_phone",
        r"[+(2-9]" + r"(?<![0-9A-Za-z+][+(2-9])(?:(?<=\+)1[ .-]?[(2-9]|(?<=[(2-9]))"
        r"(?:(?<=\()[2-9]\d{2}\)[ ]?|(?<=[2-9])\d{2}[ .-])[2-9]\d{2}[ .-]\d{4}" + _NA,
    ),
    (
        "uk_nino",
        r"[A-CEGHJ-PR-TW-Z]"
        + _B.format(c="[A-CEGHJ-PR-TW-Z]")
        + r"[A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]"
        + _NA,
    ),
    ("cn_passport", r"[EG]" + _B.format(c="[EG]") + r"(?:(?<=E)[A-HJ-NP-Z]\d{7}|\d{8})" + _NA),
]
_NUMERIC_RE = {kind: re.compile(pat) for kind, pat in _NUMERIC}
_EMAIL_AT = re.compile(
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![A-Za-z0-9-])"
)
_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9._%+-]{1,64}$")
_IPV6_COLON = re.compile(r":[0-9A-Fa-f:]*")
_HEX_TAIL = re.compile(r"[0-9A-Fa-f]{1,4}$")
_PRIORITY = {kind: i for i, kind in enumerate(("email", "ipv6", *(k for k, _ in _NUMERIC)))}
_SSN_BAD = re.compile(r"^(?:000|666|9\d\d)|^\d{3}-00|0000$")
_NINO_BAD = ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def valid_cn_resident_id(value: str) -> bool:
    """GB 11643-1999: 17 digits + MOD 11-2 check character, and a real birth date not in the future."""
    v = value.upper()
    if len(v) != 18 or not v[:17].isdigit():
        return False
    try:
        born = dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        return False
    if born > dt.date.today() or born.year < 1880:
        return False
    total = sum(int(d) * w for d, w in zip(v[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == v[17]


def cn_resident_id_check_char(first17: str) -> str:
    """The check character for the first 17 digits (to generate valid test data)."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check used by payment cards (ISO/IEC 7812-1)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _valid_card(value: str) -> bool:
    digits = re.sub(r"[ -]", "", value)
    return 13 <= len(digits) <= 19 and luhn_valid(digits) and len(set(digits)) > 1


def _valid_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _valid_ssn(value: str) -> bool:
    return _SSN_BAD.search(value) is None


def _valid_nino(value: str) -> bool:
    return value[:2] not in _NINO_BAD and value[1] != "O"


_VALIDATORS: dict[str, Callable[[str], bool]] = {
    "cn_resident_id": valid_cn_resident_id,
    "bank_card": _valid_card,
    "ipv4": _valid_ip,
    "us_ssn": _valid_ssn,
    "uk_nino": _valid_nino,
}


def _ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _candidates(text: str) -> list[tuple[int, int, str, int]]:
    """All validated identifiers as ``(start, priority, kind, end)``, possibly overlapping."""
    out: list[tuple[int, int, str, int]] = []
    for m in _EMAIL_AT.finditer(text):
        local = _EMAIL_LOCAL.search(text, max(0, m.start() - 64), m.start())
        if (
            local
            and _ascii_alnum(local.group()[0])
            and not (
                local.start() > 0
                and (_ascii_alnum(text[local.start() - 1]) or text[local.start() - 1] in "._%+-")
            )
        ):
            out.append((local.start(), _PRIORITY["email"], "email", m.end()))
    for m in _IPV6_COLON.finditer(text):
        if m.group().count(":") < 2 and not (m.end() < len(text) and text[m.end()] == ":"):
            continue
        head = _HEX_TAIL.search(text, max(0, m.start() - 4), m.start())
        start = head.start() if head else m.start()
        end = m.end()
        if (start > 0 and (_ascii_alnum(text[start - 1]) or text[start - 1] in ":.")) or (
            end < len(text) and (_ascii_alnum(text[end]) or text[end] == ".")
        ):
            continue
        if _valid_ip(text[start:end]) and ":" in text[start:end]:
            out.append((start, _PRIORITY["ipv6"], "ipv6", end))
    for kind, rx in _NUMERIC_RE.items():
        check = _VALIDATORS.get(kind)
        for m in rx.finditer(text):
            value = m.group()
            if check is not None and not check(value):
                continue
            out.append((m.start(), _PRIORITY[kind], kind, m.end()))
    return out


def find_pii(text: str) -> list[tuple[str, int, int]]:
    """Valid identifiers in ``text`` as ``(kind, start, end)``, in order, non-overlapping.

    Where candidates overlap, the earlier one wins, and at the same start the kind listed first in
    :data:`PII_KINDS` order of priority (email, ipv6, resident ID, bank card, phones, ...).
    """
    found: list[tuple[str, int, int]] = []
    last_end = 0
    for start, _, kind, end in sorted(_candidates(text)):
        if start >= last_end:
            found.append((kind, start, end))
            last_end = end
    return found


def count_pii(text: str) -> Counter[str]:
    """Count of valid identifiers per kind."""
    return Counter(kind for kind, _, _ in find_pii(text))


def redact(text: str, found: list[tuple[str, int, int]] | None = None) -> str:
    """``text`` with each valid identifier replaced by ``[KIND]`` (e.g. ``[CN_MOBILE]``)."""
    spans = find_pii(text) if found is None else found
    if not spans:
        return text
    out = []
    last = 0
    for kind, start, end in spans:
        out.append(text[last:start])
        out.append(f"[{kind.upper()}]")
        last = end
    out.append(text[last:])
    return "".join(out)


# Hyperscan prefilter: loose forms of every kind (no boundaries, no checksums). An item is searched with
# the exact detectors above only when one of these occurs in it, which keeps the slow part off the
# (large) majority of items that cannot hold an identifier.
_PREFILTER = [
    rb"@[A-Za-z0-9-]+\.[A-Za-z]{2}",
    rb"[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:",
    rb"\d{6}(?:18|19|20)\d{2}[01]\d[0-3]\d{4}",
    rb"\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d",
    rb"1[3-9]\d[ -]?\d{4}[ -]?\d{4}",
    rb"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}",
    rb"\d{3}-\d{2}-\d{4}",
    rb"\d{3}\)?[ .-]?\d{3}[ .-]\d{4}",
    rb"(?:\+44|0)[ -]?[127]\d{2,3}[ -]?\d{3}",
    rb"[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]",
    rb"[EG][A-Z]?\d{7}",
]


class PiiPrefilter:
    """Which items of a newline-separated UTF-8 buffer may hold an identifier (Hyperscan; all if absent)."""

    def __init__(self) -> None:
        try:
            import hyperscan
        except ImportError:
            self._db = None
            return
        self._db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        self._db.compile(
            expressions=_PREFILTER, ids=list(range(len(_PREFILTER))), elements=len(_PREFILTER), flags=0
        )

    def candidate_items(self, buf: bytes, newlines: Any, n_items: int) -> list[int]:
        """Sorted indices of items (0-based, separated by the ``newlines`` offsets) worth an exact search."""
        if self._db is None:
            return list(range(n_items))
        ends: list[int] = []

        def on_match(pid: int, start: int, end: int, flags: int, ctx: object) -> None:
            ends.append(end)

        self._db.scan(buf, match_event_handler=on_match)
        if not ends:
            return []
        import numpy as np

        items = np.unique(np.searchsorted(newlines, np.asarray(ends, dtype=np.int64) - 1, side="left"))
        return [int(i) for i in items if i < n_items]

    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()  # type: ignore[misc]
