import json

from django.core.management.base import BaseCommand, CommandError

from weizhili.hotline.classes import category_model_train, orders_reclassify
from weizhili.hotline.gazetteer import street_named


class Command(BaseCommand):
    help = ("Train the street's hotline category model on its own orders that carry a 问题分类 (char n-gram TF-IDF + "
            "logistic regression). Prints the accuracy measured on held-out orders; later imports use the model "
            "for orders without a class.")

    def add_arguments(self, parser):
        parser.add_argument("--street", help="street name (default: the only street)")
        parser.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, *args, street=None, as_json=False, **options):
        try:
            place = street_named(street)
            record = category_model_train(street=place)
            reclassified = orders_reclassify(street=place)
        except (LookupError, ValueError) as exc:
            raise CommandError(f"训练失败 / training failed: {exc}", returncode=1) from exc
        result = {"street": place.name, "samples": record.samples, "labels": record.labels,
                  "accuracy": round(record.accuracy, 4), "macro_f1": round(record.macro_f1, 4),
                  "trained_at": record.trained_at.isoformat(), "path": record.path,
                  "reclassified": reclassified}
        if as_json:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(f"样本 / samples: {record.samples}, 类别 / classes: {record.labels}, "
                              f"准确率 / accuracy: {record.accuracy:.2%}, 宏F1 / macro-F1: {record.macro_f1:.3f}, "
                              f"重新预测 / orders reclassified: {reclassified}")
