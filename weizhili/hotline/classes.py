"""The street's category model: trained on its own labelled orders, stored as a file with its measured accuracy."""
from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from weizhili.audit.services import audit_record
from weizhili.places.models import Place
from weizhili.text.classify import ModelFileError, TrainedModel, train

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


def category_model_train(*, street: Place, user=None, seed: int = 0) -> CategoryModel:
    """Train on the street's orders that carry a class (the newest MAX_TRAINING_ORDERS); ValueError if too few."""
    rows = list(HotlineOrder.objects.filter(street=street).exclude(category="")
                .order_by("-received_at").values_list("content", "address", "category")[:MAX_TRAINING_ORDERS])
    texts = [content or address for content, address, _ in rows]
    labels = [category for _, _, category in rows]
    now = timezone.now()
    trained = train(texts, labels, seed=seed, trained_at=now)
    folder = model_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"street-{street.pk}-{now:%Y%m%d%H%M%S%f}.model"
    trained.save(path)
    with transaction.atomic():
        CategoryModel.objects.filter(street=street, active=True).update(active=False)
        record = CategoryModel.objects.create(
            street=street, path=str(path), trained_at=now, samples=trained.n_samples,
            labels=len(trained.labels), accuracy=trained.accuracy, macro_f1=trained.macro_f1)
        audit_record(action="hotline.model_train", obj=record, user=user,
                     detail={"samples": trained.n_samples, "accuracy": round(trained.accuracy, 4)})
    return record
