"""A generated bilingual corpus with known planted keywords, personal data and duplicates.

Used by the tests (exact expected counts), the demo (a small corpus audited in seconds) and the
benchmark (hundreds of MB of mixed Chinese/English JSONL). The clean text is drawn from neutral
vocabularies; what is planted is recorded in :class:`PlantLog`, so a test can compare an audit's
counts with what was put in.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tongzhou.corpus.keywords import KeywordEntry, KeywordLibrary
from tongzhou.corpus.pii import PII_KINDS, cn_resident_id_check_char, luhn_valid

# fmt: off
ZH_WORDS = [
    "天气", "学习", "研究", "数据", "城市", "公园", "音乐", "图书馆", "科学", "技术", "历史", "文化",
    "经济", "发展", "教育", "旅行", "美食", "朋友", "春天", "秋天", "河流", "山脉", "工程", "设计",
    "模型", "算法", "计算", "语言", "文学", "艺术", "电影", "博物馆", "农业", "水稻", "森林", "海洋",
    "气候", "能源", "交通", "铁路", "桥梁", "建筑", "花园", "咖啡", "茶叶", "书法", "绘画", "诗歌",
    "季节", "星空", "月亮", "阳光", "雨水", "湖泊", "草原", "沙漠", "冰川", "物理", "化学", "生物",
    "数学", "天文", "地理", "会议", "报告", "计划", "项目", "团队", "合作", "创新", "质量", "标准",
    "测试", "评估", "分析", "方法", "结果", "讨论", "总结", "我们", "他们", "今天", "明天", "非常",
    "已经", "开始", "完成", "提高", "改善", "介绍", "参观", "欣赏", "喜欢", "认为", "发现", "记录",
    "整理", "准备",
]
# fmt: on
# fmt: off
EN_WORDS = [
    "the", "of", "and", "to", "in", "is", "was", "for", "on", "that", "with", "as", "by", "at", "from",
    "it", "an", "be", "this", "which", "or", "are", "have", "has", "not", "but", "had", "were", "they",
    "their", "one", "all", "also", "more", "can", "other", "its", "been", "new", "first", "time",
    "some", "would", "into", "only", "after", "most", "two", "many", "made", "such", "like", "over",
    "years", "world", "could", "these", "used", "then", "city", "between", "school", "university",
    "team", "film", "early", "river", "mountain", "garden", "library", "music", "science", "history",
    "culture", "economy", "travel", "coffee", "weather", "report", "project", "method", "result",
    "analysis", "quality", "standard", "design", "model", "energy", "bridge", "railway", "forest",
    "ocean", "climate", "spring", "autumn", "village", "museum", "painting", "poetry", "season",
    "moon", "sunlight", "lake", "desert", "glacier", "physics", "chemistry", "biology", "mathematics",
    "astronomy", "geography", "meeting", "plan", "cooperation", "innovation", "evaluation", "summary",
    "today",
]
# fmt: on

# Every kind the detectors know is planted, so the exact-count tests cover them all.
PII_KINDS_PLANTED = PII_KINDS


@dataclass
class PlantLog:
    """What was planted, per source."""

    items: Counter[str] = field(default_factory=Counter)
    """Items written per source."""
    keyword_items: Counter[str] = field(default_factory=Counter)
    """Items with a planted keyword per source."""
    planted: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    """Item text → list of (keyword entry, evasion style) planted in it (for reference checks)."""
    pii: Counter[str] = field(default_factory=Counter)
    """Valid identifiers planted, per kind (decoys are not counted)."""
    pii_items: int = 0
    """Items holding at least one valid identifier."""
    exact_duplicates: int = 0
    """Items written as exact copies of an earlier item."""
    near_duplicates: int = 0
    """Items written as small edits of an earlier (long) item."""


def zh_sentence(rng: random.Random, n_words: int) -> str:
    """Neutral Chinese text of ``n_words`` words with Chinese punctuation."""
    words = [rng.choice(ZH_WORDS) for _ in range(n_words)]
    out = []
    for i, w in enumerate(words):
        out.append(w)
        if i % 9 == 8:
            out.append(rng.choice("，。；"))
    return "".join(out) + "。"


def en_sentence(rng: random.Random, n_words: int) -> str:
    """Neutral English text of ``n_words`` words."""
    return " ".join(rng.choice(EN_WORDS) for _ in range(n_words)).capitalize() + "."


def evade(keyword: str, style: str, rng: random.Random) -> str:
    """Write ``keyword`` in an evasive style: plain, fullwidth, spaced, symbols, upper, traditional."""
    if style == "fullwidth":
        return "".join(
            chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else ("\u3000" if c == " " else c) for c in keyword
        )
    if style == "spaced":
        return " ".join(keyword)
    if style == "symbols":
        return (
            "".join(c + rng.choice(["*", "-", "·", "_", "、", "．", "\u200b"]) for c in keyword[:-1])
            + keyword[-1]
        )
    if style == "upper":
        return keyword.upper()
    if style == "traditional":
        import opencc

        return str(opencc.OpenCC("s2t").convert(keyword))
    return keyword


def valid_pii(kind: str, rng: random.Random) -> str:
    """A valid identifier of ``kind`` (random digits with correct check digits)."""
    d = lambda n: "".join(rng.choice("0123456789") for _ in range(n))  # noqa: E731
    if kind == "cn_resident_id":
        first = (
            f"{rng.choice(['110101', '310104', '440305'])}{rng.randint(1950, 2005)}{rng.randint(1, 12):02d}"
            f"{rng.randint(1, 28):02d}{d(3)}"
        )
        return first + cn_resident_id_check_char(first)
    if kind == "cn_mobile":
        return f"1{rng.choice('3456789')}{d(9)}"
    if kind == "bank_card":
        while True:
            card = "62" + d(14)
            for check in "0123456789":
                if luhn_valid(card + check):
                    return card + check
    if kind == "email":
        user = rng.choice(["li.wei", "jane_doe", "zhang3"])
        return f"{user}{rng.randint(1, 999)}@example{rng.randint(1, 99)}.com"
    if kind == "ipv4":
        return f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    if kind == "ipv6":
        return f"2001:db8:{rng.randint(1, 0xFFFF):x}::{rng.randint(1, 0xFFFF):x}"
    if kind == "cn_passport":
        return "E" + d(8)
    if kind == "us_ssn":
        return f"{rng.randint(100, 665)}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}"
    if kind == "uk_nino":
        return f"AB{d(6)}{rng.choice('ABCD')}"
    if kind == "us_phone":
        return f"({rng.randint(201, 989)}) {rng.randint(200, 999)}-{d(4)}"
    if kind == "uk_phone":
        return f"+44 7{d(3)} {d(6)}"
    raise ValueError(kind)


def decoy_pii(rng: random.Random) -> str:
    """Look-alikes that must *not* count: an ID with a wrong check digit, a card failing Luhn."""
    first = f"110101{rng.randint(1960, 1999)}0101{rng.randint(100, 999)}"
    good = cn_resident_id_check_char(first)
    bad = next(c for c in "0123456789X" if c != good)
    card = "62" + "".join(rng.choice("0123456789") for _ in range(14))
    bad_card = next(card + c for c in "0123456789" if not luhn_valid(card + c))
    return f"{first}{bad} {bad_card}"


def write_corpus(
    root: str | Path,
    library: KeywordLibrary,
    sources: dict[str, int],
    seed: int = 7,
    keyword_rate: float = 0.03,
    pii_rate: float = 0.05,
    dup_rate: float = 0.02,
    styles: tuple[str, ...] = ("plain", "fullwidth", "spaced", "symbols", "upper", "traditional"),
) -> PlantLog:
    """Write one JSONL file per source under ``root`` (``<source>/part-0.jsonl``); returns what was planted.

    Planted keywords are ``substring``-mode entries of ``library``; each keyword item gets exactly one.
    """
    rng = random.Random(seed)
    log = PlantLog()
    candidates: list[KeywordEntry] = [e for e in library.entries if e.mode == "substring"]
    long_items: list[str] = []
    for source, n_items in sources.items():
        folder = Path(root) / source
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "part-0.jsonl", "w", encoding="utf-8") as fh:
            for i in range(n_items):
                roll = rng.random()
                zh = rng.random() < 0.5
                text = (
                    zh_sentence(rng, rng.randint(60, 160)) if zh else en_sentence(rng, rng.randint(60, 160))
                )
                clean = True
                if roll < dup_rate and long_items:
                    clean = False
                    original = rng.choice(long_items)
                    if rng.random() < 0.5:
                        text = original
                        log.exact_duplicates += 1
                    else:
                        pos = rng.randrange(len(original) // 2, len(original) - 1)
                        text = (
                            original[:pos]
                            + ("今天" if ord(original[pos]) > 0x2E80 else " today ")
                            + original[pos:]
                        )
                        log.near_duplicates += 1
                elif dup_rate <= roll < dup_rate + keyword_rate:
                    clean = False
                    pool = (
                        [e for e in candidates if (e.language == "zh") == zh]
                        if rng.random() < 0.9
                        else candidates
                    )
                    entry = rng.choice(pool)
                    usable = (
                        styles if entry.language == "zh" else tuple(s for s in styles if s != "traditional")
                    )
                    style = rng.choice(usable)
                    cut = rng.randrange(len(text) // 4, len(text) - 2)
                    sep = "" if zh else " "
                    text = f"{text[:cut]}{sep}{evade(entry.keyword, style, rng)}{sep}{text[cut:]}"
                    log.keyword_items[source] += 1
                    log.planted[text] = [(entry.keyword, style)]
                elif roll < dup_rate + keyword_rate + pii_rate:
                    clean = False
                    kinds = rng.sample(PII_KINDS_PLANTED, k=rng.randint(1, 2))
                    parts = [f" {valid_pii(k, rng)} " for k in kinds]
                    log.pii.update(kinds)
                    log.pii_items += 1
                    text = text[: len(text) // 2] + "".join(parts) + text[len(text) // 2 :]
                elif roll < dup_rate + keyword_rate + pii_rate + 0.02:
                    clean = False
                    text = text[: len(text) // 3] + f" {decoy_pii(rng)} " + text[len(text) // 3 :]
                if clean and len(text) > 250 and len(long_items) < 500:
                    long_items.append(text)
                fh.write(
                    json.dumps(
                        {"id": f"{source}-{i}", "text": text, "lang": "zh" if zh else "en"},
                        ensure_ascii=False,
                    )
                    + "\n"
                )
                log.items[source] += 1
    return log
