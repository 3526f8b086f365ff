from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from sarap.errors import SarapError
from sarap.pipeline._readers import header_key
from sarap.store._schema import ENTITIES, OUTCOMES

# Outcome fields may arrive on the declaration rows themselves (as in most
# historical extracts): a declarations mapping may name them too.
EXTRA_FIELDS = {
    "declarations": [f for f in OUTCOMES.fields if f.name != "declaration_id"]
}

BUILTIN = ("kcs",)


@dataclass(frozen=True)
class Mapping:
    """How the columns of a source file map onto the common data model.

    Parameters
    ----------
    name : str
        Shown in summaries and stored with each ingest batch.
    entity : str, default "declarations"
        The data-model table the file feeds.
    columns : dict
        Data-model field -> source column name.
    constants : dict
        Data-model field -> a value used for every row (e.g. the currency).
    date_format : str or None
        A strptime format for dates that are not ISO or ``DD.MM.YYYY``.

    A mapping file is TOML or JSON with the same keys; with no mapping, the
    source columns are expected under the data-model names.
    """

    name: str
    entity: str = "declarations"
    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, Any] = field(default_factory=dict)
    date_format: str | None = None
    # Every column it names is expected (a mapping file, a built-in layout);
    # the identity mapping's optional columns are not.
    expects_all: bool = False

    def fields(self) -> list[Any]:
        """The data-model fields this mapping can fill, entity's first."""
        return list(ENTITIES[self.entity].fields) + EXTRA_FIELDS.get(self.entity, [])


def identity_mapping(entity: str = "declarations") -> Mapping:
    """Source columns carry the data-model names already."""
    names = [f.name for f in Mapping("identity", entity).fields()]
    return Mapping("identity", entity, columns={n: n for n in names})


def load_mapping(spec: str | Path | None, entity: str = "declarations") -> Mapping:
    """A built-in mapping by name (``kcs``), a TOML/JSON file, or the identity."""
    if spec is None or str(spec) == "identity":
        return identity_mapping(entity)
    if str(spec) in BUILTIN:
        text = resources.files("sarap.mappings").joinpath(f"{spec}.toml").read_text()
        return replace(_parse(tomllib.loads(text), str(spec)), expects_all=True)
    path = Path(spec)
    if not path.is_file():
        known = ", ".join(BUILTIN)
        raise SarapError(
            f"mapping {spec}: no such file and not a built-in mapping ({known})"
        )
    try:
        raw = path.read_text(encoding="utf-8")
        data = json.loads(raw) if path.suffix == ".json" else tomllib.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise SarapError(f"mapping {path}: cannot parse: {exc}") from None
    return replace(_parse(data, path.stem, where=str(path)), expects_all=True)


def _parse(data: Any, default_name: str, where: str = "") -> Mapping:
    where = where or default_name
    _check_shape(data, where)
    entity = data.get("entity", "declarations")
    if entity not in ENTITIES:
        raise SarapError(
            f"mapping {where}: unknown entity {entity!r}; known: {', '.join(ENTITIES)}"
        )
    m = Mapping(
        name=str(data.get("name", default_name)),
        entity=entity,
        columns={str(k): str(v) for k, v in data.get("columns", {}).items()},
        constants=dict(data.get("constants", {})),
        date_format=data.get("date_format"),
    )
    if m.date_format is not None:
        _check_date_format(m.date_format, where)
    known = {f.name for f in m.fields()}
    unknown = sorted((set(m.columns) | set(m.constants)) - known)
    if unknown:
        raise SarapError(
            f"mapping {where}: unknown data-model field(s) {', '.join(unknown)}"
        )
    missing = [
        f.name
        for f in ENTITIES[entity].fields
        if f.required and f.name not in m.columns and f.name not in m.constants
    ]
    if missing:
        raise SarapError(
            f"mapping {where}: required field(s) not mapped: {', '.join(missing)}"
        )
    return m


_KEYS = ("name", "entity", "columns", "constants", "date_format")


def _check_date_format(date_format: str, where: str) -> None:
    """Told now, as the mapping's mistake: DuckDB would fail the import with
    it, naming no mapping."""
    try:
        with duckdb.connect() as con:
            con.execute("SELECT try_strptime('', ?)", [date_format])
    except duckdb.Error as exc:
        why = str(exc).strip().splitlines()[0].rsplit(": ", 1)[-1]
        raise SarapError(
            f"mapping {where}: date_format '{date_format}' is not a date format "
            f"(%d day, %m month, %Y year, %H:%M:%S time): {why}"
        ) from None


def _check_shape(data: Any, where: str) -> None:
    """One line for a value of the wrong kind: a mapping file is written by
    hand, and these would fail later with a traceback or a silent str()."""
    if not isinstance(data, dict):
        raise SarapError(f"mapping {where}: must be an object with {', '.join(_KEYS)}")
    unknown = [k for k in data if k not in _KEYS]
    if unknown:  # a misspelt key would go unused, unseen
        raise SarapError(
            f"mapping {where}: unknown key(s) "
            + ", ".join(f"'{k}'" for k in unknown)
            + f"; a mapping has {', '.join(_KEYS)}"
        )
    for key in ("columns", "constants"):
        if not isinstance(data.get(key, {}), dict):
            raise SarapError(
                f"mapping {where}: '{key}' must be a table of field = value "
                f"([{key}] in TOML, an object in JSON)"
            )
    for key in ("entity", "date_format"):
        if key in data and not isinstance(data[key], str):
            raise SarapError(f"mapping {where}: '{key}' must be a text in quotes")
    for key, what in (("columns", "a column name"), ("constants", "one value")):
        for name, value in data.get(key, {}).items():
            if isinstance(value, (dict, list)):
                raise SarapError(f"mapping {where}: {key}.{name} must be {what}")


def detect_mapping(columns: list[str]) -> Mapping:
    """What a file holds, from its header.

    Data-model names first: of the data model's tables, the table
    most of whose fields the file has; a built-in mapping when the file has
    all its required columns instead; else the closest of them, so that the
    error names the columns it lacks: a built-in mapping when the file has
    most of its columns (a KCS file short of one was told it lacked the
    data-model names).
    """
    have = {header_key(c) for c in columns}

    def complete(m: Mapping) -> bool:
        required = [f.name for f in ENTITIES[m.entity].fields if f.required]
        return all(
            header_key(m.columns.get(r, "")) in have or r in m.constants
            for r in required
        )

    def overlap(m: Mapping) -> int:
        return sum(f in have for f in ENTITIES[m.entity].field_names)

    ours = [identity_mapping(e) for e in ENTITIES if e != "declarations"]
    ours.insert(0, identity_mapping("declarations"))
    closest = max(ours, key=overlap)  # the first of equals: declarations
    if complete(closest):
        return closest
    builtins = [load_mapping(name) for name in BUILTIN]
    for builtin in builtins:
        if complete(builtin):
            return builtin

    def found(m: Mapping) -> int:
        return sum(header_key(c) in have for c in m.columns.values())

    near = max(builtins, key=found)
    if found(near) > max(len(near.columns) / 2, overlap(closest)):
        return near
    return closest
