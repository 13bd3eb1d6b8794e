"""Hotline order categories: a char n-gram TF-IDF + linear model trained on the street's own orders.

Chinese needs no word segmentation here: character 1-3 grams carry the signal. The model is trained
with :func:`train`, which measures accuracy and macro-F1 on a stratified held-out split and then refits
on all the data. :func:`map_category` maps a hotline category (``城乡建设-市政设施-路灯``) onto the
platform's case taxonomy.

Pure Python + scikit-learn; imports no Django.

Model files are pickles: load only files this platform wrote (never a file from an outside source).
"""

from __future__ import annotations

import logging
import math
import pickle
import platform
import re
import unicodedata
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import scipy
import sklearn
from sklearn.exceptions import InconsistentVersionWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedGroupKFold, train_test_split
from sklearn.pipeline import Pipeline

__all__ = [
    "MIN_SAMPLES",
    "MIN_SAMPLES_PER_LABEL",
    "MODEL_FORMAT_VERSION",
    "ModelFileError",
    "ModelVersionWarning",
    "Prediction",
    "TrainedModel",
    "library_versions",
    "map_category",
    "normalise_category",
    "train",
]

#: Bumped whenever the saved layout or the pipeline changes; :meth:`TrainedModel.load` refuses others.
MODEL_FORMAT_VERSION = 1
MIN_SAMPLES = 20
MIN_SAMPLES_PER_LABEL = 2


class ModelFileError(ValueError):
    """A model file that is not ours, or of another format version: retrain with ``hotline-train``."""


class ModelVersionWarning(UserWarning):
    """A model file made with other library versions than the running ones: it still loads (predictions may
    differ slightly, or fail on a major upgrade); retrain with ``hotline-train`` to silence it."""


logger = logging.getLogger(__name__)


def library_versions() -> dict[str, str]:
    """The versions that decide what a pickled pipeline means: recorded with every model made."""
    return {"python": platform.python_version(), "scikit-learn": sklearn.__version__,
            "numpy": np.__version__, "scipy": scipy.__version__}


@dataclass(frozen=True, slots=True)
class Prediction:
    label: str
    confidence: float  # probability of ``label``, in [0, 1]


def _build_pipeline(seed: int) -> Pipeline:
    return Pipeline(
        [
            (
                "tfidf",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(1, 3),
                    min_df=2,
                    sublinear_tf=True,
                    dtype=np.float32,
                ),
            ),
            # lbfgs on the multinomial loss: one fit for all classes, probabilities for free.
            ("clf", LogisticRegression(max_iter=1000, C=10.0, random_state=seed)),
        ]
    )


