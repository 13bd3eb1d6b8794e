import pickle
import random
from datetime import UTC, datetime

import pytest

from weizhili.text.classify import (
    MODEL_FORMAT_VERSION,
    ModelFileError,
    Prediction,
    TrainedModel,
    map_category,
    train,
)

# --- a generator of realistic 12345 complaint texts ---------------------------------------------------

PLACES = [
    "幸福里小区",
    "和平家园",
    "东风路12号院",
    "阳光花园",
    "金桥社区",
    "建设西里",
    "红星小区",
    "滨河苑",
    "翠微北里",
    "光明楼",
    "南门外大街",
    "新华街道办事处附近",
    "实验小学门口",
    "农贸市场旁",
]
SPOTS = ["3号楼", "5号楼2单元", "楼下", "小区东门", "地下车库", "单元门口", "院内", "小区北侧", "7号楼后面"]
TIMES = [
    "每天晚上",
    "最近一周",
    "今天上午",
    "昨晚十点后",
    "凌晨两点",
    "周末",
    "已经一个多月",
    "这几天",
    "中午",
]
ASKS = ["请尽快处理", "希望相关部门管一管", "多次反映未解决", "请核实处理", "要求给个说法", "", "谢谢"]

TEMPLATES: dict[str, list[str]] = {
    "noise": [
        "{place}{spot}{time}有人施工噪音很大，影响休息",
        "{place}{time}广场舞音响声音太大，吵得睡不着",
        "{spot}商铺{time}用大喇叭叫卖，噪音扰民",
        "{place}装修电钻声{time}不停，太吵了",
        "{time}{place}{spot}工地机器轰鸣，噪声扰民",
    ],
    "sanitation": [
        "{place}{spot}垃圾堆了好几天没人清运，味道很大",
        "{place}{time}垃圾桶满了溢出来，没人收",
        "{spot}有人乱倒建筑垃圾，{place}环境很脏",
        "{place}{spot}化粪池堵了污水外溢，臭气熏天",
        "{time}{place}保洁不打扫，楼道里全是垃圾",
    ],
    "parking": [
        "{place}{spot}{time}有车辆乱停乱放堵住通道",
        "{spot}僵尸车长期占用车位，{place}停车难",
        "{place}消防通道被私家车占了，{time}都这样",
        "{place}{spot}有人私装地锁占车位",
        "{time}{spot}电动车乱停，{place}出入不便",
    ],
    "water_heating": [
        "{place}{spot}{time}停水了，也没有通知",
        "{place}暖气不热，室温只有十几度，{time}",
        "{spot}自来水管爆裂漏水，{place}",
        "{place}{time}水压太低，楼上用不了水",
        "{place}{spot}供暖管道漏水，暖气片冰凉",
    ],
    "roads_lighting": [
        "{place}{spot}路灯坏了{time}都不亮，晚上很黑",
        "{place}门口路面塌陷有大坑，{time}",
        "{spot}井盖丢了很危险，{place}",
        "{place}{spot}人行道砖松动翘起，容易绊倒",
        "{time}{place}附近道路破损，坑洼积水",
    ],
    "greening_pests": [
        "{place}{spot}树枝太长挡住窗户，需要修剪",
        "{place}{time}老鼠很多，希望灭鼠",
        "{spot}绿地被人毁了种菜，{place}",
        "{place}{spot}大树倾斜有倒伏危险",
        "{time}{place}蚊虫太多，请打药消杀",
    ],
    "property_management": [
        "{place}物业{time}不作为，报修没人管",
        "{place}{spot}电梯经常坏，物业不修",
        "{place}物业费乱收费，{time}涨价没有公示",
        "{spot}单元门禁坏了，{place}物业一直拖着",
        "{place}物业公司{time}不公开维修基金使用情况",
    ],
    "safety_illegal_building": [
        "{place}{spot}有人私搭乱建违章建筑",
        "{place}{spot}电动车楼道充电，{time}有火灾隐患",
        "{spot}堆放杂物堵住楼梯，{place}消防隐患",
        "{place}{time}有人在楼顶加盖房子",
        "{place}{spot}飞线充电很危险，请排查",
    ],
}
LABELS = sorted(TEMPLATES)


