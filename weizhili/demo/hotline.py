"""The demo street's 12345 orders: generated for the months around its branches' founding, written to an Excel
file like the one the hotline platform exports, and imported through the product's own importer (the same path
a street cadre's upload takes), then a category model is trained on them."""
import tempfile
from datetime import date
from pathlib import Path

from weizhili.hotline.classes import category_model_train, orders_reclassify
from weizhili.hotline.figures import founding_dates
from weizhili.hotline.services import import_file_recorded
from weizhili.places.models import Place, PlaceAlias, PlaceKind

from .hotline_data import CompoundSpec, generate_orders, write_csv

# Branches were founded 2021-03 .. 2022-11: six months of orders before the first and after the last.
START = date(2020, 9, 1)
MONTHS = 33
DEMO_TRAINING_ORDERS = 8_000  # enough for these classes; keeps the demo build quick (all of them: ~25 s)


def compound_specs(street: Place) -> list[CompoundSpec]:
    parent_of = Place.parent_path_of
    communities = dict(Place.objects.filter(path__startswith=street.path, kind=PlaceKind.COMMUNITY)
                       .values_list("path", "name"))
    compounds = list(Place.objects.filter(path__startswith=street.path, kind=PlaceKind.COMPOUND)
                     .values_list("id", "name", "path", "household_count"))
    aliases: dict[int, list[str]] = {}
    for place_id, name in PlaceAlias.objects.filter(place__path__startswith=street.path).values_list("place_id",
                                                                                                   "name"):
        aliases.setdefault(place_id, []).append(name)
    buildings: dict[str, int] = {}
    for path in Place.objects.filter(path__startswith=street.path, kind=PlaceKind.BUILDING).values_list("path",
                                                                                                      flat=True):
        buildings[parent_of(path)] = buildings.get(parent_of(path), 0) + 1
    founded, _ = founding_dates(street.path)  # the same dates the figures page compares around
    return [CompoundSpec(name=name, community=communities.get(parent_of(path), ""), aliases=tuple(aliases.get(pk, ())),
                         buildings=max(1, buildings.get(path, 1)), households=households or 100,
                         founded_on=founded.get(pk))
            for pk, name, path, households in compounds]


def build_hotline_history(street: Place, *, seed: int) -> dict:
    # effect 0.75: with two thirds of the compounds branched, the street total falls from ~1,500 to ~750 a month
    rows = generate_orders(compound_specs(street), start=START, months=MONTHS, street=street.name, seed=seed,
                           effect=0.75)
    with tempfile.TemporaryDirectory() as folder:
        # a GB18030 CSV, as many hotline systems export (writing the same rows as xlsx takes ~7 s more)
        path = Path(folder) / "章丘区12345热线工单.csv"
        write_csv(path, rows, encoding="gb18030")
        _job, summary = import_file_recorded(path=path, street=street, create_cases=False)  # in the history
    category_model_train(street=street, limit=DEMO_TRAINING_ORDERS)
    summary.classified = orders_reclassify(street=street)
    return summary.as_dict()
