"""The Sarap common data model (version in ``SCHEMA_VERSION``).

The model is declared once, here, as data. The DuckDB tables, the ingest
validation and the documentation page (``docs/data-model.md``) are all derived
from it, so they cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

# 1: parties, declarations, outcomes. 2: e-invoices, VAT returns, exchange
# rates, and the parties' sector, size, staff, director, address and bank
# account. 3: an import's record keeps the rest of its summary (details).
SCHEMA_VERSION = 3


# Goods codes as programs write them, one rule for every reader (SQL on
# ingest, Python in the goods agent; both regex dialects read these): a
# code stored as a float (851713.0) drops its fraction, except the dotted
# form of a heading's only subheading (0409.00), which is a code.
HS_FLOAT = r"[0-9]+\.0+"
HS_HEADING_00 = r"[0-9]{4}\.00"


@dataclass(frozen=True)
class Field:
    """One column of the common data model."""

    name: str
    type: str  # DuckDB SQL type
    required: bool
    unit: str
    description: str
    kind: str = "plain"  # how ingest normalises it: plain, code, country, hs, flag,
    # month (a date as the first day of its month)
    choices: tuple[str, ...] = ()  # the only values allowed (lower case), if any
    synonyms: tuple[tuple[str, str], ...] = ()  # (other word, the choice it means)


@dataclass(frozen=True)
class Entity:
    """One table of the common data model."""

    name: str
    description: str
    key: tuple[str, ...]
    fields: tuple[Field, ...]

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


PARTIES = Entity(
    name="parties",
    description=(
        "Taxpayers and other trade parties (importers, declarants, sellers, "
        "carriers), one row per national identifier."
    ),
    key=("party_id",),
    fields=(
        Field(
            "party_id",
            "VARCHAR",
            True,
            "-",
            "National taxpayer ID (or a stable "
            "pseudonymous ID); unique within the workspace.",
            "code",
        ),
        Field(
            "country",
            "VARCHAR",
            False,
            "ISO 3166-1 alpha-2",
            "Country of registration.",
            "country",
        ),
        Field("name", "VARCHAR", False, "-", "Registered name."),
        Field(
            "registration_date", "DATE", False, "date", "Date of state registration."
        ),
        Field(
            "activity_code",
            "VARCHAR",
            False,
            "-",
            "Main economic activity code (OKED / NACE / ISIC).",
            "code",
        ),
        Field(
            "sector",
            "VARCHAR",
            False,
            "-",
            "Role in trade: import, wholesale, retail, producer, services, export.",
        ),
        Field("size", "VARCHAR", False, "-", "micro, small, medium or large."),
        Field("employees", "INTEGER", False, "persons", "Staff on the payroll, >= 0."),
        Field(
            "director_id",
            "VARCHAR",
            False,
            "-",
            "National ID of the director (parties sharing one are linked).",
            "code",
        ),
        Field(
            "address_id",
            "VARCHAR",
            False,
            "-",
            "Registered address (an ID or normalised text).",
            "code",
        ),
        Field("bank_account", "VARCHAR", False, "-", "Main bank account.", "code"),
    ),
)

DECLARATIONS = Entity(
    name="declarations",
    description=(
        "Customs declarations: one row per goods item. Header fields "
        "(date, office, parties, procedure) repeat on every item of a "
        "declaration; `item_no` tells the items apart."
    ),
    key=("declaration_id", "item_no"),
    fields=(
        Field(
            "declaration_id",
            "VARCHAR",
            True,
            "-",
            "Declaration number as registered by customs.",
            "code",
        ),
        Field(
            "item_no",
            "INTEGER",
            False,
            "-",
            "Goods item number within the declaration (box 32); 1 if absent.",
        ),
        Field("date", "DATE", True, "date", "Date of registration of the declaration."),
        Field("office_id", "VARCHAR", False, "-", "Customs office code.", "code"),
        Field(
            "procedure",
            "VARCHAR",
            False,
            "-",
            "Customs procedure / process type code.",
            "code",
        ),
        Field("import_type", "VARCHAR", False, "-", "Import type code.", "code"),
        Field("import_use", "VARCHAR", False, "-", "Intended use code.", "code"),
        Field("payment_type", "VARCHAR", False, "-", "Payment method code.", "code"),
        Field(
            "transport_mode",
            "VARCHAR",
            False,
            "-",
            "Mode of transport at the border (box 25).",
            "code",
        ),
        Field(
            "declarant_id",
            "VARCHAR",
            False,
            "-",
            "Party that lodged the declaration (customs broker).",
            "code",
        ),
        Field(
            "importer_id",
            "VARCHAR",
            True,
            "-",
            "Importer (consignee) party ID.",
            "code",
        ),
        Field("seller_id", "VARCHAR", False, "-", "Foreign seller party ID.", "code"),
        Field(
            "courier_id", "VARCHAR", False, "-", "Express courier / carrier ID.", "code"
        ),
        Field(
            "hs_code",
            "VARCHAR",
            True,
            "digits",
            "Declared goods code, HS or TN VED EAEU, 6 to 10 digits, no "
            "separators (box 33).",
            "hs",
        ),
        Field("description", "VARCHAR", False, "-", "Goods description (box 31)."),
        Field(
            "country_origin",
            "VARCHAR",
            False,
            "ISO 3166-1 alpha-2",
            "Country of origin (box 34).",
            "country",
        ),
        Field(
            "country_departure",
            "VARCHAR",
            False,
            "ISO 3166-1 alpha-2",
            "Country of departure / dispatch (box 15).",
            "country",
        ),
        Field(
            "origin_indicator",
            "VARCHAR",
            False,
            "-",
            "How origin is evidenced (certificate type / preference flag).",
            "code",
        ),
        Field("net_mass_kg", "DOUBLE", False, "kg", "Net mass (box 38), >= 0."),
        Field(
            "quantity",
            "DOUBLE",
            False,
            "supplementary unit",
            "Quantity in the supplementary unit (box 41), >= 0.",
        ),
        Field(
            "quantity_unit", "VARCHAR", False, "-", "Supplementary unit code.", "code"
        ),
        Field(
            "customs_value",
            "DOUBLE",
            True,
            "currency",
            "Customs value of the item (box 45), >= 0, in `currency`.",
        ),
        Field(
            "currency",
            "VARCHAR",
            False,
            "ISO 4217",
            "Currency of `customs_value` and `duty`.",
            "code",
        ),
        Field("tax_rate", "DOUBLE", False, "%", "Duty rate applied, percent."),
        Field(
            "tax_type",
            "VARCHAR",
            False,
            "-",
            "Duty rate type (MFN, preferential, FTA, ...).",
            "code",
        ),
        Field("duty", "DOUBLE", False, "currency", "Duty and taxes assessed."),
    ),
)

OUTCOMES = Entity(
    name="outcomes",
    description=(
        "Results of inspections: the labels the agents learn from. One row "
        "per inspected declaration."
    ),
    key=("declaration_id",),
    fields=(
        Field(
            "declaration_id",
            "VARCHAR",
            True,
            "-",
            "Declaration that was inspected.",
            "code",
        ),
        Field(
            "fraud",
            "INTEGER",
            True,
            "0/1",
            "1 if the inspection found a violation, else 0.",
            "flag",
        ),
        Field(
            "additional_revenue",
            "DOUBLE",
            False,
            "currency",
            "Duty and taxes additionally assessed after the inspection, >= 0.",
        ),
        Field("inspected_on", "DATE", False, "date", "Date of the inspection result."),
    ),
)

# How ledgers are named in the region's accounting exports (1C and others).
_SALES = ("продавец", "продажи", "продажа", "книга продаж", "sales", "sale")
_PURCHASES = ("покупатель", "покупки", "покупка", "книга покупок", "purchases")
_LEDGER_SYNONYMS = (
    *((w, "seller") for w in (*_SALES, "sales book")),
    *((w, "buyer") for w in (*_PURCHASES, "purchase", "purchase book")),
)

INVOICES = Entity(
    name="invoices",
    description=(
        "E-invoices as each side reported them: one row per invoice line and "
        "ledger. An invoice the seller put in its sales book and the buyer in "
        "its purchase book appears twice (`reported_by` seller and buyer); "
        "the two are matched to find VAT claimed that nobody declared."
    ),
    key=("invoice_id", "line_no", "reported_by"),
    fields=(
        Field("invoice_id", "VARCHAR", True, "-", "Invoice number.", "code"),
        Field("line_no", "INTEGER", False, "-", "Line of the invoice, from 1."),
        Field(
            "reported_by",
            "VARCHAR",
            True,
            "-",
            "Whose ledger the row comes from: seller (sales book) or buyer "
            "(purchase book). Also read: продавец, продажи, книга продаж, "
            "sales, sales book; покупатель, покупки, книга покупок, "
            "purchases, purchase book (any case).",
            "plain",
            ("seller", "buyer"),
            _LEDGER_SYNONYMS,
        ),
        Field("issued_on", "DATE", True, "date", "Date of the invoice."),
        Field("seller_id", "VARCHAR", True, "-", "Seller's party ID.", "code"),
        Field("buyer_id", "VARCHAR", True, "-", "Buyer's party ID.", "code"),
        Field(
            "seller_country",
            "VARCHAR",
            False,
            "ISO 3166-1 alpha-2",
            "Seller's country of registration.",
            "country",
        ),
        Field(
            "buyer_country",
            "VARCHAR",
            False,
            "ISO 3166-1 alpha-2",
            "Buyer's country of registration.",
            "country",
        ),
        Field(
            "hs_code",
            "VARCHAR",
            False,
            "-",
            "Goods code (6-10 digits); empty for services.",
            "hs",
        ),
        Field("amount", "DOUBLE", True, "currency", "Amount net of VAT, >= 0."),
        Field("vat_rate", "DOUBLE", False, "%", "VAT rate, percent (0 for exports)."),
        Field("vat", "DOUBLE", False, "currency", "VAT charged, >= 0."),
        Field(
            "currency", "VARCHAR", False, "ISO 4217", "Currency of the amounts.", "code"
        ),
    ),
)

VAT_RETURNS = Entity(
    name="vat_returns",
    description="VAT returns and payments: one row per taxpayer and month.",
    key=("party_id", "period"),
    fields=(
        Field("party_id", "VARCHAR", True, "-", "Taxpayer.", "code"),
        Field(
            "period",
            "DATE",
            True,
            "date",
            "First day of the month returned (any date in the month is read as "
            "the month).",
            "month",
        ),
        Field("output_vat", "DOUBLE", False, "currency", "VAT on sales."),
        Field("input_vat", "DOUBLE", False, "currency", "VAT deducted on purchases."),
        Field(
            "vat_payable",
            "DOUBLE",
            False,
            "currency",
            "Output minus input VAT; negative is a refund claimed.",
        ),
        Field("vat_paid", "DOUBLE", False, "currency", "VAT actually paid."),
    ),
)

EXCHANGE_RATES = Entity(
    name="exchange_rates",
    description=(
        "Official exchange rates (a national bank's): what one unit of a "
        "currency is worth in US dollars from a date on. Used to compare "
        "amounts in different currencies (a carousel's cross-border and "
        "domestic legs, an import's customs value and its resale)."
    ),
    key=("currency", "valid_from"),
    fields=(
        Field("currency", "VARCHAR", True, "ISO 4217", "Currency.", "code"),
        Field("valid_from", "DATE", True, "date", "First day the rate applies."),
        Field("usd_per_unit", "DOUBLE", True, "USD", "US dollars per unit, > 0."),
    ),
)

ENTITIES: dict[str, Entity] = {
    e.name: e
    for e in (PARTIES, DECLARATIONS, OUTCOMES, INVOICES, VAT_RETURNS, EXCHANGE_RATES)
}

# Tables that are not part of the exchange standard but of every workspace.
SYSTEM_DDL = """
CREATE TABLE IF NOT EXISTS sarap_meta (
    key VARCHAR PRIMARY KEY,
    value VARCHAR
);
CREATE TABLE IF NOT EXISTS ingest_batches (
    batch_id VARCHAR PRIMARY KEY,
    file VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    mapping VARCHAR NOT NULL,
    started_at TIMESTAMP NOT NULL,
    rows_read BIGINT NOT NULL,
    rows_loaded BIGINT NOT NULL,
    rows_duplicate BIGINT NOT NULL,
    rows_quarantined BIGINT NOT NULL,
    details VARCHAR
);
-- Since version 3; NULL in the records of an older workspace.
ALTER TABLE ingest_batches ADD COLUMN IF NOT EXISTS details VARCHAR;
CREATE TABLE IF NOT EXISTS quarantine (
    batch_id VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    row_number BIGINT NOT NULL,
    reason VARCHAR NOT NULL,
    raw VARCHAR
);
"""


def entity_ddl(entity: Entity) -> str:
    """``CREATE TABLE`` statement for one entity."""
    cols = []
    for f in entity.fields:
        null = " NOT NULL" if f.required or f.name in entity.key else ""
        cols.append(f"    {f.name} {f.type}{null}")
    cols.append(f"    PRIMARY KEY ({', '.join(entity.key)})")
    body = ",\n".join(cols)
    return f"CREATE TABLE IF NOT EXISTS {entity.name} (\n{body}\n);"


def data_model_markdown() -> str:
    """The documentation page of the data model, generated from this module."""
    lines = [
        f"# Sarap common data model, version {SCHEMA_VERSION}",
        "",
        "Every importer maps its source onto these tables; every agent reads "
        "them. This page is generated from `src/sarap/store/_schema.py` "
        "(`python -m sarap.store.docs > docs/data-model.md`); a test keeps "
        "the two equal.",
        "",
        "Conventions: codes are text (leading zeros kept); countries are "
        "ISO 3166-1 alpha-2, upper case; goods codes are digits only (spaces "
        "and dots are removed on import, and a code that lost its leading "
        "zero in a spreadsheet, such as `10121`, is restored to `010121`); "
        "dates are ISO `YYYY-MM-DD`; amounts are plain decimals in the "
        "row's currency.",
        "",
    ]
    for e in ENTITIES.values():
        lines += [
            f"## `{e.name}`",
            "",
            e.description,
            "",
            f"Key: {', '.join(f'`{k}`' for k in e.key)}.",
            "",
            "| field | type | unit | required | meaning |",
            "|---|---|---|---|---|",
        ]
        for f in e.fields:
            req = "yes" if f.required else "no"
            lines.append(
                f"| `{f.name}` | {f.type} | {f.unit} | {req} | {f.description} |"
            )
        lines.append("")
    lines += [
        "## Rejected rows",
        "",
        "A row that fails a check is not loaded; it goes to the `quarantine` "
        "table with the file, its row number (1 = first data row after the "
        "header, blank lines counted, as a spreadsheet numbers them; in JSON "
        "Lines, the line in the file; in a JSON array, the record's place) "
        "and the reason, and its original values as JSON in `raw`. "
        "Each import is recorded in `ingest_batches` with the file's SHA-256 "
        "and its counts; `details` holds the rest of its summary as JSON "
        "(encoding, outcomes loaded, rejected rows by reason, the columns "
        "ignored and those the mapping names that the file lacks).",
        "",
    ]
    return "\n".join(lines)