def make_complaints(n: int, seed: int = 0) -> tuple[list[str], list[str]]:
    """``n`` labelled complaint texts, balanced over the categories, with random place/time words.

    Like real orders, some mention a second problem in passing (10 %) and some are mislabelled (3 %).
    """
    rng = random.Random(seed)
    texts: list[str] = []
    labels: list[str] = []

    def fill(template: str) -> str:
        return template.format(place=rng.choice(PLACES), spot=rng.choice(SPOTS), time=rng.choice(TIMES))

    for i in range(n):
        label = LABELS[i % len(LABELS)]
        body = fill(rng.choice(TEMPLATES[label]))
        if rng.random() < 0.10:
            body += "，另外" + fill(rng.choice(TEMPLATES[rng.choice(LABELS)]))
        ask = rng.choice(ASKS)
        texts.append(f"市民来电反映：{body}，{ask}。" if ask else f"市民反映{body}。")
        labels.append(rng.choice(LABELS) if rng.random() < 0.03 else label)
    order = list(range(n))
    rng.shuffle(order)
    return [texts[i] for i in order], [labels[i] for i in order]


@pytest.fixture(scope="module")
def model() -> TrainedModel:
    texts, labels = make_complaints(2000, seed=1)
    return train(texts, labels, trained_at=datetime(2025, 3, 1, tzinfo=UTC))


# --- training and measuring ----------------------------------------------------------------------------


def test_reaches_accuracy_on_held_out_data(model: TrainedModel) -> None:
    assert model.accuracy >= 0.85
    assert model.macro_f1 >= 0.85
    assert model.n_samples == 2000
    assert model.labels == tuple(LABELS)
    assert model.trained_at == datetime(2025, 3, 1, tzinfo=UTC)


def test_predicts_unseen_texts(model: TrainedModel) -> None:
    texts, labels = make_complaints(400, seed=99)
    predictions = model.predict(texts)
    hits = sum(p.label == y for p, y in zip(predictions, labels, strict=True))
    assert hits / len(labels) >= 0.85


def test_predictions_carry_confidences_in_unit_interval(model: TrainedModel) -> None:
    predictions = model.predict(["小区楼下垃圾堆了好几天没人清运", "晚上广场舞太吵", "", "ｘｙｚ"])
    assert len(predictions) == 4
    assert all(isinstance(p, Prediction) for p in predictions)
    assert all(0.0 <= p.confidence <= 1.0 for p in predictions)
    assert all(p.label in LABELS for p in predictions)
    assert predictions[0].label == "sanitation"
    assert predictions[1].label == "noise"
    assert model.predict([]) == []


def test_trained_at_defaults_to_now_utc() -> None:
    texts, labels = make_complaints(40, seed=3)
    before = datetime.now(UTC)
    trained = train(texts, labels)
    assert before <= trained.trained_at <= datetime.now(UTC)
    assert trained.trained_at.tzinfo is not None


# --- files ---------------------------------------------------------------------------------------------


def test_save_load_round_trip_gives_identical_predictions(model: TrainedModel, tmp_path) -> None:
    path = tmp_path / "category.model"
    model.save(path)
    loaded = TrainedModel.load(path)
    texts, _ = make_complaints(200, seed=7)
    assert loaded.predict(texts) == model.predict(texts)
    assert loaded.accuracy == model.accuracy
    assert loaded.macro_f1 == model.macro_f1
    assert loaded.trained_at == model.trained_at
    assert loaded.n_samples == model.n_samples
    assert loaded.labels == model.labels
    header = TrainedModel.read_header(path)
    assert header["version"] == MODEL_FORMAT_VERSION
    assert header["n_samples"] == 2000


def test_load_refuses_another_version(model: TrainedModel, tmp_path) -> None:
    path = tmp_path / "old.model"
    header = model.header() | {"version": MODEL_FORMAT_VERSION + 1}
    with path.open("wb") as f:
        pickle.dump(header, f)
        pickle.dump(model.pipeline, f)
    with pytest.raises(ModelFileError, match="version"):
        TrainedModel.load(path)


def test_load_refuses_a_foreign_file(tmp_path) -> None:
    path = tmp_path / "junk.model"
    path.write_bytes(b"not a pickle at all")
    with pytest.raises(ModelFileError, match="not a weizhili"):
        TrainedModel.load(path)
    path.write_bytes(pickle.dumps(["a", "list"]))
    with pytest.raises(ModelFileError, match="not a weizhili"):
        TrainedModel.load(path)


