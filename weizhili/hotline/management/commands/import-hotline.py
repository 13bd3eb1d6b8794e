import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from weizhili.audit.services import audit_record
from weizhili.hotline.gazetteer import street_named
from weizhili.hotline.importing import HeaderError
from weizhili.hotline.reading import ReadError
from weizhili.hotline.services import import_file_recorded

LABELS = [
    ("rows_read", "读取行数 / rows read"),
    ("imported", "新增 / imported"),
    ("updated", "更新 / updated"),
    ("failed", "出错行数 / failed"),
    ("duplicates", "文件内重复 / duplicates in the file"),
    ("located", "定位 (高/中/低/未定位) / located (high/medium/low/none)"),
    ("classified", "预测分类 / classified"),
    ("repeat_groups", "重复组 / repeat groups"),
    ("repeat_orders", "重复工单 / repeat orders"),
    ("linked_cases", "关联案件 / orders linked to cases"),
    ("created_cases", "新建案件 / cases created"),
    ("cases_error", "未能建案件 / cases not opened"),
    ("error_file", "错误文件 / error file"),
    ("seconds", "用时秒 / seconds"),
]


class Command(BaseCommand):
    help = (
        "Import 12345 hotline work orders from an xlsx, xls or csv export (UTF-8, UTF-8 with BOM, GB18030 or GBK). "
        "Re-importing updates orders by 工单编号, never duplicates them. Bad rows go to FILE.errors.xlsx; the rest "
        "imports. Exits 1 when the file cannot be read or lacks required columns."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="path to the .xlsx, .xls or .csv file")
        parser.add_argument("--street", help="street name (default: the only street)")
        parser.add_argument("--errors", help="where to write the error file (default: FILE.errors.xlsx)")
        parser.add_argument("--json", action="store_true", dest="as_json", help="print the summary as JSON")
        parser.add_argument("--no-cases", action="store_true", help="do not create cases for open orders")
        parser.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the error file")

    def handle(self, *args, file, street=None, errors=None, as_json=False, no_cases=False, lang="zh", **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件 / no such file: {path}", returncode=1)
        try:
            place = street_named(street)
        except LookupError as exc:
            raise CommandError(str(exc), returncode=1) from exc
        bar = tqdm(total=None, file=sys.stderr, unit="row", desc="导入 / importing", disable=as_json and not sys.stderr.isatty())

        def progress(stage: str, done: int, total: int | None) -> None:
            if total and bar.total != total:
                bar.total = total
            bar.set_description_str(stage)
            bar.update(done - bar.n)

        try:
            # recorded as a job, so that the import history page lists command-line imports too
            _job, summary = import_file_recorded(path=path, street=place, progress=progress, error_path=errors,
                                                 language=lang, create_cases=not no_cases)
        except (ReadError, HeaderError) as exc:
            raise CommandError(f"导入失败 / import failed: {exc}", returncode=1) from exc
        finally:
            bar.close()
        result = summary.as_dict()
        audit_record(action="hotline.import", obj=place, detail={"file": path.name, **{
            k: result[k] for k in ("rows_read", "imported", "updated", "failed")}})
        if as_json:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
            return
        for key, label in LABELS:
            value = result[key]
            if key == "located":
                value = " / ".join(str(value[b]) for b in ("high", "medium", "low", "none"))
            if value != "":
                self.stdout.write(f"{label}: {value}")
