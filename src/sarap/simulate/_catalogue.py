"""The simulator's world: goods, countries, customs offices and money.

Everything here was written by hand for the simulator. Prices, masses and duty
rates are round, plausible figures chosen for a realistic *shape* of data
(heavy tails, goods that differ by orders of magnitude in value per kg); they
are not tariff or market data and must not be read as such. HS codes are real
HS 2022 subheadings so that the goods agent sees sensible codes.
"""

from __future__ import annotations

from dataclasses import dataclass

# Transport modes, EAEU box 25 style: sea, rail, road, air, post.
MODES: tuple[str, ...] = ("10", "20", "30", "40", "50")

# How each kind of good travels (weights over MODES).
TRANSPORT_PROFILES: dict[str, tuple[float, ...]] = {
    "light": (0.03, 0.22, 0.40, 0.30, 0.05),
    "general": (0.05, 0.35, 0.50, 0.09, 0.01),
    "heavy": (0.10, 0.50, 0.40, 0.00, 0.00),
    "bulk": (0.08, 0.72, 0.20, 0.00, 0.00),
    "perishable": (0.02, 0.18, 0.72, 0.08, 0.00),
    "reefer": (0.10, 0.45, 0.45, 0.00, 0.00),
    "valuable": (0.00, 0.00, 0.15, 0.85, 0.00),
    "vehicle": (0.05, 0.45, 0.50, 0.00, 0.00),
}

# Fixed, illustrative exchange rates: US dollars per unit of each currency.
# Amounts in the simulated data are in the row's currency; multiply by this
# to compare them in USD.
USD_PER_UNIT: dict[str, float] = {
    "USD": 1.0,
    "EUR": 1.08,
    "CNY": 0.138,
    "RUB": 0.011,
    "KZT": 0.0021,
}
CURRENCIES: tuple[str, ...] = tuple(USD_PER_UNIT)

# The declaring country. Importers, brokers and couriers are registered here.
HOME_COUNTRY = "KZ"

# Preference regimes of the simulated tariff. FTA partners pay no duty with a
# preferential certificate; GSP beneficiaries pay 75 % of the MFN rate. The
# lists are the simulator's own, loosely after CIS/EAEU free-trade partners
# and developing-country preferences.
FTA_COUNTRIES: frozenset[str] = frozenset(
    {"UZ", "TJ", "MD", "AZ", "VN", "RS", "IR", "SG"}
)
GSP_COUNTRIES: frozenset[str] = frozenset(
    {"IN", "PK", "LK", "BD", "ID", "EC", "CO", "CR", "KE"}
)
GSP_SHARE = 0.75

# Country -> region. Regions drive transport, transit hubs and currency.
COUNTRY_REGION: dict[str, str] = {
    "CN": "china",
    "DE": "europe", "IT": "europe", "PL": "europe", "FR": "europe",
    "ES": "europe", "NL": "europe", "BE": "europe", "CZ": "europe",
    "LT": "europe", "LV": "europe", "AT": "europe", "FI": "europe",
    "HU": "europe", "DK": "europe", "NO": "europe", "GB": "europe",
    "IE": "europe", "CH": "europe", "RS": "europe", "MD": "europe",
    "TR": "turkey", "GE": "turkey",
    "UZ": "central_asia", "TJ": "central_asia", "TM": "central_asia",
    "AZ": "caspian", "IR": "caspian",
    "AE": "mideast",
    "KR": "east_asia", "JP": "east_asia", "TW": "east_asia",
    "VN": "se_asia", "TH": "se_asia", "MY": "se_asia", "ID": "se_asia",
    "SG": "se_asia",
    "IN": "south_asia", "PK": "south_asia", "LK": "south_asia",
    "BD": "south_asia",
    "US": "americas", "BR": "americas", "AR": "americas", "UY": "americas",
    "EC": "americas", "CO": "americas", "CR": "americas", "CL": "americas",
    "AU": "oceania", "NZ": "oceania",
    "KE": "africa",
}

REGIONS: tuple[str, ...] = (
    "china", "europe", "turkey", "central_asia", "caspian", "mideast",
    "east_asia", "se_asia", "south_asia", "americas", "oceania", "africa",
)

# Per region: multipliers on the goods' transport profile (sea, rail, road,
# air, post); the chance that honest goods are dispatched from a transit hub
# rather than the country of origin, and which hubs; currency weights over
# CURRENCIES; which land border they cross.
REGION_MODE_FACTOR: dict[str, tuple[float, ...]] = {
    "china": (0.2, 1.4, 1.2, 0.8, 1.5),
    "europe": (0.3, 0.6, 1.5, 1.0, 0.8),
    "turkey": (1.0, 0.6, 1.4, 1.0, 0.6),
    "central_asia": (0.05, 1.0, 2.0, 0.3, 0.5),
    "caspian": (2.0, 0.8, 1.0, 0.5, 0.3),
    "mideast": (1.5, 0.5, 0.8, 1.5, 0.5),
    "east_asia": (1.0, 1.2, 0.5, 1.4, 1.0),
    "se_asia": (1.2, 1.2, 0.5, 1.2, 0.6),
    "south_asia": (1.2, 1.2, 0.5, 1.2, 0.6),
    "americas": (1.5, 1.2, 0.3, 1.2, 0.5),
    "oceania": (1.5, 1.2, 0.3, 1.2, 0.5),
    "africa": (1.5, 1.0, 0.3, 1.3, 0.5),
}
REGION_TRANSIT: dict[str, tuple[float, tuple[str, ...]]] = {
    "china": (0.04, ("AE", "UZ")),
    "europe": (0.18, ("DE", "PL", "LT", "NL", "LV")),
    "turkey": (0.10, ("GE", "AZ")),
    "central_asia": (0.02, ("UZ",)),
    "caspian": (0.08, ("AZ", "TM")),
    "mideast": (0.03, ("TR",)),
    "east_asia": (0.25, ("CN", "AE", "KR")),
    "se_asia": (0.20, ("CN", "AE", "SG")),
    "south_asia": (0.20, ("AE", "CN")),
    "americas": (0.35, ("NL", "DE", "AE", "LT")),
    "oceania": (0.30, ("SG", "AE", "CN")),
    "africa": (0.30, ("AE", "NL")),
}
REGION_CURRENCY: dict[str, tuple[float, ...]] = {
    # USD, EUR, CNY, RUB, KZT
    "china": (0.84, 0.00, 0.14, 0.00, 0.02),
    "europe": (0.62, 0.34, 0.00, 0.02, 0.02),
}
DEFAULT_CURRENCY = (0.96, 0.02, 0.00, 0.005, 0.015)
# Land route into the home country: "east" (Chinese border), "south"
# (Central Asian border) or "north" (through Russia).
REGION_ROUTE: dict[str, str] = {
    "china": "east", "east_asia": "east", "se_asia": "east",
    "central_asia": "south", "caspian": "south", "mideast": "south",
    "south_asia": "south",
}

# Preferential origins a fraudster claims, by the true origin's region.
FAKE_ORIGINS: dict[str, tuple[tuple[str, float], ...]] = {
    "china": (("VN", 0.35), ("UZ", 0.35), ("TJ", 0.15), ("SG", 0.05),
              ("IN", 0.10)),
    "turkey": (("UZ", 0.35), ("AZ", 0.35), ("IR", 0.20), ("RS", 0.10)),
    "europe": (("RS", 0.55), ("MD", 0.45)),
    "east_asia": (("VN", 0.50), ("SG", 0.30), ("UZ", 0.20)),
}
DEFAULT_FAKE_ORIGINS: tuple[tuple[str, float], ...] = (
    ("UZ", 0.4), ("VN", 0.3), ("IR", 0.3),
)


@dataclass(frozen=True)
class Office:
    """A simulated customs office of the home country."""

    code: str
    name: str
    kind: str  # "inland" (a region's clearance office) or "border"
    region: str  # home-country region it serves, "" for border posts


# Office codes and names are invented.
OFFICES: tuple[Office, ...] = (
    Office("55101", "Almaty city", "inland", "ALA"),
    Office("55201", "Astana city", "inland", "AST"),
    Office("55301", "Shymkent", "inland", "SHY"),
    Office("55401", "Karaganda", "inland", "KAR"),
    Office("55501", "Aktobe", "inland", "AKT"),
    Office("55601", "Pavlodar", "inland", "PAV"),
    Office("55701", "Oskemen", "inland", "VKO"),
    Office("55801", "Atyrau", "inland", "ATY"),
    Office("55901", "Aktau", "inland", "MAN"),
    Office("56101", "Eastern road border post", "border", ""),
    Office("56102", "Eastern rail border station A", "border", ""),
    Office("56103", "Eastern rail border station B", "border", ""),
    Office("56201", "Almaty airport", "border", ""),
    Office("56202", "Astana airport", "border", ""),
    Office("56301", "Southern border post", "border", ""),
    Office("56401", "Caspian sea port", "border", ""),
    Office("56501", "Northern border post", "border", ""),
    Office("56601", "International post office", "border", ""),
)

# Home-country regions where importers are based, with their weights.
HOME_REGIONS: tuple[tuple[str, float], ...] = (
    ("ALA", 0.36), ("AST", 0.22), ("SHY", 0.11), ("KAR", 0.07), ("AKT", 0.05),
    ("PAV", 0.05), ("VKO", 0.05), ("ATY", 0.05), ("MAN", 0.04),
)
SOUTHERN_HOME_REGIONS: frozenset[str] = frozenset({"ALA", "SHY"})

