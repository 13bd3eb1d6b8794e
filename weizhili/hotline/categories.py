"""Hotline classes → the case taxonomy. The defaults cover the 12345 first and second levels seen in Shandong
exports; a street adds or overrides entries in the admin (CategoryMapping). The longest known leading part wins."""
from weizhili.places.models import Place
from weizhili.text.classify import map_category

from .models import CategoryMapping

DEFAULT_CATEGORY_MAP: dict[str, str] = {
    "城乡建设-物业管理": "property",
    "城乡建设-物业": "property",
    "住房保障-物业管理": "property",
    "城乡建设-供热": "utilities",
    "城乡建设-供水": "utilities",
    "城乡建设-供电": "utilities",
    "城乡建设-燃气": "utilities",
    "城乡建设-市政设施": "repair",
    "城乡建设-房屋质量": "repair",
    "城市管理-环境卫生": "sanitation",
    "城市管理-市容市貌": "sanitation",
    "城市管理-违章建筑": "safety",
    "城市管理": "sanitation",
    "生态环境-噪声污染": "noise",
    "生态环境-大气污染": "sanitation",
    "生态环境": "sanitation",
    "交通运输-停车管理": "parking",
    "公安-停车管理": "parking",
    "交通运输": "parking",
    "公共安全": "safety",
    "应急管理": "safety",
    "消防安全": "safety",
    "社会保障": "welfare",
    "民政": "welfare",
    "卫生健康": "welfare",
    "邻里纠纷": "dispute",
    "社会治理-邻里纠纷": "dispute",
    "市场监管": "other",
}


def category_map(street: Place) -> dict[str, str]:
    table = dict(DEFAULT_CATEGORY_MAP)
    table.update(CategoryMapping.objects.filter(street=street).values_list("hotline_category", "case_category"))
    return table


class CategoryMapper:
    """map_category with a memo: an import sees a few dozen distinct classes over a million rows."""

    def __init__(self, table: dict[str, str]):
        self.table = table
        self.memo: dict[str, str] = {}

    def __call__(self, category: str) -> str:
        found = self.memo.get(category)
        if found is None:
            found = self.memo[category] = map_category(category, self.table) if category else ""
        return found
