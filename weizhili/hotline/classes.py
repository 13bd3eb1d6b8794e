"""The street's category model: trained on its own labelled orders, stored as a file with its measured accuracy."""
from __future__ import annotations

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from weizhili.audit.services import audit_record
from weizhili.places.models import Place
from weizhili.text.classify import ModelFileError, TrainedModel, train

from .categories import CategoryMapper, category_map
from .models import CategoryModel, HotlineOrder

MAX_TRAINING_ORDERS = 200_000  # the newest ones: enough for a stable model, bounded memory and time


def model_dir():
    return settings.VAR_DIR / "hotline" / "models"


def active_model(street: Place) -> TrainedModel | None:
    """The street's current model, or None (no model yet, or a file of another format: retrain)."""
    record = CategoryModel.objects.filter(street=street, active=True).first()
    if record is None:
        return None
    try:
        return TrainedModel.load(record.path)
    except (OSError, ModelFileError):
        return None


def category_model_train(*, street: Place, user=None, seed: int = 0, limit: int = MAX_TRAINING_ORDERS) -> CategoryModel:
    """Train on the street's orders that carry a class (the newest `limit`); ValueError if too few."""
    rows = list(HotlineOrder.objects.filter(street=street).exclude(category="")
                .order_by("-received_at").values_list("content", "address", "category", "repeat_group")[:limit])
    texts = [content or address for content, address, _, _ in rows]
    labels = [category for _, _, category, _ in rows]
    now = timezone.now()
    # accuracy is measured on held-back orders whose repeat group (a caller's repeated complaint) is not
    # among the training orders either
    trained = train(texts, labels, groups=[group for *_, group in rows], seed=seed, trained_at=now)
    folder = model_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"street-{street.pk}-{now:%Y%m%d%H%M%S%f}.model"
    trained.save(path)
    with transaction.atomic():
        CategoryModel.objects.filter(street=street, active=True).update(active=False)
        record = CategoryModel.objects.create(
            street=street, path=str(path), trained_at=now, samples=trained.n_samples,
            labels=len(trained.labels), accuracy=trained.accuracy, macro_f1=trained.macro_f1,
            libraries=trained.libraries)
        audit_record(action="hotline.model_train", obj=record, user=user,
                     detail={"samples": trained.n_samples, "accuracy": round(trained.accuracy, 4)})
    return record


def orders_reclassify(*, street: Place, model: TrainedModel | None = None, batch: int = 20_000) -> int:
    """Predict a class for every order of the street that came without one (after a (re)training), in batches;
    each batch is written with one UPDATE .. FROM a staged table. Returns the number of orders classified."""
    model = model or active_model(street)
    if model is None:
        return 0
    mapper = CategoryMapper(category_map(street))
    todo = HotlineOrder.objects.filter(street=street, category="").order_by("id")
    done = 0
    last_id = 0
    while True:
        rows = list(todo.filter(id__gt=last_id).values_list("id", "content", "address")[:batch])
        if not rows:
            return done
        predictions = model.predict([content or address for _, content, address in rows])
        staged = [(pk, p.label, round(p.confidence, 4), mapper(p.label))
                  for (pk, _, _), p in zip(rows, predictions, strict=True)]
        _write_predictions(staged)
        done += len(rows)
        last_id = rows[-1][0]


def _write_predictions(staged: list[tuple[int, str, float, str]]) -> None:
    table = HotlineOrder._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS hotline_predicted")
        cursor.execute("CREATE TEMP TABLE hotline_predicted (id bigint PRIMARY KEY, label varchar(100), "
                       "confidence double precision, code varchar(20))")
        cursor.executemany("INSERT INTO hotline_predicted VALUES (%s, %s, %s, %s)", staged)
        cursor.execute(f"UPDATE {table} SET predicted_category = p.label, predicted_confidence = p.confidence, "
                       f"case_category = p.code FROM hotline_predicted p WHERE {table}.id = p.id")
        cursor.execute("DROP TABLE hotline_predicted")