# Sectors: share of importers, and the main activity code (OKED-style) that
# simulate_parties gives them.
SECTORS: dict[str, tuple[float, str]] = {
    "food": (0.15, "46390"),
    "beverages": (0.04, "46340"),
    "tobacco": (0.01, "46350"),
    "textiles": (0.10, "46420"),
    "footwear": (0.04, "46421"),
    "electronics": (0.09, "46520"),
    "computers": (0.04, "46510"),
    "appliances": (0.06, "46430"),
    "auto": (0.09, "45310"),
    "machinery": (0.06, "46690"),
    "chemicals": (0.05, "46750"),
    "plastics": (0.03, "46769"),
    "construction": (0.07, "46730"),
    "metals": (0.05, "46720"),
    "pharma": (0.04, "46460"),
    "cosmetics": (0.04, "46450"),
    "furniture": (0.03, "46470"),
    "toys_sports": (0.03, "46490"),
    "jewellery": (0.01, "46480"),
    "paper": (0.02, "46761"),
    "medical": (0.01, "46691"),
}
BROKER_ACTIVITY = "52291"
COURIER_ACTIVITY = "53200"


@dataclass(frozen=True)
class Good:
    """One HS6 subheading of the simulated catalogue.

    Parameters
    ----------
    hs6 : str
        HS 2022 subheading, six digits.
    sector : str
        Trade sector (a key of ``SECTORS``).
    name_en, name_ru : str
        Short goods names that open the English and Russian descriptions.
    variants : tuple of (str, float)
        Brands or models, each with a price multiplier.
    specs : tuple of str
        Language-neutral details appended to descriptions (sizes, grades).
    price_usd_kg : float
        Median customs value per kg of net mass, USD.
    price_spread : float
        Log-scale spread of the unit value around that median.
    mass_kg, mass_spread : float
        Median net mass of one goods item and its log-scale spread.
    mfn_rate : float
        Most-favoured-nation duty rate, percent.
    unit : str or None
        Supplementary unit (UN/ECE Rec. 20 code) or None.
    kg_per_unit : float or None
        Net mass of one supplementary unit.
    origins : tuple of (str, float)
        Typical countries of origin (ISO alpha-2) and their weights.
    transport : str
        Key of ``TRANSPORT_PROFILES``.
    lower_duty_code : str or None
        A lower-duty subheading these goods are misdeclared as.
    popularity : float
        Relative weight of the good within its sector.
    """

    hs6: str
    sector: str
    name_en: str
    name_ru: str
    variants: tuple[tuple[str, float], ...]
    specs: tuple[str, ...]
    price_usd_kg: float
    price_spread: float
    mass_kg: float
    mass_spread: float
    mfn_rate: float
    unit: str | None
    kg_per_unit: float | None
    origins: tuple[tuple[str, float], ...]
    transport: str
    lower_duty_code: str | None
    popularity: float


def _pairs(text: str, sep: str) -> tuple[tuple[str, float], ...]:
    out = []
    for part in text.split(sep):
        name, _, weight = part.strip().rpartition(":")
        out.append((name.strip(), float(weight)))
    return tuple(out)


def _good(
    hs6: str,
    sector: str,
    en: str,
    ru: str,
    variants: str,
    specs: str,
    *,
    price: float,
    spread: float,
    mass: float,
    mass_spread: float,
    rate: float,
    origins: str,
    transport: str,
    unit: str | None = None,
    kpu: float | None = None,
    decoy: str | None = None,
    pop: float = 1.0,
) -> Good:
    return Good(
        hs6=hs6, sector=sector, name_en=en, name_ru=ru,
        variants=_pairs(variants, "|"), specs=tuple(specs.split("|")),
        price_usd_kg=price, price_spread=spread, mass_kg=mass,
        mass_spread=mass_spread, mfn_rate=rate, unit=unit, kg_per_unit=kpu,
        origins=_pairs(origins, " "), transport=transport,
        lower_duty_code=decoy, popularity=pop,
    )