@dataclass(slots=True)
class TrainedModel:
    pipeline: Pipeline
    accuracy: float
    macro_f1: float
    trained_at: datetime
    n_samples: int
    labels: tuple[str, ...]
    # what made the model (library_versions() at training); a loaded file's own record
    libraries: dict[str, str] = field(default_factory=library_versions)

    def library_mismatches(self) -> dict[str, tuple[str, str]]:
        """{library: (version that made the model, version running now)} for every library that differs."""
        running = library_versions()
        return {name: (made, running[name]) for name, made in self.libraries.items()
                if name in running and made != running[name]}

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """Predict a category for each text, in one vectorised batch."""
        if len(texts) == 0:
            return []
        proba = np.asarray(self.pipeline.predict_proba([_clean_text(t) for t in texts]))
        best = proba.argmax(axis=1)
        classes = self.pipeline.classes_
        return [
            Prediction(str(classes[k]), float(min(1.0, max(0.0, proba[i, k])))) for i, k in enumerate(best)
        ]

    def header(self) -> dict[str, Any]:
        return {
            "version": MODEL_FORMAT_VERSION,
            "trained_at": self.trained_at.isoformat(),
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "n_samples": self.n_samples,
            "labels": list(self.labels),
            "sklearn_version": self.libraries.get("scikit-learn", sklearn.__version__),
            "libraries": dict(self.libraries),
        }

    def save(self, path: str | Path) -> None:
        """Write the header dict, then the pipeline, as two pickles in one file."""
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("wb") as f:
            pickle.dump(self.header(), f, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.dump(self.pipeline, f, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)

    @staticmethod
    def read_header(path: str | Path) -> dict[str, Any]:
        """Read only the small header (no model unpickled); raises :class:`ModelFileError`."""
        with Path(path).open("rb") as f:
            return _read_header(f, path)

    @classmethod
    def load(cls, path: str | Path) -> TrainedModel:
        """Load a model file. Other library versions than the ones that made it give one
        :class:`ModelVersionWarning` (and a log line) naming them, not an error."""
        with Path(path).open("rb") as f:
            header = _read_header(f, path)
            with warnings.catch_warnings():
                # scikit-learn's own per-estimator warning is replaced by the one summary below
                warnings.simplefilter("ignore", InconsistentVersionWarning)
                pipeline = pickle.load(f)
        if not isinstance(pipeline, Pipeline):
            raise ModelFileError(f"{path}: not a weizhili category model file")
        # files written before the full record carry only scikit-learn's version
        libraries = header.get("libraries") or {"scikit-learn": str(header.get("sklearn_version", "unknown"))}
        model = cls(
            pipeline=pipeline,
            accuracy=float(header["accuracy"]),
            macro_f1=float(header["macro_f1"]),
            trained_at=datetime.fromisoformat(header["trained_at"]),
            n_samples=int(header["n_samples"]),
            labels=tuple(header["labels"]),
            libraries={str(k): str(v) for k, v in libraries.items()},
        )
        mismatches = model.library_mismatches()
        if mismatches:
            told = ", ".join(f"{name} {made} (now {now})" for name, (made, now) in sorted(mismatches.items()))
            message = (f"{path}: the model was made with {told}; it is used as is, "
                       "retrain it (weizhili hotline-train) to match the installed versions")
            logger.warning(message)
            warnings.warn(message, ModelVersionWarning, stacklevel=2)
        return model


def _read_header(f: Any, path: str | Path) -> dict[str, Any]:
    try:
        header = pickle.load(f)
    except Exception as exc:  # a truncated or foreign file
        raise ModelFileError(f"{path}: not a weizhili category model file ({exc})") from exc
    if not isinstance(header, dict) or "version" not in header:
        raise ModelFileError(f"{path}: not a weizhili category model file")
    if header["version"] != MODEL_FORMAT_VERSION:
        raise ModelFileError(
            f"{path}: model file format version {header['version']!r}, this code reads version "
            f"{MODEL_FORMAT_VERSION}; retrain the model (weizhili hotline-train)"
        )
    return header


def _clean_text(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _row_groups(texts: Sequence[str], groups: Sequence[Any] | None) -> list[int]:
    """One group number per row: rows with the same text, or the same given group (a repeat complaint and the
    order it repeats), share it, transitively."""
    parent: dict[tuple[str, Any], tuple[str, Any]] = {}

    def find(key: tuple[str, Any]) -> tuple[str, Any]:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for i, text in enumerate(texts):
        if groups is not None and groups[i] is not None:
            a, b = find(("text", text)), find(("group", groups[i]))
            if a != b:
                parent[b] = a
    numbers: dict[tuple[str, Any], int] = {}
    return [numbers.setdefault(find(("text", text)), len(numbers)) for text in texts]


def train(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    groups: Sequence[Any] | None = None,
    test_size: float = 0.2,
    seed: int = 0,
    trained_at: datetime | None = None,
) -> TrainedModel:
    """Train a category model; measure it on a stratified held-out split, then refit on everything.

    The held-out rows are rows the measured model never saw: identical texts, and rows of one ``groups``
    value (e.g. an order's repeat group), are kept on one side of the split, so a copy of a training row
    cannot count as a correct prediction (the split is then stratified by group, about ``test_size`` of it).

    Raises ``ValueError`` when there are too few samples to train and measure honestly.
    """
    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
    if not 0.0 < test_size < 1.0:
        raise ValueError(f"test_size must be between 0 and 1, got {test_size}")
    n = len(texts)
    if n < MIN_SAMPLES:
        raise ValueError(f"too few labelled orders to train: {n}; at least {MIN_SAMPLES} are needed")
    counts = Counter(labels)
    if len(counts) < 2:
        raise ValueError("all labelled orders have the same category; at least 2 categories are needed")
    rare = sorted(label for label, c in counts.items() if c < MIN_SAMPLES_PER_LABEL)
    if rare:
        raise ValueError(
            f"each category needs at least {MIN_SAMPLES_PER_LABEL} labelled orders; "
            f"too few for: {', '.join(rare)} (drop or relabel them)"
        )
    if groups is not None and len(groups) != n:
        raise ValueError(f"{n} texts but {len(groups)} groups")
    cleaned = [_clean_text(t) for t in texts]
    ys = [str(y) for y in labels]
    k = len(counts)
    row_groups = _row_groups(cleaned, groups)
    if len(set(row_groups)) == n:
        # At least one held-out sample per category, and at least one training sample per category.
        n_test = min(max(math.ceil(test_size * n), k), n - k)
        x_train, x_test, y_train, y_test = train_test_split(
            cleaned, ys, test_size=n_test, stratify=ys, random_state=seed
        )
    else:
        folds = max(2, round(1 / test_size))
        try:
            with warnings.catch_warnings():  # "the least populated class has only N members": expected here
                warnings.simplefilter("ignore", UserWarning)
                train_rows, test_rows = next(
                    StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed).split(
                        cleaned, ys, row_groups
                    )
                )
        except ValueError as exc:  # fewer distinct texts than folds
            raise ValueError(f"too few distinct labelled orders to measure the model: {exc}") from exc
        x_train, y_train = [cleaned[i] for i in train_rows], [ys[i] for i in train_rows]
        x_test, y_test = [cleaned[i] for i in test_rows], [ys[i] for i in test_rows]
        if len(set(y_train)) < 2:
            raise ValueError("too few distinct labelled orders: the training part holds one category only")
    probe = _build_pipeline(seed)
    try:
        probe.fit(x_train, y_train)
    except ValueError as exc:  # e.g. "After pruning, no terms remain"
        raise ValueError(f"cannot train on these texts: {exc}") from exc
    predicted = probe.predict(x_test)
    accuracy = float(accuracy_score(y_test, predicted))
    macro_f1 = float(f1_score(y_test, predicted, average="macro", zero_division=0))

    final = _build_pipeline(seed)
    final.fit(cleaned, ys)
    return TrainedModel(
        pipeline=final,
        accuracy=accuracy,
        macro_f1=macro_f1,
        trained_at=trained_at if trained_at is not None else datetime.now(UTC),
        n_samples=n,
        labels=tuple(str(c) for c in final.classes_),
    )


# --- hotline category -> case taxonomy ---------------------------------------------------------------

# Level separators seen in 12345 exports: 城乡建设-市政设施, 城乡建设/市政, 城乡建设——路灯, 城乡建设>路灯.
_LEVEL_SEP = re.compile(r"\s*(?:—+|–+|-+|/|\\|>|\||→)\s*")


def normalise_category(category: str) -> tuple[str, ...]:
    """Split a hotline category into its levels, NFKC-normalised (full-width → half-width), blanks removed."""
    text = unicodedata.normalize("NFKC", category).casefold()
    text = " ".join(text.split())
    return tuple(level for level in _LEVEL_SEP.split(text) if level)


def map_category(hotline_category: str, mapping: Mapping[str, str], default: str = "other") -> str:
    """Map a hotline category onto the case taxonomy.

    Exact match first (after normalising whitespace, full-width characters and separators), then the
    longest leading part that the mapping knows, down to the first-level category before the separator.
    """
    levels = normalise_category(hotline_category)
    if not levels:
        return default
    table: dict[tuple[str, ...], str] = {}
    for key, value in mapping.items():
        table.setdefault(normalise_category(key), value)
    for cut in range(len(levels), 0, -1):
        found = table.get(levels[:cut])
        if found is not None:
            return found
    return default
