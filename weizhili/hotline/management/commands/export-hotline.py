from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from weizhili.audit.services import audit_record
from weizhili.hotline.exporting import street_orders, write_csv
from weizhili.hotline.gazetteer import street_named


class Command(BaseCommand):
    help = ("Write the street's hotline orders to a CSV file, one row per order: 工单编号, 来电时间, 社区, 院落, 楼栋, "
            "单元, 定位置信度, 问题分类, 预测分类, 预测置信度, 重复组, 关联案件.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .csv file to write")
        parser.add_argument("--street", help="street name (default: the only street)")
        parser.add_argument("--encoding", default="utf-8-sig",
                            help="utf-8-sig (default, opens in Excel) or gb18030")

    def handle(self, *args, file, street=None, encoding="utf-8-sig", **options):
        try:
            place = street_named(street)
        except LookupError as exc:
            raise CommandError(str(exc), returncode=1) from exc
        path = Path(file)
        with path.open("w", encoding=encoding, newline="") as out:
            count = write_csv(out, street_orders(place))
        audit_record(action="hotline.export", obj=place, detail={"file": path.name, "rows": count})
        self.stdout.write(f"已写出 / written: {count} → {path}")
