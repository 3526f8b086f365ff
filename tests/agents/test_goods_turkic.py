from __future__ import annotations

import pytest

from sarap.agents import _goods_text
from sarap.agents._goods_text import normalise_text
from sarap.agents._goods_turkic import GLOSSARY, with_russian
from tests.conftest import SHARED

HS = SHARED / "hs"


@pytest.mark.parametrize(
    "text, russian",
    [
        ("Ұялы телефондар", "телефоны сотовые"),  # Kazakh, own letters
        ("БАЛАЛАР КИІМІ", "одежда"),  # a possessive ending off
        ("Ерлер былғары аяқ киімі", "обувь"),  # a two-word phrase
        ("Балдар кийими", "одежда"),  # Kyrgyz, no letter of its own
        ("МУЗДАТКЫЧ ATLANT 20 ДААНА", "холодильники"),
        ("Автомобиль шиналары", "шина"),  # a loanword's stem
    ],
)
def test_kazakh_and_kyrgyz_texts_get_russian(text, russian, monkeypatch):
    with_glossary = normalise_text(text)
    monkeypatch.setattr(_goods_text, "with_russian", lambda normal: normal)
    plain = normalise_text(text)
    assert with_glossary.startswith(plain + " ")
    assert russian in with_glossary[len(plain) :]


@pytest.mark.parametrize(
    "text",
    [
        "капсулы желатиновые",  # not кап (a sack) + endings
        "сыра твердого 45% жирности",  # сыра is Kazakh beer
        "поддоны для стеклотары",
        "банкноты доллары США",
        "контроллеры программируемые, компьютеры, принтеры",
        "платье с кантом",  # кант is Kyrgyz sugar
        "дары моря замороженные",
        "эт. 3, кв. 12",
        "шины для автомобиля",
    ],
)
def test_russian_texts_are_left_as_they_are(text, monkeypatch):
    with_glossary = normalise_text(text)
    monkeypatch.setattr(_goods_text, "with_russian", lambda normal: normal)
    assert with_glossary == normalise_text(text)


def test_glossary_keys_are_in_normal_form():
    for key in GLOSSARY:
        assert key == " ".join(key.lower().replace("ё", "е").split()), key


def test_no_text_of_the_shared_nomenclatures_or_declarations_changes():
    """The Russian and English files the goods agent learns from are read as
    before: a model fitted on them is the same with or without the glossary."""
    if not HS.is_dir():
        pytest.skip(f"{HS} not found (../shared/data beside the checkout)")
    from sarap.agents._goods_jobs import read_pairs

    files = [
        "dev_ru_declarations_hs4.csv",
        "harmonized-system.csv",
        "tnved_codes10_readable_names_hs2017edition.csv",
        "tnved_eaeu_2022_codes10_flat.csv",
        "tnved_fts_simple_names_opencustoms2016.csv",
        "tnved_hs6_ru_paths.csv",
    ]
    for name in files:
        for text in read_pairs([HS / name])["text"]:
            normal = normalise_text(text)
            assert with_russian(normal) == normal, (name, text)