# Units: H87 piece, NPR pair, LTR litre, MTK square metre, MTQ cubic metre,
# T3 thousand pieces.
GOODS: tuple[Good, ...] = (
    # --- food ---
    _good("020230", "food", "FROZEN BONELESS BEEF", "ГОВЯДИНА ЗАМОРОЖЕННАЯ БЕСКОСТНАЯ",
          "FOREQUARTER:0.9|STRIPLOIN:1.5|TOPSIDE:1.1|TRIMMINGS 80VL:0.8",
          "CARTONS 25KG|BLOCKS 27KG|HALAL", price=5.5, spread=0.2, mass=18000,
          mass_spread=0.5, rate=15, origins="BR:5 AR:2 UY:2 IN:2",
          transport="reefer", decoy="020629"),
    _good("020629", "food", "FROZEN EDIBLE BOVINE OFFAL",
          "СУБПРОДУКТЫ ГОВЯЖЬИ ПИЩЕВЫЕ ЗАМОРОЖЕННЫЕ",
          "LIVER:1.0|TONGUE:1.7|HEART:0.9|KIDNEYS:0.7", "CARTONS 10KG|BLOCKS 20KG",
          price=2.4, spread=0.25, mass=15000, mass_spread=0.5, rate=5,
          origins="BR:3 AR:2 UY:1", transport="reefer", pop=0.5),
    _good("020714", "food", "FROZEN CHICKEN CUTS", "ЧАСТИ ТУШЕК КУР ЗАМОРОЖЕННЫЕ",
          "LEG QUARTERS:0.9|WINGS:1.1|BREAST FILLET:1.5|DRUMSTICKS:1.0",
          "CARTONS 15KG|IQF 1KG|BULK", price=2.2, spread=0.25, mass=20000,
          mass_spread=0.4, rate=25, origins="US:3 BR:3 TR:1 CN:1",
          transport="reefer"),
    _good("030617", "food", "FROZEN SHRIMPS", "КРЕВЕТКИ ЗАМОРОЖЕННЫЕ",
          "VANNAMEI:1.0|BLACK TIGER:1.4|NORTHERN PINK:1.2",
          "16/20|21/25|31/40|IQF 1KG", price=9.0, spread=0.3, mass=3000,
          mass_spread=0.8, rate=8, origins="EC:4 IN:3 VN:3 CN:1",
          transport="reefer", decoy="030389", pop=0.6),
    _good("030389", "food", "FROZEN FISH", "РЫБА МОРОЖЕНАЯ",
          "MACKEREL:0.8|HERRING:0.7|HAKE:1.0|POLLOCK:0.9",
          "WHOLE ROUND|H/G|BLOCKS 20KG",
          price=1.8, spread=0.3, mass=18000, mass_spread=0.5, rate=3,
          origins="NO:3 CL:1 CN:2 VN:1", transport="reefer", pop=0.7),
    _good("040690", "food", "CHEESE", "СЫР",
          "GOUDA:1.0|EDAM:0.95|CHEDDAR:1.1|PARMESAN:2.0|MOZZARELLA:0.9",
          "45% FAT|50% FAT|BLOCKS 10KG|SLICED 150G", price=6.5, spread=0.3,
          mass=4000, mass_spread=0.8, rate=15, origins="NL:3 DE:2 PL:2 FR:1 IT:1 TR:1",
          transport="perishable", decoy="210690"),
    _good("040221", "food", "MILK POWDER", "МОЛОКО СУХОЕ",
          "WHOLE 26% FAT:1.1|SKIMMED 1.5% FAT:0.9", "BAGS 25KG|BIG BAGS 500KG",
          price=3.8, spread=0.2, mass=20000, mass_spread=0.4, rate=10,
          origins="NZ:4 PL:2 FR:1 DE:1", transport="general", pop=0.5),
    _good("070200", "food", "FRESH TOMATOES", "ТОМАТЫ СВЕЖИЕ",
          "CHERRY:1.8|ROUND:1.0|PLUM:1.1", "BOXES 6KG|CRATES 10KG", price=0.9,
          spread=0.35, mass=18000, mass_spread=0.4, rate=10,
          origins="UZ:5 TR:3 IR:3 CN:1", transport="perishable"),
    _good("080810", "food", "FRESH APPLES", "ЯБЛОКИ СВЕЖИЕ",
          "GOLDEN DELICIOUS:1.0|GALA:1.1|FUJI:1.1|RED DELICIOUS:1.0|GRANNY SMITH:1.0",
          "BOXES 18KG|BULK", price=0.8, spread=0.3, mass=19000, mass_spread=0.35,
          rate=10, origins="CN:3 PL:3 UZ:2 IR:2 MD:2 TR:1 RS:1",
          transport="perishable"),
    _good("080390", "food", "FRESH BANANAS", "БАНАНЫ СВЕЖИЕ",
          "CAVENDISH:1.0|ORGANIC CAVENDISH:1.3", "BOXES 18.14KG|GREEN", price=0.85,
          spread=0.15, mass=19000, mass_spread=0.3, rate=4,
          origins="EC:6 CO:2 CR:1", transport="reefer"),
    _good("080610", "food", "FRESH GRAPES", "ВИНОГРАД СВЕЖИЙ",
          "KISHMISH:1.1|RED GLOBE:1.0|HUSAYNI:1.2", "BOXES 8KG|CRATES 10KG",
          price=1.3, spread=0.3, mass=15000, mass_spread=0.4, rate=10,
          origins="UZ:4 TR:2 IR:2 CN:1 TJ:1", transport="perishable", pop=0.7),
    _good("080212", "food", "ALMONDS, SHELLED", "МИНДАЛЬ ОЧИЩЕННЫЙ",
          "NONPAREIL:1.1|CARMEL:1.0|INSHELL GRADE:0.8", "23/25|27/30|CARTONS 22.68KG",
          price=6.0, spread=0.25, mass=10000, mass_spread=0.6, rate=5,
          origins="US:5 IR:2 AU:1 ES:1", transport="general", pop=0.5),
    _good("090121", "food", "ROASTED COFFEE", "КОФЕ ЖАРЕНЫЙ",
          "LAVAZZA QUALITA ORO:1.3|JACOBS MONARCH:1.0|PAULIG PRESIDENTTI:1.0"
          "|ILLY CLASSICO:1.8|JARDIN:0.9",
          "BEANS 1KG|GROUND 250G|CAPSULES", price=14.0, spread=0.3, mass=1500,
          mass_spread=0.9, rate=8, origins="IT:3 DE:3 FI:1 PL:1",
          transport="general", decoy="090111"),
    _good("090111", "food", "COFFEE, NOT ROASTED, NOT DECAFFEINATED",
          "КОФЕ НЕЖАРЕНЫЙ С КОФЕИНОМ",
          "ARABICA:1.3|ROBUSTA:0.8", "BAGS 60KG|GRADE 1|SCREEN 16",
          price=4.5, spread=0.25, mass=15000, mass_spread=0.5, rate=0,
          origins="VN:4 BR:4 CO:1 IN:1", transport="general", pop=0.4),
    _good("090230", "food", "BLACK TEA IN PACKINGS <=3KG",
          "ЧАЙ ЧЕРНЫЙ В УПАКОВКАХ <=3КГ",
          "AKBAR:1.2|LIPTON YELLOW LABEL:1.1|AHMAD TEA:1.2|PICKWICK:1.0|NO BRAND:0.6",
          "PACKETS 100G|TEA BAGS 25X2G|250G", price=5.0, spread=0.35, mass=3000,
          mass_spread=0.8, rate=3, origins="IN:4 LK:3 KE:2 CN:1",
          transport="general"),
    _good("100630", "food", "MILLED RICE",
          "РИС ПОЛУОБРУШЕННЫЙ ИЛИ ПОЛНОСТЬЮ ОБРУШЕННЫЙ",
          "BASMATI:1.8|JASMINE:1.3|LONG GRAIN:1.0|DEVZIRA:1.4", "BAGS 25KG|BAGS 50KG",
          price=0.8, spread=0.3, mass=20000, mass_spread=0.4, rate=5,
          origins="IN:4 PK:3 TH:2 VN:2", transport="bulk"),
    _good("151190", "food", "REFINED PALM OIL", "МАСЛО ПАЛЬМОВОЕ РАФИНИРОВАННОЕ",
          "RBD OLEIN:1.0|RBD STEARIN:0.9|SHORTENING:1.1", "FLEXITANK|DRUMS 190KG",
          price=1.0, spread=0.2, mass=21000, mass_spread=0.3, rate=3,
          origins="MY:4 ID:4", transport="bulk", pop=0.5),
    _good("170199", "food", "WHITE CANE SUGAR", "САХАР БЕЛЫЙ ТРОСТНИКОВЫЙ",
          "ICUMSA 45:1.0|ICUMSA 100:0.9", "BAGS 50KG|BIG BAGS 1T", price=0.55,
          spread=0.15, mass=25000, mass_spread=0.3, rate=10,
          origins="BR:4 IN:2", transport="bulk", pop=0.6),
    _good("180690", "food", "CHOCOLATE CONFECTIONERY",
          "ИЗДЕЛИЯ КОНДИТЕРСКИЕ ШОКОЛАДНЫЕ",
          "MILKA:1.1|RITTER SPORT:1.2|FERRERO ROCHER:2.0|ULKER:0.7|ALPEN GOLD:0.8"
          "|KINDER:1.6",
          "BARS 100G|BOXES 200G|ASSORTED", price=7.0, spread=0.35, mass=3000,
          mass_spread=0.8, rate=12, origins="TR:4 DE:3 PL:2 IT:1 CN:1",
          transport="general"),
    _good("190531", "food", "SWEET BISCUITS", "ПЕЧЕНЬЕ СЛАДКОЕ",
          "ULKER:0.8|OREO:1.2|LOTUS BISCOFF:1.5|SOLEN:0.8|BAHLSEN:1.3",
          "PACKS 150G|BOXES 2KG|ASSORTED", price=3.0, spread=0.35, mass=5000,
          mass_spread=0.7, rate=12, origins="TR:5 PL:2 DE:1 CN:1 UZ:1",
          transport="general"),
    _good("210690", "food", "FOOD PREPARATIONS N.E.S.", "ПИЩЕВЫЕ ПРОДУКТЫ ПРОЧИЕ",
          "PROTEIN MIX:1.4|FOOD FLAVOURING:1.0|JELLY POWDER:0.8|BAKERY IMPROVER:0.7",
          "BAGS 20KG|CANS 1KG|SACHETS", price=4.5, spread=0.5, mass=3000,
          mass_spread=0.8, rate=5, origins="DE:2 CN:2 TR:2 NL:1 US:1 PL:1",
          transport="general", pop=0.6),
    # --- beverages and tobacco ---
    _good("220300", "beverages", "BEER MADE FROM MALT", "ПИВО СОЛОДОВОЕ",
          "EFES PILSENER:0.9|HEINEKEN:1.2|PAULANER:1.5|KRUSOVICE:1.1|ZATECKY GUS:0.9",
          "0.5L CAN|0.45L BOTTLE|30L KEG", price=1.1, spread=0.3, mass=18000,
          mass_spread=0.4, rate=12, unit="LTR", kpu=1.0,
          origins="DE:3 CZ:3 TR:2 BE:1 NL:1", transport="general", decoy="220299"),
    _good("220299", "beverages", "NON-ALCOHOLIC BEVERAGES", "НАПИТКИ БЕЗАЛКОГОЛЬНЫЕ",
          "RED BULL:2.0|COCA-COLA:1.0|SCHWEPPES:1.0|BURN ENERGY:1.5|FUZE TEA:0.8",
          "0.25L CAN|0.5L PET|1.5L PET", price=0.9, spread=0.35, mass=18000,
          mass_spread=0.4, rate=8, unit="LTR", kpu=1.05,
          origins="AT:3 TR:3 PL:2 DE:1 UZ:1 CN:1", transport="general"),
    _good("220421", "beverages", "WINE OF FRESH GRAPES IN CONTAINERS <=2L",
          "ВИНО ВИНОГРАДНОЕ НАТУРАЛЬНОЕ В СОСУДАХ <=2Л",
          "CHARDONNAY:1.0|CABERNET SAUVIGNON:1.0|MERLOT:0.9|PROSECCO:1.2|SAPERAVI:0.9"
          "|RIOJA CRIANZA:1.3",
          "0.75L DRY|0.75L SEMI-SWEET|1.5L", price=6.0, spread=0.5, mass=6000,
          mass_spread=0.7, rate=12.5, unit="LTR", kpu=1.3,
          origins="IT:3 ES:2 FR:2 GE:2 MD:2 CL:1", transport="general"),
    _good("220830", "beverages", "WHISKIES", "ВИСКИ",
          "JAMESON:1.0|JACK DANIEL'S:1.2|JOHNNIE WALKER RED LABEL:1.0"
          "|CHIVAS REGAL 12:2.0|BALLANTINE'S:0.9",
          "0.7L 40%|1L 40%|0.5L 40%", price=14.0, spread=0.35, mass=3000,
          mass_spread=0.8, rate=10, unit="LTR", kpu=1.4,
          origins="GB:6 IE:2 US:2", transport="general", pop=0.6),
    _good("240220", "tobacco", "CIGARETTES CONTAINING TOBACCO",
          "СИГАРЕТЫ, СОДЕРЖАЩИЕ ТАБАК",
          "MARLBORO:1.2|WINSTON:1.0|PARLIAMENT:1.5|KENT:1.2|LD:0.8",
          "KING SIZE|SUPERSLIMS|COMPACT", price=30.0, spread=0.3, mass=4000,
          mass_spread=0.8, rate=30, unit="T3", kpu=1.1,
          origins="TR:3 DE:2 PL:2 UZ:1 AE:1", transport="general", decoy="240120"),
    _good("240120", "tobacco", "TOBACCO, PARTLY OR WHOLLY STEMMED",
          "ТАБАК ЧАСТИЧНО ИЛИ ПОЛНОСТЬЮ ОТДЕЛЕННЫЙ ОТ СТЕБЛЕЙ",
          "VIRGINIA FLUE-CURED:1.1|BURLEY:1.0|ORIENTAL:1.2", "CARTONS 200KG|STRIPS",
          price=5.0, spread=0.3, mass=15000, mass_spread=0.5, rate=5,
          origins="BR:3 IN:2 TR:1 US:1", transport="general", pop=0.5),
    # --- construction materials ---
    _good("252329", "construction", "PORTLAND CEMENT", "ЦЕМЕНТ ПОРТЛАНДСКИЙ",
          "CEM I 42.5:1.1|CEM II 32.5:0.9|M500:1.0", "BAGS 50KG|BIG BAGS 1T|BULK",
          price=0.07, spread=0.2, mass=60000, mass_spread=0.4, rate=10,
          origins="UZ:4 CN:2 IR:2 TR:1", transport="bulk"),
    _good("441114", "construction", "MEDIUM DENSITY FIBREBOARD (MDF) >9MM",
          "ПЛИТЫ ДРЕВЕСНОВОЛОКНИСТЫЕ СРЕДНЕЙ ПЛОТНОСТИ (МДФ) >9ММ",
          "RAW:0.9|LAMINATED:1.2|MOISTURE RESISTANT:1.1",
          "2800X2070X16MM|2800X2070X18MM|2440X1220X12MM", price=0.45, spread=0.25,
          mass=20000, mass_spread=0.35, rate=10, unit="MTQ", kpu=750,
          origins="CN:3 TR:3 PL:1 IR:1", transport="heavy"),
    _good("690721", "construction", "CERAMIC TILES, WATER ABSORPTION <=0.5%",
          "ПЛИТКА КЕРАМИЧЕСКАЯ (КЕРАМОГРАНИТ) С ВОДОПОГЛОЩЕНИЕМ <=0.5%",
          "PORCELAIN GRES 60X60:1.0|POLISHED 60X120:1.4|MATT 30X30:0.8",
          "GRADE 1|GREY|BEIGE|MARBLE EFFECT", price=0.6, spread=0.3, mass=22000,
          mass_spread=0.35, rate=12, unit="MTK", kpu=22,
          origins="CN:3 IR:3 IN:2 TR:2 ES:1 UZ:1", transport="heavy"),
    _good("700721", "construction", "LAMINATED SAFETY GLASS FOR VEHICLES",
          "СТЕКЛО БЕЗОПАСНОЕ МНОГОСЛОЙНОЕ ДЛЯ ТРАНСПОРТНЫХ СРЕДСТВ",
          "WINDSHIELD:1.0|REAR WINDOW:0.9|SIDE WINDOW:0.8",
          "FOR TOYOTA|FOR HYUNDAI|FOR KIA|FOR CHERY", price=9.0, spread=0.3,
          mass=2000, mass_spread=0.8, rate=10, unit="H87", kpu=13,
          origins="CN:5 TR:1 DE:1", transport="general", pop=0.5),
    _good("700529", "construction", "FLOAT GLASS SHEETS", "СТЕКЛО ФЛОАТ ЛИСТОВОЕ",
          "CLEAR:1.0|TINTED:1.2|LOW-E:1.6", "4MM|5MM|6MM 3210X2250",
          price=0.4, spread=0.25, mass=22000, mass_spread=0.3, rate=5, unit="MTK",
          kpu=12.5, origins="CN:3 TR:2 IR:2", transport="heavy", pop=0.6),
    # --- chemicals, plastics, rubber ---
    _good("271019", "chemicals", "LUBRICATING MOTOR OILS", "МАСЛА СМАЗОЧНЫЕ МОТОРНЫЕ",
          "SHELL HELIX:1.2|MOBIL SUPER:1.1|CASTROL MAGNATEC:1.2|TOTAL QUARTZ:1.1"
          "|ZIC X7:0.9",
          "5W-40 4L|10W-40 4L|15W-40 208L DRUM", price=3.0, spread=0.35, mass=8000,
          mass_spread=0.7, rate=5, unit="LTR", kpu=0.88,
          origins="DE:2 KR:2 NL:1 CN:1 TR:1 AE:1 SG:1", transport="general"),
    _good("281511", "chemicals", "SODIUM HYDROXIDE, SOLID", "НАТРИЯ ГИДРОКСИД ТВЕРДЫЙ",
          "FLAKES 99%:1.0|PEARLS 99%:1.05", "BAGS 25KG|BIG BAGS 1T", price=0.45,
          spread=0.2, mass=22000, mass_spread=0.3, rate=5,
          origins="CN:5 IR:1 TR:1", transport="bulk", pop=0.6),
    _good("340250", "chemicals", "WASHING PREPARATIONS FOR RETAIL SALE",
          "СРЕДСТВА МОЮЩИЕ, РАСФАСОВАННЫЕ ДЛЯ РОЗНИЧНОЙ ПРОДАЖИ",
          "ARIEL:1.1|PERSIL:1.1|TIDE:0.9|FAIRY:1.0|BINGO:0.6",
          "POWDER 3KG|GEL 1.95L|CAPSULES 30PCS", price=2.2, spread=0.35, mass=8000,
          mass_spread=0.6, rate=6.5, origins="TR:4 PL:2 DE:1 UZ:1 CN:1",
          transport="general"),
    _good("380893", "chemicals", "HERBICIDES", "ГЕРБИЦИДЫ",
          "GLYPHOSATE 480 SL:0.8|2,4-D AMINE 600:0.7|TRIBENURON 750 WG:1.5",
          "CANISTER 20L|DRUM 200L|BAGS 1KG", price=6.0, spread=0.45, mass=10000,
          mass_spread=0.6, rate=5, origins="CN:5 IN:2 DE:1", transport="general",
          pop=0.6),
    _good("390110", "plastics", "POLYETHYLENE, SPECIFIC GRAVITY <0.94, PRIMARY FORMS",
          "ПОЛИЭТИЛЕН С УДЕЛЬНЫМ ВЕСОМ МЕНЕЕ 0.94 В ПЕРВИЧНЫХ ФОРМАХ (ГРАНУЛЫ)",
          "LDPE:1.0|LLDPE:0.95|LDPE FILM GRADE:1.05", "BAGS 25KG|MFI 2", price=1.2,
          spread=0.2, mass=22000, mass_spread=0.3, rate=5,
          origins="UZ:3 IR:3 CN:2 KR:1 AZ:1", transport="bulk"),
    _good("392321", "plastics", "SACKS AND BAGS OF POLYMERS OF ETHYLENE",
          "МЕШКИ И ПАКЕТЫ ИЗ ПОЛИМЕРОВ ЭТИЛЕНА",
          "T-SHIRT BAGS:1.0|GARBAGE BAGS:0.9|ZIP-LOCK BAGS:1.4",
          "30X60CM|50X70CM|ROLLS", price=1.8, spread=0.3, mass=8000,
          mass_spread=0.6, rate=10, origins="CN:5 TR:2 UZ:1", transport="general",
          decoy="390110"),
    _good("392410", "plastics", "PLASTIC TABLEWARE AND KITCHENWARE",
          "ПОСУДА СТОЛОВАЯ И КУХОННАЯ ИЗ ПЛАСТМАСС",
          "LUMINARC:1.2|CURVER:1.3|IDEA:0.9|NO BRAND:0.6", "SETS|CONTAINERS|CUPS",
          price=3.5, spread=0.4, mass=3000, mass_spread=0.8, rate=10,
          origins="CN:6 TR:3", transport="general"),
    _good("401110", "auto", "NEW PNEUMATIC TYRES FOR CARS",
          "ШИНЫ ПНЕВМАТИЧЕСКИЕ НОВЫЕ ДЛЯ ЛЕГКОВЫХ АВТОМОБИЛЕЙ",
          "MICHELIN:1.6|BRIDGESTONE:1.4|NOKIAN:1.4|TRIANGLE:0.7|LINGLONG:0.7"
          "|HANKOOK:1.1",
          "205/55 R16|195/65 R15|225/45 R17|265/65 R17", price=4.5, spread=0.25,
          mass=8000, mass_spread=0.7, rate=10, unit="H87", kpu=9,
          origins="CN:5 KR:2 JP:1 TR:1", transport="general", decoy="401290"),
    _good("401290", "auto", "SOLID TYRES, TYRE TREADS AND FLAPS",
          "ШИНЫ МАССИВНЫЕ, ПРОТЕКТОРЫ И ОБОДНЫЕ ЛЕНТЫ",
          "TREAD RUBBER:1.0|FLAPS:0.9|SOLID TYRES:1.1", "PRECURED|ROLLS",
          price=2.5, spread=0.3, mass=5000, mass_spread=0.7, rate=5,
          origins="CN:4 TR:1", transport="general", pop=0.4),
    # --- fashion, textiles, footwear ---
    _good("420221", "textiles", "HANDBAGS WITH OUTER SURFACE OF LEATHER",
          "СУМКИ С ЛИЦЕВОЙ ПОВЕРХНОСТЬЮ ИЗ НАТУРАЛЬНОЙ КОЖИ",
          "MICHAEL KORS:3.0|COACH:3.5|ZARA:1.0|FURLA:3.0|NO BRAND:0.5",
          "WOMEN|SHOULDER BAGS|TOTE", price=60.0, spread=0.4, mass=300,
          mass_spread=1.0, rate=10, unit="H87", kpu=0.8,
          origins="CN:4 IT:2 TR:2 VN:1 FR:1", transport="light", decoy="420222",
          pop=0.6),
    _good("420222", "textiles", "HANDBAGS WITH OUTER SURFACE OF TEXTILES",
          "СУМКИ С ЛИЦЕВОЙ ПОВЕРХНОСТЬЮ ИЗ ТЕКСТИЛЬНЫХ МАТЕРИАЛОВ",
          "ZARA:1.0|MANGO:1.0|NO BRAND:0.5|ADIDAS:1.5", "WOMEN|SHOPPERS|BACKPACKS",
          price=12.0, spread=0.4, mass=800, mass_spread=0.9, rate=5, unit="H87",
          kpu=0.5, origins="CN:6 VN:1 TR:1", transport="light", pop=0.5),
    _good("520942", "textiles", "DENIM OF COTTON, >200G/M2",
          "ДЕНИМ ХЛОПЧАТОБУМАЖНЫЙ >200Г/М2",
          "INDIGO:1.0|BLACK:1.0|STRETCH:1.15", "WIDTH 150CM 12OZ|WIDTH 160CM 10OZ",
          price=5.0, spread=0.3, mass=3000, mass_spread=0.8, rate=5, unit="MTK",
          kpu=0.4, origins="CN:4 TR:3 PK:2 UZ:2 IN:1", transport="general"),
    _good("520811", "textiles", "UNBLEACHED PLAIN COTTON FABRIC <=100G/M2",
          "ТКАНЬ ХЛОПЧАТОБУМАЖНАЯ НЕОТБЕЛЕННАЯ ПОЛОТНЯНОГО ПЕРЕПЛЕТЕНИЯ <=100Г/М2",
          "CALICO:1.0|CHEESECLOTH:0.9|VOILE:1.2", "WIDTH 150CM|WIDTH 220CM|ROLLS",
          price=3.0, spread=0.3, mass=4000, mass_spread=0.7, rate=5, unit="MTK",
          kpu=0.1, origins="UZ:4 CN:3 PK:2 IN:2 TJ:1", transport="general"),
    _good("610910", "textiles", "T-SHIRTS OF COTTON, KNITTED",
          "ФУТБОЛКИ ТРИКОТАЖНЫЕ ИЗ ХЛОПЧАТОБУМАЖНОЙ ПРЯЖИ",
          "LC WAIKIKI:0.8|DEFACTO:0.8|H&M:1.1|ZARA:1.3|NIKE:2.2|ADIDAS:2.0"
          "|NO BRAND:0.5",
          "SIZES S-XXL|MEN|WOMEN|KIDS 2-14Y", price=18.0, spread=0.35, mass=1500,
          mass_spread=0.9, rate=10, unit="H87", kpu=0.18,
          origins="CN:4 TR:4 UZ:3 BD:2 VN:1", transport="light", decoy="520811"),
    _good("620342", "textiles", "MEN'S TROUSERS OF COTTON", "БРЮКИ МУЖСКИЕ ИЗ ХЛОПКА",
          "LEVI'S 501:3.0|COLIN'S:1.0|MAVI:1.3|LC WAIKIKI:0.7|NO BRAND:0.5",
          "SIZES 46-56|DENIM|CHINO", price=20.0, spread=0.35, mass=1200,
          mass_spread=0.9, rate=10, unit="H87", kpu=0.6,
          origins="TR:4 CN:3 BD:2 UZ:2 PK:1", transport="light", decoy="520942"),
    _good("620462", "textiles", "WOMEN'S TROUSERS OF COTTON", "БРЮКИ ЖЕНСКИЕ ИЗ ХЛОПКА",
          "MANGO:1.4|ZARA:1.3|COLIN'S:1.0|LC WAIKIKI:0.7|NO BRAND:0.5",
          "SIZES 40-52|DENIM|CULOTTES", price=22.0, spread=0.35, mass=1000,
          mass_spread=0.9, rate=10, unit="H87", kpu=0.5,
          origins="TR:4 CN:3 BD:2 UZ:1", transport="light", decoy="520942"),
    _good("611020", "textiles", "JERSEYS AND PULLOVERS OF COTTON, KNITTED",
          "СВИТЕРЫ И ПУЛОВЕРЫ ТРИКОТАЖНЫЕ ИЗ ХЛОПЧАТОБУМАЖНОЙ ПРЯЖИ",
          "BENETTON:1.8|LC WAIKIKI:0.8|H&M:1.1|NO BRAND:0.5", "MEN|WOMEN|KIDS",
          price=22.0, spread=0.35, mass=1200, mass_spread=0.9, rate=10, unit="H87",
          kpu=0.4, origins="CN:4 TR:4 BD:1 UZ:1", transport="light"),
    _good("620140", "textiles", "MEN'S ANORAKS OF MAN-MADE FIBRES",
          "КУРТКИ МУЖСКИЕ ИЗ ХИМИЧЕСКИХ НИТЕЙ",
          "THE NORTH FACE:3.0|COLUMBIA:2.5|LC WAIKIKI:0.8|SNOWIMAGE:1.0|NO BRAND:0.5",
          "WINTER|DOWN-FILLED|SIZES 46-58", price=25.0, spread=0.35, mass=1500,
          mass_spread=0.9, rate=10, unit="H87", kpu=1.0,
          origins="CN:7 TR:2 VN:1 BD:1", transport="light"),
    _good("640399", "footwear", "FOOTWEAR WITH UPPERS OF LEATHER",
          "ОБУВЬ С ВЕРХОМ ИЗ НАТУРАЛЬНОЙ КОЖИ",
          "ECCO:2.5|GEOX:2.0|RIEKER:1.6|KARACA:0.9|NO BRAND:0.5",
          "MEN 39-45|WOMEN 36-41|ANKLE BOOTS", price=30.0, spread=0.35, mass=1500,
          mass_spread=0.9, rate=10, unit="NPR", kpu=1.0,
          origins="CN:5 TR:3 VN:2 IT:1 IN:1", transport="light", decoy="640610"),
    _good("640610", "footwear", "UPPERS AND PARTS THEREOF", "ЗАГОТОВКИ ВЕРХА ОБУВИ",
          "LEATHER UPPERS:1.0|TEXTILE UPPERS:0.7", "MEN|WOMEN|ASSORTED",
          price=12.0, spread=0.35, mass=1500, mass_spread=0.8, rate=5,
          origins="CN:5 TR:2 IN:1", transport="general", pop=0.4),
    _good("640411", "footwear", "SPORTS FOOTWEAR WITH TEXTILE UPPERS",
          "ОБУВЬ СПОРТИВНАЯ С ВЕРХОМ ИЗ ТЕКСТИЛЬНЫХ МАТЕРИАЛОВ",
          "NIKE AIR MAX:2.5|ADIDAS ULTRABOOST:2.5|PUMA:1.6|LI-NING:1.0|SKECHERS:1.6"
          "|NO BRAND:0.4",
          "MEN 40-45|WOMEN 36-40|KIDS", price=25.0, spread=0.35, mass=1500,
          mass_spread=0.9, rate=10, unit="NPR", kpu=0.8,
          origins="CN:5 VN:4 ID:2", transport="light", decoy="640610"),
    # --- paper ---
    _good("480256", "paper", "UNCOATED PRINTING PAPER A4, 40-150G/M2",
          "БУМАГА ДЛЯ ПЕЧАТИ НЕМЕЛОВАННАЯ ФОРМАТ A4, 40-150Г/М2",
          "SVETOCOPY:0.9|IQ ECONOMY:1.0|DOUBLE A:1.2|PAPERONE:1.1",
          "80G/M2 500 SHEETS|CARTONS 5 REAMS", price=0.95, spread=0.2, mass=18000,
          mass_spread=0.4, rate=5, origins="ID:3 TH:2 CN:2 TR:1 FI:1 PL:1",
          transport="general"),
    _good("481820", "paper", "HANDKERCHIEFS, TISSUES AND FACIAL TISSUES OF PAPER",
          "ПЛАТКИ НОСОВЫЕ И САЛФЕТКИ КОСМЕТИЧЕСКИЕ БУМАЖНЫЕ",
          "ZEWA:1.2|KLEENEX:1.3|PAPIA:1.0|NO BRAND:0.6", "BOX 100PCS|POCKET 10X10",
          price=1.6, spread=0.3, mass=9000, mass_spread=0.6, rate=10,
          origins="TR:4 UZ:2 CN:2 PL:1", transport="general"),
    # --- pharma, cosmetics, hygiene ---
    _good("300490", "pharma", "MEDICAMENTS PUT UP IN MEASURED DOSES",
          "ЛЕКАРСТВЕННЫЕ СРЕДСТВА В ДОЗИРОВАННОМ ВИДЕ",
          "PARACETAMOL 500MG TABLETS:0.6|AMOXICILLIN 500MG CAPSULES:0.9"
          "|INSULIN GLARGINE 100IU/ML:4.0|ATORVASTATIN 20MG:1.2|OMEPRAZOLE 20MG:0.8",
          "N20|N30|N100", price=45.0, spread=0.5, mass=500, mass_spread=1.1,
          rate=0, origins="IN:4 DE:3 CH:2 FR:1 HU:1 TR:1 CN:1", transport="light",
          pop=1.5),
    _good("330499", "cosmetics", "BEAUTY AND SKIN-CARE PREPARATIONS",
          "СРЕДСТВА КОСМЕТИЧЕСКИЕ ДЛЯ УХОДА ЗА КОЖЕЙ",
          "NIVEA:0.8|L'OREAL PARIS:1.0|GARNIER:0.7|ESTEE LAUDER:4.0"
          "|LA ROCHE-POSAY:2.0|COSRX:1.2",
          "CREAM 50ML|SERUM 30ML|LOTION 200ML", price=22.0, spread=0.45, mass=800,
          mass_spread=1.0, rate=6.5, origins="FR:3 KR:3 DE:2 PL:2 CN:2 TR:1 IT:1",
          transport="light", decoy="340111"),
    _good("340111", "cosmetics", "TOILET SOAP", "МЫЛО ТУАЛЕТНОЕ",
          "DOVE:1.2|PALMOLIVE:1.0|SAFEGUARD:0.9|NIVEA:1.0|DURU:0.6",
          "BAR 90G|BAR 125G|PACK 4X90G", price=3.0, spread=0.35, mass=5000,
          mass_spread=0.7, rate=3, origins="TR:4 PL:2 DE:1 CN:1 UZ:1",
          transport="general"),
    _good("330300", "cosmetics", "PERFUMES AND TOILET WATERS", "ДУХИ И ТУАЛЕТНАЯ ВОДА",
          "CHANEL:4.0|DIOR:3.5|HUGO BOSS:2.0|ZARA:0.8|LATTAFA:0.6",
          "EDP 50ML|EDT 100ML|PARFUM 30ML", price=60.0, spread=0.5, mass=400,
          mass_spread=1.0, rate=6.5, unit="LTR", kpu=1.6,
          origins="FR:5 AE:2 ES:1 IT:1 TR:1", transport="light", pop=0.6),
    _good("961900", "cosmetics", "BABY NAPKINS AND NAPKIN LINERS", "ПОДГУЗНИКИ ДЕТСКИЕ",
          "PAMPERS:1.3|HUGGIES:1.2|MOONY:1.5|MAMY POKO:1.0|MOMMY BABY:0.6",
          "SIZE 3 MIDI|SIZE 4 MAXI|PANTS SIZE 5", price=3.8, spread=0.3,
          mass=8000, mass_spread=0.6, rate=10, origins="TR:5 PL:2 CN:2 UZ:2 JP:1",
          transport="general"),
    # --- metals ---
    _good("711319", "jewellery", "JEWELLERY OF GOLD", "ЮВЕЛИРНЫЕ ИЗДЕЛИЯ ИЗ ЗОЛОТА",
          "RINGS 585:1.0|CHAINS 585:0.95|EARRINGS 750:1.3|BRACELETS 585:1.0",
          "WITH CUBIC ZIRCONIA|WITHOUT INSERTS|WITH DIAMONDS", price=45000.0,
          spread=0.25, mass=2.0, mass_spread=0.8, rate=10, unit="H87", kpu=0.004,
          origins="TR:5 IT:2 AE:2 IN:1 CN:1", transport="valuable",
          decoy="710812"),
    _good("710812", "jewellery", "GOLD IN UNWROUGHT FORMS", "ЗОЛОТО НЕОБРАБОТАННОЕ",
          "BARS 999.9:1.0|GRANULES 999.9:0.99", "LBMA|1KG|100G", price=62000.0,
          spread=0.05, mass=10.0, mass_spread=0.7, rate=0,
          origins="CH:3 AE:3 TR:1 GB:1", transport="valuable", pop=0.4),
    _good("721420", "metals", "REINFORCING BARS OF IRON OR STEEL",
          "АРМАТУРА СТАЛЬНАЯ ГОРЯЧЕКАТАНАЯ",
          "A500C:1.0|A400:0.95|B500B:1.05", "D10MM|D12MM|D16MM|D20MM",
          price=0.62, spread=0.15, mass=24000, mass_spread=0.3, rate=5,
          origins="CN:3 IR:2 TR:2", transport="bulk"),
    _good("721621", "metals", "L-SECTIONS OF IRON OR STEEL, HOT-ROLLED",
          "УГОЛКИ СТАЛЬНЫЕ ГОРЯЧЕКАТАНЫЕ",
          "EQUAL ANGLE:1.0|UNEQUAL ANGLE:1.05", "50X50X5|63X63X6|75X75X6",
          price=0.7, spread=0.15, mass=22000, mass_spread=0.3, rate=5,
          origins="CN:4 IR:1 TR:1", transport="bulk", pop=0.6),
    _good("730890", "metals", "STRUCTURES AND PARTS OF STRUCTURES OF STEEL",
          "КОНСТРУКЦИИ МЕТАЛЛИЧЕСКИЕ СТАЛЬНЫЕ И ИХ ЧАСТИ",
          "WAREHOUSE FRAME:1.0|SCAFFOLDING:0.9|SOLAR MOUNTING SYSTEM:1.2"
          "|FENCE PANELS:0.8",
          "GALVANIZED|PAINTED|KIT", price=1.8, spread=0.35, mass=15000,
          mass_spread=0.6, rate=10, origins="CN:6 TR:2 DE:1", transport="heavy",
          decoy="721621"),
    _good("731815", "metals", "SCREWS AND BOLTS OF IRON OR STEEL",
          "ВИНТЫ И БОЛТЫ ИЗ ЧЕРНЫХ МЕТАЛЛОВ",
          "DIN 933:1.0|DIN 912:1.1|ANCHOR BOLTS:0.9|STAINLESS A2:2.0",
          "M8|M10|M12|ASSORTED", price=2.2, spread=0.4, mass=5000, mass_spread=0.8,
          rate=5, origins="CN:6 DE:1 TR:1 TW:1", transport="general"),
    _good("732393", "metals", "TABLE AND KITCHENWARE OF STAINLESS STEEL",
          "ПОСУДА СТОЛОВАЯ И КУХОННАЯ ИЗ КОРРОЗИОННОСТОЙКОЙ СТАЛИ",
          "TEFAL:1.6|ZEPTER:3.0|BEKA:1.4|NO BRAND:0.6", "POTS SET|PANS|CUTLERY",
          price=6.0, spread=0.4, mass=3000, mass_spread=0.8, rate=10,
          origins="CN:5 TR:3 DE:1", transport="general"),
    _good("760612", "metals", "PLATES OF ALUMINIUM ALLOYS, >0.2MM",
          "ПЛИТЫ И ЛИСТЫ ИЗ АЛЮМИНИЕВЫХ СПЛАВОВ ТОЛЩИНОЙ >0.2ММ",
          "AA5083:1.1|AA6061:1.05|AA3003:1.0", "1.5MM|3MM|5MM SHEETS",
          price=3.2, spread=0.2, mass=18000, mass_spread=0.4, rate=5,
          origins="CN:4 TJ:2 TR:1 DE:1", transport="heavy", pop=0.6),
    _good("761010", "construction", "DOORS, WINDOWS AND FRAMES OF ALUMINIUM",
          "ДВЕРИ, ОКНА И ИХ РАМЫ ИЗ АЛЮМИНИЯ",
          "SLIDING DOORS:1.1|WINDOW FRAMES:1.0|FACADE SYSTEMS:1.3",
          "ANODIZED|POWDER COATED", price=5.0, spread=0.35, mass=6000,
          mass_spread=0.7, rate=10, origins="CN:4 TR:3", transport="general"),
    # --- machinery ---
    _good("846721", "machinery", "ELECTROMECHANICAL DRILLS",
          "ДРЕЛИ ЭЛЕКТРИЧЕСКИЕ РУЧНЫЕ",
          "BOSCH GSB 13 RE:1.5|MAKITA HP1640:1.5|DEWALT DWD024:1.6|INGCO:0.6"
          "|TOTAL TOOLS:0.6",
          "220V|650W|KIT", price=12.0, spread=0.35, mass=2000, mass_spread=0.9,
          rate=5, unit="H87", kpu=2.0, origins="CN:8 DE:1 MY:1",
          transport="general"),
    _good("842952", "machinery", "EXCAVATORS WITH 360-DEGREE REVOLVING SUPERSTRUCTURE",
          "ЭКСКАВАТОРЫ ПОЛНОПОВОРОТНЫЕ",
          "CATERPILLAR 320:1.6|KOMATSU PC220:1.5|HYUNDAI R220LC:1.2|SANY SY215C:1.0"
          "|XCMG XE215:0.9|LIUGONG 922F:0.9",
          "NEW|2024|CRAWLER", price=6.5, spread=0.2, mass=21000, mass_spread=0.2,
          rate=5, unit="H87", kpu=21000, origins="CN:6 KR:2 JP:1 US:1",
          transport="vehicle", pop=0.7),
    _good("843149", "machinery", "PARTS OF EXCAVATORS, LOADERS AND GRADERS",
          "ЧАСТИ ЭКСКАВАТОРОВ, ПОГРУЗЧИКОВ И ГРЕЙДЕРОВ",
          "BUCKET TEETH:0.8|TRACK CHAINS:1.0|HYDRAULIC CYLINDERS:1.3|FILTERS:1.1",
          "FOR CATERPILLAR|FOR KOMATSU|FOR SANY", price=6.0, spread=0.4, mass=3000,
          mass_spread=0.9, rate=2, origins="CN:5 JP:1 KR:1 US:1 DE:1",
          transport="general"),
    _good("848180", "machinery", "TAPS, COCKS AND VALVES", "КРАНЫ, КЛАПАНЫ И ВЕНТИЛИ",
          "BALL VALVES:1.0|GATE VALVES:0.9|MIXER TAPS:1.3|CHECK VALVES:0.9",
          "DN15|DN25|DN50|DN100", price=9.0, spread=0.4, mass=3000, mass_spread=0.8,
          rate=5, origins="CN:5 IT:2 TR:2 DE:1", transport="general"),
    _good("841370", "machinery", "CENTRIFUGAL PUMPS", "НАСОСЫ ЦЕНТРОБЕЖНЫЕ",
          "GRUNDFOS:2.0|WILO:1.8|PEDROLLO:1.2|CNP:0.8|LEO:0.7",
          "0.75KW|2.2KW|7.5KW|SUBMERSIBLE", price=12.0, spread=0.35, mass=2500,
          mass_spread=0.9, rate=5, unit="H87", kpu=25,
          origins="CN:5 DE:2 IT:1 DK:1", transport="general"),
    _good("901890", "medical", "MEDICAL INSTRUMENTS AND APPLIANCES",
          "ИНСТРУМЕНТЫ И ОБОРУДОВАНИЕ МЕДИЦИНСКИЕ",
          "INFUSION PUMPS:1.5|ENDOSCOPES:3.0|SURGICAL INSTRUMENTS:1.0"
          "|DISPOSABLE SETS:0.4",
          "STERILE|SET|HOSPITAL USE", price=90.0, spread=0.5, mass=400,
          mass_spread=1.1, rate=0, origins="DE:3 CN:3 US:2 JP:1 KR:1",
          transport="light"),
    # --- appliances, computers, electronics ---
    _good("841510", "appliances", "WALL-MOUNTED SPLIT AIR CONDITIONERS",
          "КОНДИЦИОНЕРЫ НАСТЕННЫЕ СПЛИТ-СИСТЕМЫ",
          "LG:1.3|SAMSUNG:1.3|GREE:1.0|MIDEA:0.9|ARTEL:0.8|HAIER:1.0",
          "9000 BTU|12000 BTU|18000 BTU|24000 BTU INVERTER", price=7.0, spread=0.3,
          mass=3000, mass_spread=0.8, rate=10, unit="H87", kpu=35,
          origins="CN:7 UZ:2 KR:1 TH:1", transport="general", decoy="841590"),
    _good("841590", "appliances", "PARTS OF AIR CONDITIONING MACHINES",
          "ЧАСТИ КОНДИЦИОНЕРОВ",
          "COMPRESSORS:1.2|OUTDOOR UNIT CASINGS:0.8|CONTROL BOARDS:2.0",
          "FOR SPLIT SYSTEMS|ASSORTED", price=6.0, spread=0.4, mass=2000,
          mass_spread=0.9, rate=5, origins="CN:6 TH:1", transport="general",
          pop=0.5),
    _good("841810", "appliances", "COMBINED REFRIGERATOR-FREEZERS",
          "ХОЛОДИЛЬНИКИ-МОРОЗИЛЬНИКИ КОМБИНИРОВАННЫЕ",
          "LG:1.3|SAMSUNG:1.3|BEKO:0.9|ARTEL:0.8|HAIER:1.0|BOSCH:1.4",
          "NO FROST 185CM|TWO-DOOR|SIDE-BY-SIDE", price=5.5, spread=0.3, mass=4000,
          mass_spread=0.7, rate=10, unit="H87", kpu=65,
          origins="CN:4 TR:2 UZ:2 KR:1", transport="general", decoy="841899"),
    _good("841899", "appliances", "PARTS OF REFRIGERATING EQUIPMENT",
          "ЧАСТИ ХОЛОДИЛЬНОГО ОБОРУДОВАНИЯ",
          "EVAPORATORS:1.0|CONDENSERS:1.0|DOOR SEALS:0.7|THERMOSTATS:1.5",
          "ASSORTED|OEM", price=7.0, spread=0.4, mass=1500, mass_spread=0.9,
          rate=3, origins="CN:6 TR:1 IT:1", transport="general", pop=0.5),
    _good("845011", "appliances", "FULLY-AUTOMATIC WASHING MACHINES, <=10KG",
          "МАШИНЫ СТИРАЛЬНЫЕ ПОЛНОСТЬЮ АВТОМАТИЧЕСКИЕ, <=10КГ",
          "LG:1.3|SAMSUNG:1.3|BEKO:0.9|INDESIT:0.9|ARTEL:0.8|BOSCH:1.5",
          "6KG|7KG|8KG INVERTER", price=4.5, spread=0.3, mass=4000, mass_spread=0.7,
          rate=10, unit="H87", kpu=62, origins="CN:4 TR:3 UZ:1 PL:1 KR:1",
          transport="general"),
    _good("847130", "computers", "PORTABLE COMPUTERS (LAPTOPS)",
          "МАШИНЫ ВЫЧИСЛИТЕЛЬНЫЕ ПОРТАТИВНЫЕ (НОУТБУКИ)",
          "LENOVO IDEAPAD 3:0.8|HP 250 G9:0.8|ASUS VIVOBOOK 15:0.85"
          "|APPLE MACBOOK AIR M2:2.0|DELL LATITUDE 5540:1.4|ACER ASPIRE 5:0.8",
          "8GB/256GB SSD|16GB/512GB SSD|15.6 INCH", price=300.0, spread=0.25,
          mass=300, mass_spread=1.1, rate=0, unit="H87", kpu=2.2,
          origins="CN:9 TW:1", transport="light"),
    _good("847330", "computers", "PARTS AND ACCESSORIES OF COMPUTERS",
          "ЧАСТИ И ПРИНАДЛЕЖНОСТИ ВЫЧИСЛИТЕЛЬНЫХ МАШИН",
          "SSD KINGSTON:1.0|RAM DDR4 SAMSUNG:1.2|MOTHERBOARDS ASUS:0.8"
          "|GRAPHICS CARDS MSI:1.5",
          "OEM|RETAIL BOX|ASSORTED", price=80.0, spread=0.6, mass=300,
          mass_spread=1.1, rate=0, origins="CN:6 TW:3 KR:1", transport="light"),
    _good("851713", "electronics", "SMARTPHONE", "ТЕЛЕФОН СОТОВЫЙ (СМАРТФОН)",
          "SAMSUNG GALAXY A15:0.7|SAMSUNG GALAXY S24:2.2|APPLE IPHONE 15:2.6"
          "|XIAOMI REDMI 13C:0.5|HONOR X8B:0.8|TECNO SPARK 20:0.45",
          "64GB|128GB|256GB|8/256GB", price=700.0, spread=0.25, mass=200,
          mass_spread=1.1, rate=5, unit="H87", kpu=0.35,
          origins="CN:6 VN:3 IN:1", transport="light", decoy="851762", pop=1.8),
    _good("851762", "electronics", "DATA RECEPTION AND TRANSMISSION APPARATUS",
          "АППАРАТУРА ДЛЯ ПРИЕМА И ПЕРЕДАЧИ ДАННЫХ (МАРШРУТИЗАТОРЫ)",
          "TP-LINK ARCHER C6:0.8|HUAWEI AX3:1.0|MIKROTIK HAP AX2:1.3"
          "|CISCO CATALYST 9200:5.0|KEENETIC GIGA:1.0",
          "WI-FI 6|DUAL BAND|ROUTER", price=70.0, spread=0.4, mass=400,
          mass_spread=1.0, rate=0, unit="H87", kpu=0.5,
          origins="CN:8 VN:1 TW:1", transport="light"),
    _good("851830", "electronics", "HEADPHONES AND EARPHONES",
          "НАУШНИКИ И ТЕЛЕФОНЫ ГОЛОВНЫЕ",
          "APPLE AIRPODS PRO 2:3.0|SAMSUNG GALAXY BUDS FE:1.5|JBL TUNE 520BT:1.0"
          "|XIAOMI REDMI BUDS 4:0.5|SONY WH-1000XM5:3.0",
          "BLUETOOTH|WIRELESS|TWS", price=150.0, spread=0.35, mass=150,
          mass_spread=1.1, rate=10, unit="H87", kpu=0.12, origins="CN:7 VN:3",
          transport="light", decoy="851762"),
    _good("852872", "electronics", "COLOUR TELEVISION RECEIVERS",
          "ПРИЕМНИКИ ТЕЛЕВИЗИОННЫЕ ЦВЕТНОГО ИЗОБРАЖЕНИЯ",
          "SAMSUNG UE43:1.0|LG 55UR:1.2|XIAOMI MI TV A2:0.7|TCL 50P:0.7"
          "|SONY BRAVIA:1.6|HISENSE:0.75",
          "43 INCH|50 INCH 4K|55 INCH 4K|65 INCH 4K", price=25.0, spread=0.3,
          mass=2000, mass_spread=0.9, rate=10, unit="H87", kpu=12,
          origins="CN:7 VN:1 TR:1", transport="general", decoy="852990"),
    _good("852990", "electronics", "PARTS FOR TELEVISION RECEIVERS (DISPLAY MODULES)",
          "ЧАСТИ ТЕЛЕВИЗИОННЫХ ПРИЕМНИКОВ (ДИСПЛЕЙНЫЕ МОДУЛИ)",
          "OPEN CELL PANELS:1.0|MAIN BOARDS:1.3|LED BACKLIGHT STRIPS:0.6",
          "32-65 INCH|OEM", price=18.0, spread=0.4, mass=3000, mass_spread=0.9,
          rate=0, origins="CN:8 KR:1", transport="general", pop=0.5),
    _good("850440", "electronics", "STATIC CONVERTERS (POWER SUPPLIES, CHARGERS)",
          "ПРЕОБРАЗОВАТЕЛИ СТАТИЧЕСКИЕ (ЗАРЯДНЫЕ УСТРОЙСТВА, БЛОКИ ПИТАНИЯ)",
          "USB-C CHARGERS 20W:0.8|LAPTOP ADAPTERS 65W:1.0|UPS 1KVA:1.2"
          "|SOLAR INVERTERS 5KW:1.5",
          "220V|OEM|RETAIL", price=25.0, spread=0.45, mass=1500, mass_spread=1.0,
          rate=5, origins="CN:9 DE:1", transport="light"),
    _good("850760", "electronics", "LITHIUM-ION ACCUMULATORS",
          "АККУМУЛЯТОРЫ ЛИТИЙ-ИОННЫЕ",
          "18650 CELLS:0.8|POWER BANKS 10000MAH:1.0|LIFEPO4 MODULES:1.2",
          "3.7V|12V 100AH|48V", price=18.0, spread=0.4, mass=2000, mass_spread=1.0,
          rate=8, origins="CN:8 KR:1 JP:1", transport="general"),
    _good("854442", "electronics",
          "ELECTRIC CONDUCTORS FITTED WITH CONNECTORS, <=1000V",
          "ПРОВОДНИКИ ЭЛЕКТРИЧЕСКИЕ С СОЕДИНИТЕЛЯМИ НА НАПРЯЖЕНИЕ <=1000В",
          "USB CABLES:1.0|HDMI CABLES:1.1|PATCH CORDS:0.9|POWER CORDS:0.8",
          "1M|2M|5M", price=8.0, spread=0.4, mass=2000, mass_spread=0.9, rate=5,
          origins="CN:8 TR:1", transport="general"),
    _good("853952", "electronics", "LED LAMPS", "ЛАМПЫ СВЕТОДИОДНЫЕ",
          "PHILIPS:1.5|OSRAM:1.4|FERON:0.8|NO BRAND:0.5", "E27 10W|E14 7W|T8 18W",
          price=9.0, spread=0.4, mass=2000, mass_spread=0.9, rate=10, unit="H87",
          kpu=0.06, origins="CN:9", transport="general"),
    # --- vehicles ---
    _good("870323", "auto", "PASSENGER CARS, SPARK-IGNITION, 1500-3000CC",
          "АВТОМОБИЛИ ЛЕГКОВЫЕ С ДВИГАТЕЛЕМ С ИСКРОВЫМ ЗАЖИГАНИЕМ 1500-3000СМ3",
          "TOYOTA CAMRY 2.5:1.2|HYUNDAI TUCSON 2.0:1.0|KIA SPORTAGE 2.0:1.0"
          "|CHERY TIGGO 7 PRO 1.5T:0.75|HAVAL JOLION 1.5T:0.7"
          "|VOLKSWAGEN TIGUAN 2.0 TSI:1.2|CHEVROLET COBALT 1.5:0.45",
          "2024 NEW|PETROL AT|PETROL MT", price=17.0, spread=0.2, mass=1500,
          mass_spread=0.2, rate=15, unit="H87", kpu=1500,
          origins="CN:5 KR:3 JP:2 UZ:2 DE:1", transport="vehicle", decoy="870380",
          pop=1.3),
    _good("870380", "auto", "PASSENGER CARS WITH ELECTRIC MOTOR ONLY",
          "АВТОМОБИЛИ ЛЕГКОВЫЕ ТОЛЬКО С ЭЛЕКТРИЧЕСКИМ ДВИГАТЕЛЕМ",
          "BYD SONG PLUS EV:1.0|ZEEKR 001:1.5|TESLA MODEL Y:1.4"
          "|VOLKSWAGEN ID.4:1.1|BYD SEAGULL:0.5",
          "2024 NEW|LONG RANGE|AWD", price=19.0, spread=0.2, mass=1900,
          mass_spread=0.15, rate=0, unit="H87", kpu=1900,
          origins="CN:9 DE:1 US:1", transport="vehicle", pop=0.6),
    _good("870899", "auto", "PARTS AND ACCESSORIES FOR MOTOR VEHICLES",
          "ЧАСТИ И ПРИНАДЛЕЖНОСТИ ДЛЯ МОТОРНЫХ ТРАНСПОРТНЫХ СРЕДСТВ",
          "BRAKE PADS:1.0|SHOCK ABSORBERS:1.0|CLUTCH KITS:1.1|RADIATORS:0.9"
          "|WHEEL HUBS:0.9",
          "TOYOTA OEM|BOSCH|SACHS|AFTERMARKET", price=8.0, spread=0.45, mass=2000,
          mass_spread=0.9, rate=5, origins="CN:5 DE:2 KR:2 JP:1 TR:1",
          transport="general", pop=1.5),
    _good("871200", "toys_sports", "BICYCLES, NOT MOTORISED",
          "ВЕЛОСИПЕДЫ БЕЗ ДВИГАТЕЛЯ",
          "GIANT TALON:2.0|MERIDA BIG.NINE:2.0|TREK MARLIN:2.2|STELS NAVIGATOR:0.8"
          "|NO BRAND:0.5",
          "26 INCH|27.5 INCH|29 INCH|KIDS 20 INCH", price=14.0, spread=0.35,
          mass=2000, mass_spread=0.8, rate=10, unit="H87", kpu=14,
          origins="CN:8 TW:2", transport="general", decoy="871499"),
    _good("871499", "toys_sports", "PARTS AND ACCESSORIES OF BICYCLES",
          "ЧАСТИ И ПРИНАДЛЕЖНОСТИ ВЕЛОСИПЕДОВ",
          "FRAMES:1.2|WHEELS:1.0|DERAILLEURS SHIMANO:1.5|SADDLES:0.7",
          "ASSORTED|OEM", price=10.0, spread=0.4, mass=1500, mass_spread=0.9,
          rate=5, origins="CN:7 TW:2", transport="general", pop=0.5),
    # --- furniture, toys, sports ---
    _good("940161", "furniture", "UPHOLSTERED SEATS WITH WOODEN FRAMES",
          "МЕБЕЛЬ ДЛЯ СИДЕНИЯ С ДЕРЕВЯННЫМ КАРКАСОМ, ОБИТАЯ",
          "SOFA 3-SEATER:1.0|CORNER SOFA:1.2|ARMCHAIR:0.9|RECLINER:1.3",
          "FABRIC UPHOLSTERY|LEATHER UPHOLSTERY|ECO-LEATHER", price=5.0, spread=0.35,
          mass=4000, mass_spread=0.7, rate=10, unit="H87", kpu=45,
          origins="CN:5 TR:4 MY:1 PL:1 IT:1", transport="general", decoy="940191"),
    _good("940191", "furniture", "PARTS OF SEATS, OF WOOD",
          "ЧАСТИ МЕБЕЛИ ДЛЯ СИДЕНИЯ ИЗ ДРЕВЕСИНЫ",
          "FRAMES:1.0|ARMRESTS:1.1|LEGS:0.9", "BEECH|PINE|ASSORTED", price=3.0,
          spread=0.35, mass=3000, mass_spread=0.8, rate=5,
          origins="CN:4 TR:2 PL:1", transport="general", pop=0.4),
    _good("940350", "furniture", "WOODEN BEDROOM FURNITURE",
          "МЕБЕЛЬ ДЕРЕВЯННАЯ ДЛЯ СПАЛЕН",
          "BEDS:1.0|WARDROBES:1.1|BEDSIDE TABLES:0.9|BEDROOM SETS:1.3",
          "MDF|SOLID WOOD|WHITE", price=3.5, spread=0.35, mass=5000,
          mass_spread=0.7, rate=10, origins="CN:4 TR:3 MY:2 PL:1",
          transport="general"),
    _good("950300", "toys_sports", "TOYS", "ИГРУШКИ",
          "LEGO CLASSIC:3.0|HOT WHEELS:1.2|BARBIE:1.5|PLUSH TOYS:0.5"
          "|RADIO-CONTROLLED CARS:1.0",
          "FOR CHILDREN 3+|ASSORTED|GIFT BOXES", price=12.0, spread=0.45,
          mass=2000, mass_spread=0.9, rate=5, origins="CN:9 DK:1",
          transport="general", pop=1.5),
    _good("950691", "toys_sports", "GYMNASTICS AND FITNESS EQUIPMENT",
          "ИНВЕНТАРЬ ДЛЯ ГИМНАСТИКИ И ФИТНЕСА",
          "TREADMILLS:1.3|DUMBBELLS:0.6|EXERCISE BIKES:1.2|YOGA MATS:0.8",
          "HOME USE|COMMERCIAL|SET", price=4.0, spread=0.4, mass=3000,
          mass_spread=0.8, rate=10, origins="CN:9", transport="general"),
)

GOODS_BY_CODE: dict[str, Good] = {g.hs6: g for g in GOODS}
