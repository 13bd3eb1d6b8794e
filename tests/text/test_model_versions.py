"""A model file records the library versions that made it; loading it under other versions warns, never fails."""
import logging
import pickle
import platform
import warnings

import numpy as np
import pytest
import scipy
import sklearn

from weizhili.text.classify import ModelVersionWarning, TrainedModel, library_versions, train

TEXTS = {"heating": "家里暖气不热温度只有十几度", "noise": "楼上装修噪音太大晚上还在施工",
         "parking": "消防通道被私家车占用堵住了"}


@pytest.fixture(scope="module")
def model() -> TrainedModel:
    labels = [label for _ in range(10) for label in TEXTS]
    return train([f"{TEXTS[label]}{i}" for i, label in enumerate(labels)], labels)


def _write_with_libraries(model: TrainedModel, path, header_changes: dict) -> None:
    header = {**model.header(), **header_changes}
    with path.open("wb") as f:
        pickle.dump({k: v for k, v in header.items() if v is not None}, f)
        pickle.dump(model.pipeline, f)


def test_the_running_versions_are_recorded(model, tmp_path):
    expected = {"python": platform.python_version(), "scikit-learn": sklearn.__version__,
                "numpy": np.__version__, "scipy": scipy.__version__}
    assert library_versions() == expected
    assert model.libraries == expected
    path = tmp_path / "m.model"
    model.save(path)
    assert TrainedModel.read_header(path)["libraries"] == expected
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # same versions: no warning at all
        loaded = TrainedModel.load(path)
    assert loaded.libraries == expected and loaded.library_mismatches() == {}


def test_other_versions_warn_and_the_model_still_predicts(model, tmp_path, caplog):
    path = tmp_path / "old.model"
    made = {**library_versions(), "scikit-learn": "0.9.0", "numpy": "1.0.0"}
    _write_with_libraries(model, path, {"libraries": made})
    with caplog.at_level(logging.WARNING, logger="weizhili.text.classify"), \
            pytest.warns(ModelVersionWarning) as caught:
        loaded = TrainedModel.load(path)
    message = str(caught[0].message)
    assert "scikit-learn 0.9.0" in message and f"now {sklearn.__version__}" in message
    assert "numpy 1.0.0" in message and "hotline-train" in message
    assert "scipy" not in message  # only what differs is named
    assert message in caplog.text
    assert loaded.library_mismatches() == {"scikit-learn": ("0.9.0", sklearn.__version__),
                                           "numpy": ("1.0.0", np.__version__)}
    assert loaded.libraries == made  # the record of what made it is kept, not overwritten
    assert [p.label for p in loaded.predict([TEXTS["noise"]])] == ["noise"]


def test_a_file_from_before_the_full_record_still_loads(model, tmp_path):
    path = tmp_path / "older.model"
    _write_with_libraries(model, path, {"libraries": None, "sklearn_version": "1.4.0"})
    with pytest.warns(ModelVersionWarning, match="scikit-learn 1.4.0"):
        loaded = TrainedModel.load(path)
    assert loaded.libraries == {"scikit-learn": "1.4.0"}
