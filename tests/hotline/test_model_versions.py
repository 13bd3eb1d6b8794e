"""The street's model row records the library versions that made its file; a file made under other versions is
still used, with a warning that names them."""
import logging
import pickle

import pytest

from weizhili.hotline.classes import active_model, category_model_train
from weizhili.hotline.importing import import_file
from weizhili.text.classify import ModelVersionWarning, TrainedModel, library_versions

from .test_importing import _labelled_rows, write_csv

pytestmark = pytest.mark.django_db



@pytest.fixture
def street(tree, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    street = tree["street"]
    import_file(path=write_csv(tmp_path / "t.csv", _labelled_rows(60)), street=street, create_cases=False)
    return street


def test_the_model_row_records_the_library_versions(street):
    record = category_model_train(street=street)
    record.refresh_from_db()
    assert record.libraries == library_versions()
    assert TrainedModel.read_header(record.path)["libraries"] == record.libraries


def test_a_model_made_under_other_versions_is_used_with_a_warning(street, caplog):
    record = category_model_train(street=street)
    with open(record.path, "rb") as f:
        header, pipeline = pickle.load(f), pickle.load(f)
    header["libraries"] = {**header["libraries"], "scikit-learn": "0.9.0"}
    with open(record.path, "wb") as f:
        pickle.dump(header, f)
        pickle.dump(pipeline, f)
    with caplog.at_level(logging.WARNING), pytest.warns(ModelVersionWarning, match="scikit-learn 0.9.0"):
        model = active_model(street)
    assert model is not None  # still used: no crash, no silent drop of the street's model
    assert "scikit-learn 0.9.0" in caplog.text
    assert model.predict(["家里暖气不热温度只有十几度"])[0].label == "城乡建设-供热-暖气不热"