# --- too little data -----------------------------------------------------------------------------------


def test_too_few_samples_says_how_many_are_needed() -> None:
    texts, labels = make_complaints(19)
    with pytest.raises(ValueError, match="at least 20"):
        train(texts, labels)


def test_a_category_with_one_sample_is_refused() -> None:
    texts, labels = make_complaints(40)
    labels[0] = "lonely"
    with pytest.raises(ValueError, match="at least 2 .*lonely"):
        train(texts, labels)


def test_a_single_category_is_refused() -> None:
    texts, _ = make_complaints(40)
    with pytest.raises(ValueError, match="at least 2 categories"):
        train(texts, ["noise"] * 40)


def test_mismatched_lengths_are_refused() -> None:
    texts, labels = make_complaints(40)
    with pytest.raises(ValueError, match="labels"):
        train(texts, labels[:-1])


def test_the_minimum_trains_with_many_categories() -> None:
    # 24 samples over 8 categories (3 each): the held-out split still gets one sample per category.
    texts, _ = make_complaints(24)
    labels = [LABELS[i % len(LABELS)] for i in range(24)]
    trained = train(texts, labels)
    assert 0.0 <= trained.accuracy <= 1.0
    assert len(trained.predict(texts)) == 24


# --- hotline category -> case taxonomy ----------------------------------------------------------------

MAPPING = {
    "城乡建设": "roads",
    "城乡建设-市政设施-路灯": "lighting",
    "环境保护": "environment",
    "物业管理／维修": "property_repair",
    "Traffic": "parking",
}


@pytest.mark.parametrize(
    ("hotline", "expected"),
    [
        ("城乡建设-市政设施-路灯", "lighting"),  # exact
        (" 城乡建设 － 市政设施 －路灯 ", "lighting"),  # full-width separator, blanks
        ("城乡建设/市政设施/路灯", "lighting"),  # another separator
        ("城乡建设——市政设施——路灯", "lighting"),
        ("城乡建设-市政设施-道路破损", "roads"),  # first level
        ("城乡建设", "roads"),
        ("城乡建设——违章建筑", "roads"),
        ("环境保护/噪声污染", "environment"),
        ("ＴＲＡＦＦＩＣ－parking", "parking"),  # full-width Latin, case
        ("物业管理-维修", "property_repair"),  # mapping key with a full-width separator
        ("物业管理-收费", "other"),  # only a deeper key exists
        ("医疗卫生-医保", "other"),
        ("", "other"),
        ("   ", "other"),
    ],
)
def test_map_category(hotline: str, expected: str) -> None:
    assert map_category(hotline, MAPPING) == expected


def test_map_category_default() -> None:
    assert map_category("教育-招生", MAPPING, default="unclassified") == "unclassified"


# --- held-out rows are rows the model never saw ---------------------------------------------------------


def _copies(groups: int = 120, copies: int = 3, seed: int = 5, vary: bool = False):
    """Texts made of random characters, `copies` per group, each group with a random one of four labels: a
    model can only learn them by heart, so honest accuracy on unseen groups is about chance (0.25)."""
    rng = random.Random(seed)
    pool = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    texts, labels, keys = [], [], []
    for g in range(groups):
        body, label = "".join(rng.choice(pool) for _ in range(12)), LABELS[rng.randrange(4)]
        for c in range(copies):
            texts.append(body + (pool[c] if vary else ""))
            labels.append(label)
            keys.append(g)
    return texts, labels, keys


def test_copies_of_a_training_row_are_not_counted_as_held_out() -> None:
    texts, labels, _ = _copies()
    trained = train(texts, labels)
    assert trained.accuracy < 0.5  # chance, not the ~0.99 of finding a copy among the training rows


def test_a_repeat_group_stays_on_one_side_of_the_split() -> None:
    texts, labels, keys = _copies(vary=True)  # near copies (a repeat complaint reworded): only the group tells
    assert train(texts, labels, groups=keys).accuracy < 0.5
    with pytest.raises(ValueError, match="groups"):
        train(texts, labels, groups=keys[:-1])
