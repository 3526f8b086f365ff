"""A small multilingual goods catalogue with labelled descriptions.

Built from the simulator's own goods (:data:`GOODS`): a nomenclature with
names at 2, 4, 6 and 10 digits in English and Russian, and goods descriptions
written the way declarants write them (upper or lower case, brands, sizes,
quantities, units, now and then with the goods name left out). The national
10-digit codes split each subheading by the good's variants (named by the
variant alone, as official leaf names are fragments); the names are
the simulator's, not the official TN VED. For demos and tests, not a tariff.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sarap.simulate._catalogue import GOODS, Good

_UNITS = ("ШТ", "PCS", "КГ", "KG", "КОР", "CTN", "УП", "SETS")
_PURPOSE = (
    "ДЛЯ СОБСТВЕННЫХ НУЖД",
    "НОВЫЕ",
    "NEW",
    "НЕ ВОЕННОГО НАЗНАЧЕНИЯ",
    "ДЛЯ РОЗНИЧНОЙ ПРОДАЖИ",
    "FOR RETAIL SALE",
    "",
    "",
)


@dataclass(frozen=True)
class GoodsCatalogue:
    """A simulated nomenclature and goods descriptions labelled with codes.

    Attributes
    ----------
    nomenclature : pandas.DataFrame
        ``code`` (2, 4, 6 or 10 digits) and ``name``; English and Russian
        names of a code are two rows.
    examples : pandas.DataFrame
        ``text``, ``code`` (the true code at 4, 6 or 10 digits, sometimes
        written with a space or dot as declarants do), ``code10`` (the full
        true code) and ``lang``.
    """

    nomenclature: pd.DataFrame
    examples: pd.DataFrame


def _national_codes(good: Good) -> list[tuple[str, str]]:
    """One 10-digit code per variant (at most 9): hs6 + 2-digit + '00'."""
    return [
        (f"{good.hs6}{i + 1:02d}00"[:10], name)
        for i, (name, _) in enumerate(good.variants[:9])
    ]


def goods_nomenclature() -> pd.DataFrame:
    """The catalogue's code list: chapters, headings, subheadings, national codes."""
    rows: list[tuple[str, str]] = []
    by_heading: dict[str, list[Good]] = {}
    for g in GOODS:
        by_heading.setdefault(g.hs6[:4], []).append(g)
    for chapter in sorted({h[:2] for h in by_heading}):
        sectors = sorted(
            {g.sector for h, gs in by_heading.items() for g in gs if h[:2] == chapter}
        )
        rows.append((chapter, f"GOODS OF CHAPTER {chapter}: {', '.join(sectors)}"))
    for heading, goods in sorted(by_heading.items()):
        rows.append((heading, "; ".join(g.name_en for g in goods)))
        rows.append((heading, "; ".join(g.name_ru for g in goods)))
        for g in goods:
            rows.append((g.hs6, g.name_en))
            rows.append((g.hs6, g.name_ru))
            for code, variant in _national_codes(g):
                rows.append((code, variant))
    return pd.DataFrame(rows, columns=["code", "name"])


def _describe(rng: np.random.Generator, good: Good, variant: str, lang: str) -> str:
    name = good.name_ru if lang == "ru" else good.name_en
    words = name.split()
    if len(words) > 2 and rng.random() < 0.3:  # declarants shorten names
        words = words[: int(rng.integers(2, len(words)))]
    parts = [" ".join(words), variant, str(rng.choice(good.specs))]
    if rng.random() < 0.6:
        parts.append(f"{int(rng.integers(1, 5000))} {rng.choice(_UNITS)}")
    parts.append(str(rng.choice(_PURPOSE)))
    if rng.random() < 0.3:
        parts.insert(0, f"ART.{int(rng.integers(1000, 99999))}")
    text = " ".join(p for p in parts if p)
    return text.lower() if rng.random() < 0.2 else text


def simulate_goods(n_examples: int = 2000, *, seed: int = 0) -> GoodsCatalogue:
    """A small multilingual catalogue and ``n_examples`` labelled descriptions.

    Parameters
    ----------
    n_examples : int, default 2000
    seed : int, default 0

    Returns
    -------
    GoodsCatalogue

    Examples
    --------
    >>> cat = simulate_goods(100, seed=1)
    >>> sorted(cat.examples.columns)
    ['code', 'code10', 'lang', 'text']
    """
    rng = np.random.default_rng(seed)
    weight = np.array([g.popularity for g in GOODS])
    picks = rng.choice(len(GOODS), size=n_examples, p=weight / weight.sum())
    rows = []
    for gi in picks:
        good = GOODS[gi]
        national = _national_codes(good)
        vi = int(rng.integers(len(national)))
        code10, variant = national[vi]
        lang = "ru" if rng.random() < 0.65 else "en"
        text = _describe(rng, good, variant, lang)
        depth = int(rng.choice([4, 6, 10], p=[0.5, 0.3, 0.2]))
        code = code10[:depth]
        style = rng.random()
        if depth >= 6 and style < 0.15:
            code = f"{code[:4]} {code[4:]}"
        elif depth >= 6 and style < 0.3:
            code = f"{code[:4]}.{code[4:]}"
        rows.append((text, code, code10, lang))
    examples = pd.DataFrame(rows, columns=["text", "code", "code10", "lang"])
    return GoodsCatalogue(goods_nomenclature(), examples)
