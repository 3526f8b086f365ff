"""Labelled transfer graphs: everyday payments with laundering patterns planted.

The shape of public anti-money-laundering benchmarks: accounts, a year of
transfers between them (payer, payee, amount, time) and a label per account.
Everyday activity has its own odd-looking parts (shops that many people pay,
payrolls that pay many people the same amount, friends who send money back
and forth), so that a pattern detector has honest look-alikes to tell apart.

Planted patterns, every member account labelled 1:

- ``cycle``: money goes round 3 to 8 accounts and comes back, hop after hop
  within days, each hop keeping a little less (a fee of 1 to 8 %).
- ``fan_in``: 5 to 20 accounts each pay one collector a similar amount
  within a few days; the collector moves the sum on.
- ``fan_out``: one account splits a sum among 5 to 20 accounts at once.
- ``scatter_gather``: a sum is split among 3 to 10 mules that each pass
  their share, less a fee, to one collector.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from numpy.typing import ArrayLike

DAY = 86_400
PATTERNS = ("cycle", "fan_in", "fan_out", "scatter_gather")


@dataclass
class TransferGraph:
    """Transfers (``transfer_id, source, target, amount, time``) and account
    labels (``party_id, label, pattern``)."""

    transfers: pa.Table
    labels: pa.Table


def simulate_transfers(
    accounts: int = 20_000,
    transfers: int = 120_000,
    *,
    seed: int = 0,
    days: int = 365,
    start: str = "2024-01-01",
    laundering_share: float = 0.03,
    patterns: tuple[str, ...] = PATTERNS,
    spread: float = 0.1,
    burst_days: float = 4.0,
    hop_days: float = 4.0,
) -> TransferGraph:
    """A year of transfers among ``accounts`` with laundering planted.

    Parameters
    ----------
    accounts, transfers : int
        Size of the graph; about ``transfers`` rows come back.
    seed : int
        Same seed, same graph.
    laundering_share : float
        Share of accounts that take part in a planted pattern.
    patterns : tuple of str
        Which of :data:`PATTERNS` to plant, in equal numbers.
    spread : float
        How far the shares of one fan-in, fan-out or scatter differ from
        each other (uniform within plus or minus ``spread``).
    burst_days, hop_days : float
        Longest time a fan-in's payments take; longest wait between two
        hops of a cycle or a mule's in and out.
    """
    if accounts < 100:
        raise ValueError(f"accounts must be at least 100, got {accounts!r}")
    if transfers < 0:
        raise ValueError(f"transfers must be at least 0, got {transfers!r}")
    unknown = set(patterns) - set(PATTERNS)
    if unknown or not patterns:
        raise ValueError(f"patterns must be among {', '.join(PATTERNS)}")
    rng = np.random.default_rng(seed)
    t0 = np.datetime64(start, "s").astype(np.int64)
    span = days * DAY
    src, dst, amt, tim = [], [], [], []

    def add(s: ArrayLike, d: ArrayLike, a: ArrayLike, t: ArrayLike) -> None:
        src.append(np.asarray(s, np.int64))
        dst.append(np.asarray(d, np.int64))
        amt.append(np.asarray(a, float))
        tim.append(np.asarray(t, np.int64))

    # -- everyday activity -------------------------------------------------
    activity = rng.pareto(1.5, accounts) + 0.2
    shops = rng.choice(accounts, max(1, accounts // 50), replace=False)
    employers = rng.choice(accounts, max(1, accounts // 200), replace=False)
    n_bg = int(transfers * (1 - laundering_share * 1.5))
    # Each account pays a few regular counterparties most of the time.
    k_regular = 6
    regular = rng.integers(0, accounts, (accounts, k_regular))
    n_shop = n_bg // 4
    n_pay = n_bg // 10
    n_friends = n_bg // 10
    n_rest = n_bg - n_shop - n_pay - n_friends
    p = activity / activity.sum()
    payer = rng.choice(accounts, n_rest, p=p)
    sticky = rng.random(n_rest) < 0.8
    payee = np.where(
        sticky,
        regular[payer, rng.integers(0, k_regular, n_rest)],
        rng.integers(0, accounts, n_rest),
    )
    add(
        payer,
        payee,
        _amounts(rng, n_rest, 6.0, 1.3),
        t0 + rng.integers(0, span, n_rest),
    )
    # Shops: many customers, varied amounts (an honest fan-in).
    buyer = rng.choice(accounts, n_shop, p=p)
    shop = shops[rng.zipf(1.6, n_shop) % len(shops)]
    add(
        buyer, shop, _amounts(rng, n_shop, 3.5, 1.0), t0 + rng.integers(0, span, n_shop)
    )
    # Payrolls: the same amount to the same people each month (honest fan-out).
    months = max(1, days // 30)
    staff_per = max(2, n_pay // (len(employers) * months))
    for e in employers:
        staff = rng.integers(0, accounts, staff_per)
        wage = np.round(rng.lognormal(7.0, 0.4, staff_per), -1)
        for m in range(months):
            when = t0 + m * 30 * DAY + 25 * DAY + rng.integers(0, 3600, staff_per)
            add(np.full(staff_per, e), staff, wage, when)
    # Friends and family: money back and forth, similar sums.
    a = rng.integers(0, accounts, n_friends // 2)
    b = rng.integers(0, accounts, n_friends // 2)
    sums = _amounts(rng, len(a), 5.0, 0.8)
    when = t0 + rng.integers(0, span - 30 * DAY, len(a))
    add(a, b, sums, when)
    add(
        b,
        a,
        sums * rng.uniform(0.9, 1.1, len(a)),
        when + rng.integers(DAY, 30 * DAY, len(a)),
    )

    # -- laundering ----------------------------------------------------------
    def uneven(n: int) -> np.ndarray:
        return rng.uniform(1 - spread, 1 + spread, n)

    target = int(accounts * laundering_share)
    pool = rng.permutation(accounts)
    used = 0
    label = np.zeros(accounts, np.int8)
    pattern = np.full(accounts, "", dtype=object)
    i = 0
    while used < target:
        kind = patterns[i % len(patterns)]
        i += 1
        size = int(rng.integers(3, 9)) if kind == "cycle" else int(rng.integers(5, 21))
        if kind == "scatter_gather":
            size = int(rng.integers(3, 11)) + 2
        if used + size > len(pool):
            break
        members = pool[used : used + size]
        used += size
        label[members] = 1
        pattern[members] = kind
        start_t = t0 + int(rng.integers(0, span - 60 * DAY))
        base = float(rng.lognormal(9.5, 0.7))
        if kind == "cycle":
            fee = rng.uniform(0.01, 0.08)
            hops = np.arange(size)
            add(
                members,
                np.roll(members, -1),
                base * (1 - fee) ** hops,
                start_t + np.cumsum(rng.integers(DAY // 4, int(hop_days * DAY), size)),
            )
        elif kind == "fan_in":
            hub, senders = members[0], members[1:]
            shares = base / len(senders) * uneven(len(senders))
            when = start_t + rng.integers(0, int(burst_days * DAY), len(senders))
            add(senders, np.full(len(senders), hub), shares, when)
            onward = pool[rng.integers(0, len(pool))]
            add([hub], [onward], [shares.sum() * 0.97], [when.max() + DAY])
        elif kind == "fan_out":
            hub, receivers = members[0], members[1:]
            shares = base / len(receivers) * uneven(len(receivers))
            when = start_t + rng.integers(0, DAY, len(receivers))
            add(np.full(len(receivers), hub), receivers, shares, when)
        else:
            origin, sink, mules = members[0], members[1], members[2:]
            shares = base / len(mules) * uneven(len(mules))
            when = start_t + rng.integers(0, DAY, len(mules))
            add(np.full(len(mules), origin), mules, shares, when)
            add(
                mules,
                np.full(len(mules), sink),
                shares * rng.uniform(0.9, 0.98, len(mules)),
                when + rng.integers(DAY // 2, int(hop_days * DAY) + DAY, len(mules)),
            )

    s, d = np.concatenate(src), np.concatenate(dst)
    keep = s != d
    order = np.argsort(np.concatenate(tim)[keep], kind="stable")
    s, d = s[keep][order], d[keep][order]
    a_ = np.round(np.concatenate(amt)[keep][order], 2)
    t_ = np.concatenate(tim)[keep][order]
    ids = _account_ids(rng, accounts)
    table = pa.table(
        {
            "transfer_id": pa.array([f"T{j:08d}" for j in range(len(s))]),
            "source": pa.array(ids[s]),
            "target": pa.array(ids[d]),
            "amount": pa.array(a_),
            "time": pa.array(t_.astype("datetime64[s]")),
        }
    )
    labels = pa.table(
        {
            "party_id": pa.array(ids),
            "label": pa.array(label),
            "pattern": pa.array(pattern.astype(str)),
        }
    )
    return TransferGraph(table, labels)


def _amounts(rng: np.random.Generator, n: int, mu: float, sigma: float) -> np.ndarray:
    return np.maximum(1.0, rng.lognormal(mu, sigma, n))


def _account_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    digits = rng.permutation(np.arange(10_000_000, 10_000_000 + n * 7))[:n]
    return np.array([f"AC{d}" for d in digits], dtype=object)
