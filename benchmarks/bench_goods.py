"""Goods agent figures for the README: cross-validated accuracy, speed, size.

Reads the development data in ../shared/data/hs (never part of the project):
the TN VED / HS code lists as the nomenclature, and the 3,000 labelled
Russian declarations. Five-fold cross-validation on the declarations: the
nomenclature is always in training, the held-out fold never is. Beside our
model, a plain TF-IDF + linear SVM baseline is run on the same folds.

    OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE nice -n 19 \\
        .venv/bin/python benchmarks/bench_goods.py [--folds 5] [--skip-cv]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.model_selection import KFold  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

from sarap.agents import GoodsClassifier  # noqa: E402
from sarap.agents._goods_jobs import model_size, read_pairs  # noqa: E402
from sarap.agents._goods_text import TextSpace, normalise_text  # noqa: E402

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "hs"
NOMENCLATURE = (
    "tnved_fts_simple_names_opencustoms2016.csv",
    "tnved_hs6_ru_paths.csv",
    "tnved_codes10_readable_names_hs2017edition.csv",
    "tnved_eaeu_2022_codes10_flat.csv",
    "harmonized-system.csv",
)
EXAMPLES = "dev_ru_declarations_hs4.csv"
# English e-commerce product titles with their HS 6-digit codes, written by us
# as a stand-in for the judged English set (none is in ../shared).
TITLES_EN = Path(__file__).resolve().parent / "data" / "ecommerce_titles_en.csv"
# Kazakh and Kyrgyz descriptions with their headings, written for us by a
# helper session that did not see the glossary (agents/_goods_turkic.py).
KK_KY = Path(__file__).resolve().parent / "data" / "goods_kk_ky.csv"


def load(data: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    nom = read_pairs([data / f for f in NOMENCLATURE])
    ex = read_pairs([data / EXAMPLES])
    return nom, ex


def accuracy(top: list[list[str]], truth: list[str]) -> tuple[float, float]:
    one = np.mean([t[:1] == [y] for t, y in zip(top, truth, strict=True)])
    five = np.mean([y in t[:5] for t, y in zip(top, truth, strict=True)])
    return float(one), float(five)


def baseline(
    nom: pd.DataFrame, train: pd.DataFrame, test: pd.DataFrame
) -> tuple[float, float]:
    """TF-IDF (same n-grams) + LinearSVC on the examples and the headings' names.

    Every 4-digit name of the nomenclature is one more training text of its
    heading (all names down to 10 digits make the SVM too slow to fit here).
    """
    heads = nom[nom["code"].str.len() == 4]
    texts = [normalise_text(t) for t in list(train["text"]) + list(heads["text"])]
    labels = list(train["code"].str[:4]) + list(heads["code"])
    space = TextSpace().fit(texts)
    svm = LinearSVC(C=0.5).fit(space.full(texts), labels)
    scores = svm.decision_function(
        space.full([normalise_text(t) for t in test["text"]])
    )
    top = np.asarray(svm.classes_)[np.argsort(-scores, axis=1)[:, :5]].tolist()
    return accuracy(top, list(test["code"].str[:4]))


def cross_validate(
    nom: pd.DataFrame, ex: pd.DataFrame, folds: int, max_folds: int
) -> dict[str, list]:
    res: dict[str, list] = {"ours": [], "baseline": [], "fit_s": []}
    kf = KFold(folds, shuffle=True, random_state=0)
    for i, (tr, te) in enumerate(kf.split(ex)):
        if i == max_folds:
            break
        train, test = ex.iloc[tr], ex.iloc[te]
        t0 = time.perf_counter()
        model = GoodsClassifier().fit(train["text"], train["code"], nomenclature=nom)
        res["fit_s"].append(time.perf_counter() - t0)
        top = model.topk_codes(list(test["text"]), 4, 5)
        res["ours"].append(accuracy(top, list(test["code"].str[:4])))
        res["baseline"].append(baseline(nom, train, test))
        print(
            f"fold {i + 1}: ours top1/top5 {res['ours'][-1][0]:.3f}/"
            f"{res['ours'][-1][1]:.3f}  baseline {res['baseline'][-1][0]:.3f}/"
            f"{res['baseline'][-1][1]:.3f}  fit {res['fit_s'][-1]:.0f} s",
            flush=True,
        )
    return res


def speed(nom: pd.DataFrame, ex: pd.DataFrame) -> dict[str, float]:
    t0 = time.perf_counter()
    model = GoodsClassifier().fit(ex["text"], ex["code"], nomenclature=nom)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    compiled = model.compile_for_batches()  # as `sarap goods fit` does
    compile_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as d:
        model.save(d)
        size = model_size(d)
        t0 = time.perf_counter()
        model = GoodsClassifier.load(d)
        load_s = time.perf_counter() - t0
    titles = read_pairs([TITLES_EN])
    en = accuracy(model.topk_codes(list(titles["text"]), 6, 5), list(titles["code"]))
    kk_ky = pd.read_csv(KK_KY, dtype=str)
    state_languages = {
        lang: accuracy(model.topk_codes(list(g["text"]), 4, 5), list(g["code"]))
        for lang, g in kk_ky.groupby("lang")
    }
    texts = list(ex["text"])
    model.predict_topk(texts[:600])  # warm
    batch: dict[int, float] = {}
    for n_jobs in (1, model.n_jobs):  # the best of three runs each
        model.set_params(n_jobs=n_jobs)
        for _ in range(3):
            t0 = time.perf_counter()
            model.predict_topk(texts)
            rate = len(texts) / (time.perf_counter() - t0)
            batch[n_jobs] = max(batch.get(n_jobs, 0.0), rate)
    lat = []
    for t in texts[:300]:
        s = time.perf_counter()
        model.predict_topk([t])
        lat.append((time.perf_counter() - s) * 1000)
    q = statistics.quantiles(lat, n=100)
    return {
        "fit_s": round(fit_s, 1),
        "ranker_compiled": compiled,
        "compile_s": round(compile_s, 1),
        "load_s": round(load_s, 2),
        "size_mb": round(size / 2**20, 1),
        "batch_per_s": round(batch[model.n_jobs]),
        "batch_per_s_one_thread": round(batch[1]),
        "threads": model.n_jobs,
        "p50_ms": round(q[49], 1),
        "p99_ms": round(q[98], 1),
        "en_titles_top1": round(en[0], 4),
        "en_titles_top5": round(en[1], 4),
        **{
            f"{lang}_top{k}": round(acc[i], 4)
            for lang, acc in state_languages.items()
            for i, k in enumerate((1, 5))
        },
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument(
        "--max-folds", type=int, default=None, help="Run only the first N folds."
    )
    ap.add_argument("--skip-cv", action="store_true")
    args = ap.parse_args()
    if not (args.data / EXAMPLES).is_file():
        raise SystemExit(f"{args.data / EXAMPLES} not found")
    nom, ex = load(args.data)
    print(f"nomenclature rows {len(nom):,}, labelled declarations {len(ex):,}")
    summary: dict[str, object] = {}
    if not args.skip_cv:
        res = cross_validate(nom, ex, args.folds, args.max_folds or args.folds)
        ran = len(res["ours"])
        for k in ("ours", "baseline"):
            top1, top5 = np.mean(res[k], axis=0)
            summary[k] = {"top1": round(top1, 4), "top5": round(top5, 4)}
            print(
                f"{k:>8}: {ran} of {args.folds} CV folds, top-1 {top1:.3f}, "
                f"top-5 {top5:.3f}"
            )
    s = speed(nom, ex)
    summary["speed"] = s
    print(
        f"fit on all {len(ex):,} + nomenclature: {s['fit_s']} s (then "
        f"{s['compile_s']} s compiling the ranker); model "
        f"{s['size_mb']} MB, loads in {s['load_s']} s; batch {s['batch_per_s']:,} "
        f"descriptions/s on {s['threads']} threads "
        f"({s['batch_per_s_one_thread']:,}/s on one); single p50 {s['p50_ms']} ms, "
        f"p99 {s['p99_ms']} ms"
    )
    print(
        f"English product titles (6 digits, {TITLES_EN.name}): top-1 "
        f"{s['en_titles_top1']:.3f}, top-5 {s['en_titles_top5']:.3f}"
    )
    print(
        f"Kazakh / Kyrgyz descriptions (4 digits, {KK_KY.name}): top-1 "
        f"{s['kk_top1']:.3f} / {s['ky_top1']:.3f}, top-5 "
        f"{s['kk_top5']:.3f} / {s['ky_top5']:.3f}"
    )
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
