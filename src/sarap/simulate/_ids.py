"""Identifiers and names of simulated parties.

Home-country parties get 12-digit IDs shaped like a Kazakh BIN: year and
month of registration (YYMM), entity type ``4`` (resident legal entity),
attribute ``0`` (head office), a 5-digit serial and a check digit computed
with the weighted mod-11 rule used for IIN/BIN. The registration date can be
read back from the ID (see :func:`bin_registration_date`), which is how
``simulate_parties`` recovers it without any hidden state.
"""

from __future__ import annotations

import zlib

import numpy as np
from numpy.typing import NDArray

_W1 = np.arange(1, 12)
_W2 = np.array([3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2])


def _check_digits(digits: NDArray[np.int64]) -> NDArray[np.int64]:
    """Mod-11 check digit of rows of 11 digits; 10 means "no valid digit"."""
    s = (digits * _W1).sum(axis=1) % 11
    s2 = (digits * _W2).sum(axis=1) % 11
    return np.asarray(np.where(s == 10, s2, s), dtype=np.int64)


def make_bins(
    rng: np.random.Generator, year: NDArray[np.int64], month: NDArray[np.int64]
) -> list[str]:
    """Unique BIN-like IDs for parties registered in the given years/months."""
    m = len(year)
    yymm = (year % 100) * 100 + month
    serial = rng.integers(0, 100_000, size=m)
    while True:
        head = yymm * 10_000_000 + 40 * 100_000 + serial  # 11 digits
        digits = (head[:, None] // 10 ** np.arange(10, -1, -1)) % 10
        check = _check_digits(digits)
        key = head * 10 + np.minimum(check, 9)
        _, first = np.unique(key, return_index=True)
        dup = np.ones(m, dtype=bool)
        dup[first] = False
        bad = (check == 10) | dup
        if not bad.any():
            break
        serial[bad] = rng.integers(0, 100_000, size=int(bad.sum()))
    return [f"{k:012d}" for k in key.tolist()]


def bin_registration_date(party_id: str, latest_year: int) -> str | None:
    """Registration date encoded in a simulated BIN, ISO format, or None."""
    if len(party_id) != 12 or not party_id.isdigit():
        return None
    yy, mm = int(party_id[:2]), int(party_id[2:4])
    if not 1 <= mm <= 12:
        return None
    year = 2000 + yy if 2000 + yy <= latest_year else 1900 + yy
    day = 1 + int(party_id[6:11]) % 28
    return f"{year:04d}-{mm:02d}-{day:02d}"


def seller_id(country: str, local: int) -> str:
    """Stable pseudonymous ID of a foreign seller: country + 7 digits."""
    # 7919 is prime to 10**7, so distinct locals give distinct numbers.
    offset = zlib.crc32(country.encode()) % 10_000_000
    return f"{country}{(local * 7919 + offset) % 10_000_000:07d}"


_RU_WORDS = (
    "АЛТЫН",
    "АСТАНА",
    "АК",
    "ЕВРАЗИЯ",
    "КАЗ",
    "НУР",
    "ЖОЛ",
    "СТЕПЬ",
    "ТРАНС",
    "ТЕХНО",
    "ИМПЭКС",
    "ДАЛА",
    "САМРУК",
    "БАРЫС",
    "КЕРУЕН",
    "ОРДА",
    "ТУРАН",
    "АЛМА",
    "СЕМЕЙ",
    "ЕСИЛЬ",
    "ШЫГЫС",
    "БАТЫС",
    "ОНТУСТИК",
    "СОЛТУСТИК",
)
_RU_TAILS = (
    "ТРЕЙД",
    "ГРУПП",
    "СНАБ",
    "ЛОГИСТИК",
    "КОМПАНИ",
    "ДИСТРИБЬЮШН",
    "ИМПОРТ",
    "ПЛЮС",
    "СЕРВИС",
    "ХОЛДИНГ",
    "МАРКЕТ",
    "СТРОЙ",
    "АГРО",
    "ФАРМ",
    "АВТО",
)
_LATIN_WORDS = (
    "GOLDEN",
    "STAR",
    "GLOBAL",
    "UNITED",
    "BRIGHT",
    "SILK",
    "NEW",
    "EAST",
    "GREAT",
    "PRIME",
    "OCEAN",
    "GREEN",
    "ROYAL",
    "SUMMIT",
    "DELTA",
    "NOVA",
    "ATLAS",
    "ORIENT",
    "PACIFIC",
    "CRYSTAL",
)
_LATIN_TAILS = (
    "TRADING",
    "INDUSTRIAL",
    "IMPORT EXPORT",
    "MANUFACTURING",
    "INTERNATIONAL",
    "TECHNOLOGY",
    "COMMERCE",
    "SUPPLY",
    "FOODS",
    "ELECTRONICS",
)
_LEGAL_FORM = {
    "CN": "CO., LTD",
    "TR": "DIS TICARET A.S.",
    "DE": "GMBH",
    "AT": "GMBH",
    "CH": "AG",
    "IT": "S.R.L.",
    "ES": "S.L.",
    "FR": "SAS",
    "PL": "SP. Z O.O.",
    "NL": "B.V.",
    "BE": "BV",
    "CZ": "S.R.O.",
    "GB": "LTD",
    "IE": "LTD",
    "US": "INC.",
    "KR": "CO., LTD",
    "JP": "CO., LTD",
    "IN": "PVT. LTD",
    "UZ": "MCHJ",
    "RU": "OOO",
    "BR": "LTDA",
    "VN": "CO., LTD",
    "AE": "FZE",
}


def _pick(seq: tuple[str, ...], key: int) -> str:
    return seq[key % len(seq)]


def home_name(party_id: str, kind: str = "company") -> str:
    """A deterministic Russian-style company name for a home-country party."""
    h = zlib.crc32(party_id.encode())
    word, tail = _pick(_RU_WORDS, h), _pick(_RU_TAILS, h >> 8)
    if kind == "broker":
        return f"ТОО «{word} ТАМОЖЕННЫЙ БРОКЕР»"
    if kind == "courier":
        return f"ТОО «{word} ЭКСПРЕСС»"
    return f"ТОО «{word} {tail}»"


def foreign_name(party_id: str, country: str) -> str:
    """A deterministic Latin company name for a foreign seller."""
    h = zlib.crc32(party_id.encode())
    word, tail = _pick(_LATIN_WORDS, h), _pick(_LATIN_TAILS, h >> 8)
    return f"{word} {tail} {_LEGAL_FORM.get(country, 'LTD')}"
