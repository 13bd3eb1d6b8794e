import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from weizhili.places.importer import ImportFileError, places_import

# below this many rows the import is quick and a progress bar is only noise
PROGRESS_MIN_ROWS = 200

SUMMARY_LABELS = [
    ("rows_read", "读取行数 / rows read"),
    ("compounds_created", "新建院落 / compounds created"),
    ("compounds_updated", "更新院落 / compounds updated"),
    ("places_created", "新建节点 / places created"),
    ("aliases_added", "新增别名 / aliases added"),
    ("error_rows", "出错行数 / rows with errors"),
]


class Command(BaseCommand):
    help = (
        "Import the place gazetteer from an xlsx or csv file (one row per compound; headers 街道, 社区, 院落, 别名, "
        "类型, 楼栋数, 每栋单元数, 每单元户数, 物业公司, 边界). Re-importing is safe: nothing is duplicated or "
        "deleted. Exits 1 when the file cannot be read (or, with --strict, when any row has an error)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="path to the .xlsx or .csv file")
        parser.add_argument("--json", action="store_true", dest="as_json",
                            help="print the summary and the row errors as JSON")
        parser.add_argument("--strict", action="store_true", help="exit 1 when any row has an error (the good rows are still imported)")

    def handle(self, *args, file, as_json=False, strict=False, **options):
        path = Path(file)
        bar = None

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if bar is None:
                bar = tqdm(total=total, file=sys.stderr, unit="row", desc="导入 / importing",
                           disable=total < PROGRESS_MIN_ROWS)
            bar.update(done - bar.n)

        try:
            result = places_import(source=path, filename=path.name, progress=progress)
        except ImportFileError as exc:
            raise CommandError(f"导入失败 / import failed: {exc}", returncode=1) from exc
        finally:
            if bar is not None:
                bar.close()

        if as_json:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        else:
            summary = result.summary()
            for key, label in SUMMARY_LABELS:
                self.stdout.write(f"{label}: {summary[key]}")
            if result.errors:
                self.stdout.write("错误 / errors:")
                for _row, message in result.errors:
                    self.stdout.write(f"  {message}")
        if strict and result.errors:
            raise CommandError(f"{len(result.error_rows)} 行有错误 / rows with errors (--strict)", returncode=1)
