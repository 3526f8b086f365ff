"""The goods agent's jobs: read code lists and examples, fit, classify, evaluate.

Each function here is what one ``sarap goods`` command does; the CLI only
parses options and prints.
"""

from __future__ import annotations

import codecs
import io
import json
import math
import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from sarap.agents._base import check_model_target
from sarap.agents._goods import GoodsClassifier
from sarap.agents._goods_text import normalise_code
from sarap.errors import SarapError
from sarap.pipeline._ingest import file_digest
from sarap.pipeline._readers import check_readable, detect_encoding

# Tried in this order when the default column name is not in a file, so that
# common code lists load without options.
TEXT_COLUMNS = (
    "text",
    "name",
    "description",
    "description_ru",
    "description_en",
    "name_ru",
    "name_en",
    "goods_description",
    "leaf_name",
)
CODE_COLUMNS = (
    "code",
    "hs_code",
    "hscode",
    "code10",
    "tnved",
    "tnved_code",
    "tnved10",
    "tnved6",
    "tnved4",
    "hs6",
    "hs4",
)


_SUFFIXES = (".csv", ".tsv", ".txt", ".json", ".jsonl", ".ndjson")


def read_table(path: str | Path, encoding: str | None = None) -> pd.DataFrame:
    """A CSV, JSON (array of objects) or JSONL file as text columns.

    Each row is indexed by its place in the file: the line it starts on (a
    CSV's header is line 1; blank lines and values over several lines are
    counted) or, in JSON, its record number from 1. The text's ``encoding``
    is detected when not given, as ``sarap ingest`` does.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if path.is_file() and suffix not in _SUFFIXES:
        raise SarapError(
            f"{path}: unsupported file type {suffix or '(none)'!r}; "
            "use .csv, .json or .jsonl"
        )
    check_readable(path)  # missing, a folder, unreadable or empty: one line
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise SarapError(f"unknown encoding {encoding!r}") from None
    try:
        if suffix in (".jsonl", ".ndjson"):
            df = _read_jsonl(path, encoding)
        elif suffix == ".json":
            df = _read_json(path, encoding)
        else:
            df = _read_csv(path, "\t" if suffix == ".tsv" else None, encoding)
    except (ValueError, pd.errors.ParserError) as exc:
        raise SarapError(
            f"{path}: cannot read it: {str(exc).splitlines()[0]}"
        ) from None
    if df.empty:
        raise SarapError(f"{path}: no rows")
    return df


def _kind(value: Any) -> str:
    """A JSON value's kind, as a message names it."""
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "true or false"
    return "null" if value is None else "a number"


def _read_text(path: Path, encoding: str | None) -> str:
    """The text of a file, in ``encoding`` or the one detected (UTF-8,
    UTF-16 with its mark, or a Cyrillic code page: KOI8-R, CP866 ...)."""
    raw = path.read_bytes()
    enc = encoding or detect_encoding(path)
    try:
        text = raw.decode("utf-8-sig" if codecs.lookup(enc).name == "utf-8" else enc)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].decode(enc, "replace").count("\n") + 1
        if encoding is not None:
            raise SarapError(
                f"{path}: line {line} is not {encoding} text (byte {exc.start}); "
                "check --encoding"
            ) from None
        # UTF-8 but for a line pasted in from elsewhere: read in a code page,
        # every other line would be nonsense.
        raise SarapError(
            f"{path}: UTF-8 but for line {line}, which is not (another encoding "
            "pasted in?): fix that line, or pass --encoding"
        ) from None
    return text.removeprefix("\ufeff")  # a mark, as UTF-16 or named, is no text


def _read_json(path: Path, encoding: str | None) -> pd.DataFrame:
    """An array of objects, one a row (or an object of columns, as pandas
    writes one); anything else is refused in one line, saying where."""
    data = json.loads(_read_text(path, encoding))
    if isinstance(data, list):
        for i, record in enumerate(data, 1):
            if not isinstance(record, dict):
                raise SarapError(
                    f"{path}: record {i} is {_kind(record)}, not an object "
                    '({"text": ..., "code": ...})'
                )
        df = pd.DataFrame.from_records(data)
        df.index += 1
        return df
    if isinstance(data, dict) and all(
        isinstance(v, list | dict) for v in data.values()
    ):
        df = pd.DataFrame(data).reset_index(drop=True)
        df.index += 1
        return df
    what = "one object" if isinstance(data, dict) else _kind(data)
    raise SarapError(
        f"{path}: holds {what}, not an array of objects "
        '([{"text": ..., "code": ...}, ...])'
    )


def _read_jsonl(path: Path, encoding: str | None) -> pd.DataFrame:
    """One object a line; blank lines are passed over."""
    records: list[dict[str, Any]] = []
    lines: list[int] = []
    for n, line in enumerate(_read_text(path, encoding).split("\n"), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SarapError(
                f"{path}: line {n}, column {exc.colno}: not JSON ({exc.msg})"
            ) from None
        if not isinstance(record, dict):
            raise SarapError(
                f"{path}: line {n} is {_kind(record)}, not an object "
                '({"text": ..., "code": ...})'
            )
        records.append(record)
        lines.append(n)
    return pd.DataFrame.from_records(records, index=lines)


def _read_csv(path: Path, sep: str | None, encoding: str | None) -> pd.DataFrame:
    """A CSV file, its delimiter found unless ``sep`` is given."""
    text = _read_text(path, encoding)
    data = text.encode()
    sep = sep or _delimiter(data)
    df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    # A header written by hand ("text, code") names its columns with spaces.
    df.columns = [str(c).strip() for c in df.columns]
    lines = _record_lines(data, sep)
    if len(lines) == len(df):  # else numbered as if one line a row
        df.index = pd.Index(lines)
    else:
        df.index += 2
    return df


def _delimiter(data: bytes) -> str:
    """The delimiter of a CSV file: whichever of , ; tab | its header holds
    most of outside quotes (a comma if none), so that a file Excel saved
    with semicolons, as it does in Russian, is read. One that the first
    rows hold as many of as the header goes first: a header's names may
    hold commas ("Вес нетто, кг;Код")."""
    lines = [line for line in data.splitlines()[:_SNIFF_LINES] if line.strip()]
    lines = [re.sub(rb'"[^"]*"', b"", line) for line in lines] or [b""]
    counts = {d: lines[0].count(d.encode()) for d in ",;\t|"}

    def key(d: str) -> tuple[bool, int]:
        steady = all(line.count(d.encode()) == counts[d] for line in lines[1:])
        return counts[d] > 0 and steady, counts[d]

    best = max(counts, key=key)  # the first of equals
    return best if counts[best] else ","


_SNIFF_LINES = 20


def _record_lines(data: bytes, sep: str) -> list[int]:
    """The line each data row of a CSV file starts on, as pandas reads it:
    a blank line (or spaces only) is no row, a quoted value may go on over
    several lines."""
    from sarap.pipeline._readers import _ends_quoted

    starts: list[int] = []
    quoted = False
    for n, line in enumerate(data.splitlines(), 1):
        if not quoted and line.strip():
            starts.append(n)
        # Only a line with an odd number of quotes can open or close a value.
        if line.count(b'"') % 2:
            quoted = _ends_quoted(line, b'"', sep.encode(), quoted)
    return starts[1:]  # the first is the header


def _pick(
    df: pd.DataFrame,
    wanted: str,
    default: str,
    alternatives: Sequence[str],
    path: Path,
    what: str,
) -> str:
    if wanted in df.columns:
        return wanted
    if wanted == default:
        lower = {str(c).lower(): str(c) for c in df.columns}
        for alt in alternatives:
            if alt in lower:
                return lower[alt]
    columns = ", ".join(map(str, df.columns))
    raise SarapError(
        f"{path}: no {what} column {wanted!r} (columns: {columns}); "
        f"name it with --{what}-column"
    )


@dataclass(frozen=True)
class SkippedRow:
    """A row of an input file that was not read: where it is and why."""

    path: str
    where: str  # "line 5" (a CSV's header is line 1) or "record 3" (JSON)
    why: str  # "not an HS / TN VED code", "no code", "no text", "empty row"
    value: str = ""  # the code as written, for a bad one

    def __str__(self) -> str:
        said = f" {self.value!r}" if self.value else ""
        return f"{self.path} {self.where}: {self.why}{said}"


def skipped_summary(rows: Sequence[SkippedRow], first: int = 3) -> dict[str, Any]:
    """How many rows were skipped, how many for each reason, the first few."""
    return {
        "count": len(rows),
        "why": dict(Counter(r.why for r in rows)),
        "first": [str(r) for r in rows[:first]],
    }


def skipped_line(s: dict[str, Any], noun: str) -> str:
    """One line that tells a :func:`skipped_summary` (``noun``: "example row")."""
    why = ", ".join(f"{n:,} {w}" for w, n in s["why"].items())
    more = "; ..." if s["count"] > len(s["first"]) else ""
    plural = "" if s["count"] == 1 else "s"
    first = "; ".join(s["first"])
    return f"skipped {s['count']:,} {noun}{plural} ({why}): {first}{more}"


def _where(path: Path, i: int) -> str:
    """Row ``i`` of :func:`read_table` (its index) as its place in the file."""
    return f"record {i}" if path.suffix.lower() == ".json" else f"line {i}"


def read_pairs(
    paths: Sequence[str | Path],
    *,
    text_column: str = "text",
    code_column: str = "code",
    skipped: list[SkippedRow] | None = None,
    encoding: str | None = None,
) -> pd.DataFrame:
    """``code`` and ``text`` of every row of the files, codes as digits.

    Rows without a valid code (a total line, a footnote), without a code or
    without a text are skipped; each one is added to ``skipped`` when it is
    given, for the caller to tell. More than 2 rows of a file (or 1 % of
    them, if more) with an invalid code are an error naming the first: the
    wrong column or the wrong file.

    A column named by the caller must be in every file; with the default
    names, common alternatives (``description``, ``name_ru``, ``hscode``,
    ``tnved4`` ...) are taken when ``text`` / ``code`` are absent.
    """
    frames: list[pd.DataFrame] = []
    for p in paths:
        path = Path(p)
        df = read_table(path, encoding)
        t = _pick(df, text_column, "text", TEXT_COLUMNS, path, "text")
        c = _pick(df, code_column, "code", CODE_COLUMNS, path, "code")
        # JSON's null is no text (not the word "None"), as an empty CSV cell.
        texts = df[t].where(df[t].notna(), "").astype(str).str.strip()
        raw_codes = df[c].where(df[c].notna(), "")
        has_code = raw_codes.astype(str).str.strip() != ""
        keep = (texts != "") & has_code
        codes, bad = [], []
        for i, raw in zip(df.index[keep], raw_codes[keep], strict=True):
            try:
                codes.append(normalise_code(raw))
            except ValueError:
                codes.append("")
                bad.append((i, raw))
        # Published code lists carry the odd total or footnote row; a file
        # where many codes are bad is the wrong column or the wrong file.
        if len(bad) > max(2, 0.01 * len(codes)):
            i, raw = bad[0]
            raise SarapError(
                f"{path}: {len(bad)} rows without an HS / TN VED code in column "
                f"{c!r}, the first at {_where(path, i)}: {raw!r}"
            )
        if skipped is not None:
            bad_at = {i: raw for i, raw in bad}
            for i, text, code in zip(df.index, texts, has_code, strict=True):
                if i in bad_at:
                    why = "not an HS / TN VED code"
                elif not text:
                    why = "no text" if code else "empty row"
                elif not code:
                    why = "no code"
                else:
                    continue
                value = str(bad_at.get(i, ""))
                skipped.append(SkippedRow(str(path), _where(path, i), why, value))
        part = pd.DataFrame(
            {"code": codes, "text": texts[keep].to_numpy(), "source": len(frames)}
        )
        frames.append(part[part["code"] != ""])
    out = pd.concat(frames, ignore_index=True)
    if out.empty:
        why = f"; {skipped_line(skipped_summary(skipped), 'row')}" if skipped else ""
        raise SarapError(
            f"{', '.join(map(str, paths))}: no rows with a code and text{why}"
        )
    return out


def fit_goods(
    nomenclature: Sequence[str | Path],
    examples: Sequence[str | Path],
    model_dir: str | Path,
    *,
    text_column: str = "text",
    code_column: str = "code",
    encoding: str | None = None,
    params: dict[str, Any] | None = None,
) -> tuple[GoodsClassifier, dict[str, Any]]:
    """Read the files, fit a :class:`GoodsClassifier`, save it, summarise.

    The summary tells the rows of the files that were skipped (see
    :func:`read_pairs`): ``skipped_example_rows`` and
    ``skipped_nomenclature_rows``, each with its count, the count for each
    reason and the first few rows (file and line or record).
    """
    if not nomenclature and not examples:
        raise SarapError("give --nomenclature FILE and/or --examples FILE")
    check_model_target(model_dir, GoodsClassifier.__name__)  # before the work
    cols = {"text_column": text_column, "code_column": code_column}
    nom_skipped: list[SkippedRow] = []
    ex_skipped: list[SkippedRow] = []
    nom = (
        read_pairs(nomenclature, **cols, skipped=nom_skipped, encoding=encoding)
        if nomenclature
        else None
    )
    ex = (
        read_pairs(examples, **cols, skipped=ex_skipped, encoding=encoding)
        if examples
        else pd.DataFrame({"code": [], "text": []})
    )
    model = GoodsClassifier(**(params or {}))
    model.fit(ex["text"], ex["code"], nomenclature=nom)
    started = time.perf_counter()
    compiled = model.compile_for_batches()  # False without a ranker
    compile_seconds = round(time.perf_counter() - started, 1)
    model.save(
        model_dir,
        nomenclature_files=[str(p) for p in nomenclature],
        example_files=[str(p) for p in examples],
        # By content: the paths above are as given, relative to wherever
        # fit ran, and a copy elsewhere is the same examples.
        example_digests=[file_digest(p) for p in examples],
    )
    summary = {
        "model": str(model_dir),
        "examples": model.n_examples_,
        "nomenclature_rows": model.n_nomenclature_,
        "headings": len(model.headings_),
        "subheadings": len(model.codes6_),
        "national_codes": len(model.codes10_),
        "skipped_short_labels": model.n_skipped_short_,
        "skipped_example_rows": skipped_summary(ex_skipped),
        "skipped_nomenclature_rows": skipped_summary(nom_skipped),
        "ranker": model.ranker_ is not None,
        "fit_seconds": model.fit_seconds_,
        "ranker_compiled": compiled,
        "compile_seconds": compile_seconds,
        "size_mb": round(model_size(model_dir) / 2**20, 1),
    }
    return model, summary


def model_size(model_dir: str | Path) -> int:
    return sum(f.stat().st_size for f in Path(model_dir).iterdir() if f.is_file())


def load_goods(model_dir: str | Path) -> GoodsClassifier:
    path = Path(model_dir)
    if not path.is_dir():
        raise SarapError(f"{path}: no such model folder")
    return GoodsClassifier.load(path)


def classify(
    model: GoodsClassifier, texts: Sequence[str], k: int = 5
) -> list[dict[str, Any]]:
    """Top-k codes of each text, at the depth the model is sure of."""
    out = []
    for text, sugg in zip(texts, model.predict_topk(texts, k), strict=True):
        depth = len(sugg[0].code) if sugg else 0
        out.append(
            {
                "text": text,
                "depth": depth,
                "suggestions": [s.as_dict() for s in sugg],
            }
        )
    return out


def evaluate_goods(
    model: GoodsClassifier,
    path: str | Path,
    *,
    text_column: str = "text",
    code_column: str = "code",
    encoding: str | None = None,
) -> dict[str, Any]:
    """Top-1 and top-5 accuracy, each label judged at its own digit depth.

    ``skipped`` tells the rows of the file that were not judged (see
    :func:`read_pairs`).
    """
    skipped: list[SkippedRow] = []
    rows = read_pairs(
        [path],
        text_column=text_column,
        code_column=code_column,
        skipped=skipped,
        encoding=encoding,
    )
    hits1 = hits5 = 0
    by_depth: dict[int, list[int]] = {}
    for depth, group in rows.groupby(rows["code"].str.len()):
        top = model.topk_codes(list(group["text"]), int(depth), 5)
        for truth, codes in zip(group["code"], top, strict=True):
            one, five = int(codes[:1] == [truth]), int(truth in codes)
            hits1 += one
            hits5 += five
            acc = by_depth.setdefault(int(depth), [0, 0, 0])
            acc[0] += one
            acc[1] += five
            acc[2] += 1
    n = len(rows)
    return {
        "top1": round(hits1 / n, 4),
        "top5": round(hits5 / n, 4),
        "n": n,
        "skipped": skipped_summary(skipped),
        "by_depth": {
            str(d): {"top1": round(a / m, 4), "top5": round(b / m, 4), "n": m}
            for d, (a, b, m) in sorted(by_depth.items())
        },
    }


_FINDING_COLUMNS = ("declared_code", "score", "suggested", "reason")


def check_declared(
    model: GoodsClassifier,
    path: str | Path,
    *,
    text_column: str = "text",
    code_column: str = "code",
    id_column: str | None = None,
    encoding: str | None = None,
) -> pd.DataFrame:
    """Findings for the rows of a file whose declared code the text makes
    unlikely, or that is not a code the model knows.

    Returns one row per finding: ``line`` (the line of the file it starts
    on, as in :func:`read_table`: a CSV's header is line 1; ``record``, its
    number from 1, in a JSON array), the id column when named (under its
    name, or ``id`` when that is one of these columns' names),
    ``declared_code``, ``score`` (1 - probability of the declared code at
    ``model.mismatch_depth`` digits), ``suggested`` (the likelier codes,
    ``;``-separated) and ``reason``. Rows whose declared code is not
    an HS / TN VED code (or empty) come first, as written, with no score
    (nothing to judge) and the text's likeliest codes; then the others,
    riskiest first (a code not in the nomenclature has score 1).
    """
    df = read_table(path, encoding)
    p = Path(path)
    t = _pick(df, text_column, "text", TEXT_COLUMNS, p, "text")
    c = _pick(df, code_column, "code", CODE_COLUMNS, p, "code")
    if id_column is not None and id_column not in df.columns:
        raise SarapError(f"{p}: no id column {id_column!r}")
    where = _where(p, 1).split()[0]  # "line", or "record" in JSON
    named = "id" if id_column in (where, *_FINDING_COLUMNS) else id_column
    texts = df[t].where(df[t].notna(), "").astype(str).tolist()
    found = model.check(texts, df[c].tolist())
    # A row with nothing in it (",,," that a spreadsheet leaves below its
    # data) is no declaration line: not "no declared code".
    empty = df.isna() | df.astype(str).apply(lambda col: col.str.strip() == "")
    blank = empty.all(axis=1).tolist()
    out = []
    for i, f in enumerate(found):
        if f is None or blank[i]:
            continue
        rec: dict[str, Any] = {where: int(df.index[i])}
        if named is not None:
            rec[named] = df[id_column].iloc[i]
        rec.update(
            declared_code=f.declared_code,
            score=round(f.score, 4),
            suggested=";".join(s.code for s in f.suggestions),
            reason=f.reason,
        )
        out.append(rec)
    cols = [where, *([named] if named is not None else []), *_FINDING_COLUMNS]
    result = pd.DataFrame(out, columns=cols)
    return result.sort_values(
        "score", ascending=False, kind="stable", na_position="first"
    )


def mismatch_table(model: GoodsClassifier, lines: pa.Table) -> pa.Table:
    """The goods signal for declaration lines of the common data model.

    For each line with a ``description``: the mismatch risk (1 -
    probability of the declared ``hs_code`` given the text, at
    ``model.mismatch_depth`` digits), whether it is a finding (under
    ``mismatch_threshold``), the likeliest code and the reason. A declared
    code that is not an HS / TN VED code is a finding with its reason and
    the text's likeliest code but no risk (null: nothing was judged, not a
    high risk); one the model does not know has risk 1, as any code the
    text makes unlikely, and says so. Nulls for lines without a description
    and for texts without words (with a known code). One row per input
    line, in order, keyed by ``declaration_id`` and ``item_no``: ready to
    join as a feature of the declarations agent and to quote in its reasons.
    """
    n = lines.num_rows
    texts = lines.column("description").to_pylist()
    codes = lines.column("hs_code").to_pylist()
    usable = [i for i, text in enumerate(texts) if text]
    risk: list[float | None] = [None] * n
    flagged: list[bool | None] = [None] * n
    likeliest: list[str | None] = [None] * n
    reason: list[str | None] = [None] * n
    judged = model.judge([texts[i] for i in usable], [codes[i] for i in usable])
    for i, f in zip(usable, judged, strict=True):
        found = model.is_finding(f)
        if math.isnan(f.declared_confidence):  # nothing judged
            if not found:  # a text without words, a known code
                continue
        else:
            risk[i] = f.score
        flagged[i] = found
        if f.suggestions:
            likeliest[i] = f.suggestions[0].code
        elif f.problem != "malformed_code":
            likeliest[i] = f.declared_code
        reason[i] = f.reason if found else None
    return pa.table(
        {
            "declaration_id": lines.column("declaration_id"),
            "item_no": lines.column("item_no"),
            "goods_mismatch": pa.array(risk, pa.float64()),
            "goods_finding": pa.array(flagged, pa.bool_()),
            "goods_likeliest_code": pa.array(likeliest, pa.string()),
            "goods_reason": pa.array(reason, pa.string()),
        }
    )


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)
