"""Gazetteer import: one spreadsheet row = one compound (街道 / 社区 / 院落 + its buildings, units, households).

Three steps, so that a crash leaves no half state and one bad row never blocks the others:

1. `read_table` turns an xlsx (python-calamine) or csv (charset-normalizer decides the encoding) into rows of cells;
   a file that cannot be read, or lacks a required header, raises `ImportFileError` and nothing is written.
2. `parse_table` checks every row in memory and reports bad rows with their spreadsheet row number (header = 1).
3. `places_import` writes all good rows in one transaction with set-based tree growth (`subtree_ensure`, one call
   per community) plus one audit row. Names are matched under their parent, so a re-import updates compound
   fields, adds new aliases and missing buildings/units/households, and never duplicates or deletes anything.

Empty cells never erase data on re-import (物业公司, 边界, counts); an empty 类型 means 住宅小区 as the spec says.
"""
import codecs
import csv
import io
import json
import math
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import charset_normalizer
from django.db import transaction
from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook

from weizhili import exports
from weizhili.audit.services import audit_record

from .models import CompoundKind, Place, PlaceAlias, PlaceKind
from .treeops import NodeSpec, subtree_ensure

# header → row attribute; the order is the template's column order
COLUMNS = {
    "街道": "street",
    "社区": "community",
    "院落": "compound",
    "别名": "aliases",
    "类型": "kind",
    "楼栋数": "buildings",
    "每栋单元数": "units",
    "每单元户数": "households",
    "物业公司": "property_company",
    "边界": "boundary",
}
HEADERS = list(COLUMNS)
REQUIRED_HEADERS = ("街道", "社区", "院落")
LIMITS = {"buildings": 200, "units": 20, "households": 200}
KIND_NAMES = {
    "住宅小区": CompoundKind.RESIDENTIAL,
    "小区": CompoundKind.RESIDENTIAL,
    "宿舍": CompoundKind.DORMITORY,
    "商圈": CompoundKind.BUSINESS,
    **{value: value for value in CompoundKind.values},  # the stored codes are accepted too
}
ALIAS_SEPARATORS = re.compile(r"[；;、,，]")
NAME_MAX = Place._meta.get_field("name").max_length
ALIAS_MAX = PlaceAlias._meta.get_field("name").max_length
COMPANY_MAX = Place._meta.get_field("property_company").max_length
WORKBOOK_EXTENSIONS = {"xlsx", "xlsm", "xlsb", "xls", "ods"}
TEMPLATE_FILENAME = "区划导入模板.xlsx"
TEMPLATE_EXAMPLES = [
    ["明水街道", "龙泉社区", "君临天下小区", "君临天下；君临天下花园", "住宅小区", 12, 2, 24, "明水物业服务有限公司",
     json.dumps({"type": "Polygon", "coordinates": [[[117.536, 36.712], [117.539, 36.712], [117.539, 36.715],
                                                     [117.536, 36.715], [117.536, 36.712]]]})],
    ["明水街道", "龙泉社区", "龙泉职工宿舍", "职工宿舍、龙泉宿舍", "宿舍", 3, 1, 12, "", ""],
]

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls
_ZIP_MAGIC = b"PK\x03\x04"  # .xlsx / .ods


class ImportFileError(Exception):
    """The whole file is unusable (unreadable, or a required header is missing); nothing was imported."""


@dataclass
class CompoundRow:
    """One valid row, ready to write."""

    row: int
    street: str
    community: str
    name: str
    aliases: tuple[str, ...] = ()
    compound_kind: str = CompoundKind.RESIDENTIAL
    buildings: int = 0
    units: int = 0
    households: int = 0
    property_company: str = ""
    boundary: dict | None = None
    centroid: tuple[float, float] | None = None  # (lat, lng)

    @property
    def key(self) -> tuple[str, str, str]:
        return self.street, self.community, self.name

    def same_data(self, other: "CompoundRow") -> bool:
        mine, theirs = asdict(self), asdict(other)
        for data in (mine, theirs):
            data.pop("row")
            data["aliases"] = sorted(data["aliases"])
        return mine == theirs

    def fields(self) -> dict:
        """The compound's own fields; empty cells are left out so they never erase existing data."""
        values: dict = {"compound_kind": str(self.compound_kind)}
        if self.property_company:
            values["property_company"] = self.property_company
        total = self.buildings * self.units * self.households
        if total:
            values["household_count"] = total
        if self.boundary is not None and self.centroid is not None:
            values["boundary"] = self.boundary
            values["centroid_lat"], values["centroid_lng"] = self.centroid
        return values


@dataclass
class ParsedTable:
    rows: list[CompoundRow]
    errors: list[tuple[int, str]]
    rows_read: int


@dataclass
class ImportResult:
    rows_read: int = 0
    compounds_created: int = 0
    compounds_updated: int = 0
    places_created: int = 0
    aliases_added: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def error_rows(self) -> list[int]:
        return sorted({row for row, _message in self.errors})

    def summary(self) -> dict:
        return {
            "rows_read": self.rows_read,
            "compounds_created": self.compounds_created,
            "compounds_updated": self.compounds_updated,
            "places_created": self.places_created,
            "aliases_added": self.aliases_added,
            "error_rows": len(self.error_rows),
        }

    def as_dict(self) -> dict:
        return {**self.summary(), "errors": [{"row": row, "message": message} for row, message in self.errors]}


# ---------------------------------------------------------------------------------------------------- reading


def read_table(source: bytes | str | Path, filename: str = "") -> list[list]:
    """All cells of the first sheet (or the csv), row 0 = spreadsheet row 1. Raises ImportFileError."""
    if isinstance(source, str | Path):
        path = Path(source)
        filename = filename or path.name
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ImportFileError(_("无法读取文件：%(reason)s") % {"reason": exc.strerror or exc}) from exc
    else:
        data = source
    if not data:
        raise ImportFileError(_("文件是空的"))
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if data.startswith((_ZIP_MAGIC, _OLE_MAGIC)) or extension in WORKBOOK_EXTENSIONS:
        return _read_workbook(data)
    return _read_csv(data)


def _read_workbook(data: bytes) -> list[list]:
    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        # skip_empty_area=False keeps leading empty rows, so list index + 1 is the spreadsheet row number
        return sheet.to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises several error types (zip, xml, format)
        raise ImportFileError(_("无法读取 Excel 文件：%(reason)s") % {"reason": exc}) from exc


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) first; otherwise charset-normalizer's best guess (GB18030/GBK exports ...)."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(data).best()
    if best is not None:
        return str(best).lstrip("\ufeff")
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ImportFileError(_("无法识别 CSV 文件的编码，请另存为 UTF-8 或 Excel 文件")) from exc


def _read_csv(data: bytes) -> list[list]:
    text = decode_text(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 24))  # boundaries can be long GeoJSON strings
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise ImportFileError(_("无法读取 CSV 文件：%(reason)s") % {"reason": exc}) from exc


# ---------------------------------------------------------------------------------------------------- checking


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a name typed as a number, e.g. 院落 "8"
    return str(value).strip()


def _count(value) -> int | None:
    """A non-negative integer (empty = 0), or None when the cell is not a whole number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            return None
        number = int(value)
    else:
        text = _text(value)
        if not text:
            return 0
        match = re.fullmatch(r"(\d+)(?:\.0*)?", text)
        if match is None:
            return None
        number = int(match.group(1))
    return number if number >= 0 else None


def _count_messages() -> dict[str, tuple[str, str]]:
    return {
        "buildings": (_("第%(row)d行：楼栋数必须是正整数"), _("第%(row)d行：楼栋数不能超过%(max)d")),
        "units": (_("第%(row)d行：每栋单元数必须是正整数"), _("第%(row)d行：每栋单元数不能超过%(max)d")),
        "households": (_("第%(row)d行：每单元户数必须是正整数"), _("第%(row)d行：每单元户数不能超过%(max)d")),
    }


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def parse_boundary(text: str) -> tuple[dict, tuple[float, float]]:
    """A GeoJSON Polygon/MultiPolygon (or a Feature holding one) → (geometry, (centroid lat, centroid lng)).

    The centroid is the mean of the outer ring vertices (all outer rings for a MultiPolygon; a closing vertex that
    repeats the first is counted once). Raises ValueError with a translated reason."""
    try:
        geometry = json.loads(text)
    except ValueError as exc:
        raise ValueError(_("无法解析 JSON")) from exc
    if isinstance(geometry, dict) and geometry.get("type") == "Feature":
        geometry = geometry.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValueError(_("几何类型必须是 Polygon 或 MultiPolygon"))
    coordinates = geometry.get("coordinates")
    polygons = [coordinates] if geometry["type"] == "Polygon" else coordinates
    bad_shape = ValueError(_("坐标必须是由 [经度, 纬度] 数字组成的列表"))
    if not isinstance(polygons, list) or not polygons:
        raise bad_shape
    outer_vertices: list = []
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise bad_shape
        for index, ring in enumerate(polygon):
            if not isinstance(ring, list):
                raise bad_shape
            for position in ring:
                if (not isinstance(position, list) or len(position) not in (2, 3)
                        or not all(_is_number(v) for v in position)):
                    raise bad_shape
                if not (-180 <= position[0] <= 180 and -90 <= position[1] <= 90):
                    raise ValueError(_("经纬度超出范围（经度 -180～180，纬度 -90～90）"))
            vertices = ring[:-1] if len(ring) > 1 and ring[0] == ring[-1] else ring
            if len(vertices) < 3:
                raise ValueError(_("每个环至少需要 3 个不同的顶点"))
            if index == 0:
                outer_vertices.extend(vertices)
    lng = sum(p[0] for p in outer_vertices) / len(outer_vertices)
    lat = sum(p[1] for p in outer_vertices) / len(outer_vertices)
    return {"type": geometry["type"], "coordinates": coordinates}, (round(lat, 7), round(lng, 7))


def _split_aliases(text: str, name: str) -> list[str]:
    aliases: list[str] = []
    for part in ALIAS_SEPARATORS.split(text):
        alias = part.strip()
        if alias and alias != name and alias not in aliases:
            aliases.append(alias)
    return aliases


def parse_table(table: list[list]) -> ParsedTable:
    """Check every row; raise ImportFileError when the header row lacks a required column."""
    header_index = next((i for i, cells in enumerate(table) if any(_text(c) for c in cells)), None)
    if header_index is None:
        raise ImportFileError(_("文件是空的"))
    columns: dict[str, int] = {}
    for index, cell in enumerate(table[header_index]):
        attribute = COLUMNS.get(_text(cell).lstrip("\ufeff").strip())
        if attribute and attribute not in columns:
            columns[attribute] = index
    missing = [header for header in REQUIRED_HEADERS if COLUMNS[header] not in columns]
    if missing:
        raise ImportFileError(_("缺少必需的列：%(columns)s（表头应包含：%(headers)s）") % {
            "columns": "、".join(missing), "headers": "、".join(HEADERS)})

    rows: list[CompoundRow] = []
    errors: list[tuple[int, str]] = []
    seen: dict[tuple[str, str, str], CompoundRow] = {}
    rows_read = 0
    for index in range(header_index + 1, len(table)):
        cells = table[index]
        raw = {attr: (cells[col] if col < len(cells) else "") for attr, col in columns.items()}
        if not any(_text(value) for value in raw.values()):
            continue  # empty rows are skipped silently
        rows_read += 1
        number = index + 1
        parsed, row_errors = _parse_row(number, raw)
        if parsed is not None:
            first = seen.get(parsed.key)
            if first is None:
                seen[parsed.key] = parsed
                rows.append(parsed)
            elif not first.same_data(parsed):
                row_errors.append(_("第%(row)d行：院落“%(name)s”与第%(first)d行重复，且数据不一致") % {
                    "row": number, "name": parsed.name, "first": first.row})
            # an exact repeat of an earlier row is harmless and skipped
        errors.extend((number, message) for message in row_errors)
    return ParsedTable(rows=rows, errors=errors, rows_read=rows_read)


def _parse_row(number: int, raw: dict) -> tuple[CompoundRow | None, list[str]]:
    errors: list[str] = []
    ctx = {"row": number}
    street, community, name = _text(raw.get("street")), _text(raw.get("community")), _text(raw.get("compound"))
    if not street:
        errors.append(_("第%(row)d行：街道不能为空") % ctx)
    if not community:
        errors.append(_("第%(row)d行：社区不能为空") % ctx)
    if not name:
        errors.append(_("第%(row)d行：院落不能为空") % ctx)
    for value in (street, community, name):
        if len(value) > NAME_MAX:
            errors.append(_("第%(row)d行：名称“%(value)s”超过%(max)d个字") % {**ctx, "value": value, "max": NAME_MAX})

    aliases = _split_aliases(_text(raw.get("aliases")), name)
    for alias in aliases:
        if len(alias) > ALIAS_MAX:
            errors.append(_("第%(row)d行：别名“%(value)s”超过%(max)d个字") % {**ctx, "value": alias, "max": ALIAS_MAX})

    kind_text = _text(raw.get("kind"))
    compound_kind = KIND_NAMES.get(kind_text, None) if kind_text else CompoundKind.RESIDENTIAL
    if compound_kind is None:
        errors.append(_("第%(row)d行：类型“%(value)s”无法识别，应为住宅小区、小区、宿舍或商圈") % {
            **ctx, "value": kind_text})

    counts: dict[str, int] = {}
    for attribute, (not_integer, too_big) in _count_messages().items():
        value = _count(raw.get(attribute))
        if value is None:
            errors.append(not_integer % ctx)
        elif value > LIMITS[attribute]:
            errors.append(too_big % {**ctx, "max": LIMITS[attribute]})
        else:
            counts[attribute] = value

    company = _text(raw.get("property_company"))
    if len(company) > COMPANY_MAX:
        errors.append(_("第%(row)d行：物业公司名称超过%(max)d个字") % {**ctx, "max": COMPANY_MAX})

    boundary = centroid = None
    boundary_text = _text(raw.get("boundary"))
    if boundary_text:
        try:
            boundary, centroid = parse_boundary(boundary_text)
        except ValueError as exc:
            errors.append(_("第%(row)d行：边界不是有效的 GeoJSON（%(reason)s）") % {**ctx, "reason": exc})

    if errors:
        return None, errors
    return CompoundRow(row=number, street=street, community=community, name=name, aliases=tuple(aliases),
                       compound_kind=compound_kind, property_company=company, boundary=boundary,
                       centroid=centroid, **counts), []


def _limit_to_scope(rows: list[CompoundRow], scope_path: str) -> tuple[list[CompoundRow], list[tuple[int, str]]]:
    """Only streets that already exist inside the acting user's scope may be imported into."""
    names = {row.street for row in rows}
    allowed = set(Place.objects.filter(kind=PlaceKind.STREET, name__in=names, path__startswith=scope_path)
                  .values_list("name", flat=True))
    kept, errors = [], []
    for row in rows:
        if row.street in allowed:
            kept.append(row)
        else:
            errors.append((row.row, _("第%(row)d行：街道“%(name)s”不在您的管辖范围内") % {
                "row": row.row, "name": row.street}))
    return kept, errors


# ---------------------------------------------------------------------------------------------------- writing


def room_name(index: int) -> str:
    """The index-th household of a unit (0-based), two per floor: 101, 102, 201, 202 ..."""
    floor = index // 2 + 1
    return str(floor * 100 + index % 2 + 1)


def _building_specs(row: CompoundRow) -> list[NodeSpec]:
    if not row.buildings:
        return []
    # specs are only read by subtree_ensure, so one list of households serves every unit
    households = [NodeSpec(PlaceKind.HOUSEHOLD, room_name(i)) for i in range(row.households)]
    units = [NodeSpec(PlaceKind.UNIT, f"{u}单元", children=households) for u in range(1, row.units + 1)]
    return [NodeSpec(PlaceKind.BUILDING, f"{b}号楼", children=units) for b in range(1, row.buildings + 1)]


def places_import(*, source: bytes | str | Path, filename: str = "", user=None, scope_path: str | None = None,
                  progress: Callable[[int, int], None] | None = None) -> ImportResult:
    """Read, check and write a gazetteer file. `scope_path` (None = no limit) restricts rows to existing streets
    inside that scope; `progress(done, total)` is called as rows are written. Raises ImportFileError when the
    file cannot be used at all."""
    parsed = parse_table(read_table(source, filename))
    rows, errors = parsed.rows, list(parsed.errors)
    if scope_path is not None:
        rows, scope_errors = _limit_to_scope(rows, scope_path)
        errors.extend(scope_errors)
    errors.sort(key=lambda item: item[0])
    result = ImportResult(rows_read=parsed.rows_read, errors=errors)
    with transaction.atomic():
        _write(rows, result, progress)
        audit_record(action="places.import", user=user, object_type="places.place", detail={
            "file": filename or (Path(source).name if isinstance(source, str | Path) else ""),
            **result.summary(),
            "error_row_numbers": result.error_rows[:200],
        })
    return result


def _write(rows: list[CompoundRow], result: ImportResult, progress) -> None:
    grouped: dict[str, dict[str, list[CompoundRow]]] = {}
    for row in rows:
        grouped.setdefault(row.street, {}).setdefault(row.community, []).append(row)
    streets: dict[str, Place] = {}
    for node in Place.objects.filter(depth=1, kind=PlaceKind.STREET, name__in=list(grouped)).order_by("path"):
        streets.setdefault(node.name, node)

    wanted_aliases: list[tuple[Place, tuple[str, ...]]] = []
    done, total = 0, len(rows)
    for street_name, communities in grouped.items():
        street = streets.get(street_name)
        if street is None:
            street = Place.objects.add_root({"kind": PlaceKind.STREET, "name": street_name})
            result.places_created += 1
        ensured = subtree_ensure(street, [NodeSpec(PlaceKind.COMMUNITY, name) for name in communities])
        result.places_created += ensured.created
        # the street's existing compounds with all their fields, to tell created / updated / unchanged apart
        existing = {
            (Place.parent_path_of(node.path), node.name): node
            for node in Place.objects.filter(path__startswith=street.path, depth=street.depth + 2,
                                             kind=PlaceKind.COMPOUND)
        }
        for community_name, community_rows in communities.items():
            community = ensured.nodes[(street.path, community_name)]
            specs = []
            for row in community_rows:
                values = row.fields()
                old = existing.get((community.path, row.name))
                changed = old is not None and any(getattr(old, key) != value for key, value in values.items())
                if old is None:
                    result.compounds_created += 1
                elif changed:
                    result.compounds_updated += 1
                # update only what changed: unchanged compounds cost subtree_ensure no field reads
                specs.append(NodeSpec(PlaceKind.COMPOUND, row.name, fields=values, update=changed,
                                      children=_building_specs(row)))
            grown = subtree_ensure(community, specs)
            result.places_created += grown.created
            for row in community_rows:
                if row.aliases:
                    wanted_aliases.append((grown.nodes[(community.path, row.name)], row.aliases))
            done += len(community_rows)
            if progress is not None:
                progress(done, total)
    result.aliases_added = _aliases_ensure(wanted_aliases)


def _aliases_ensure(wanted: list[tuple[Place, tuple[str, ...]]], chunk: int = 500) -> int:
    if not wanted:
        return 0
    missing_pk = [node.path for node, _aliases in wanted if node.pk is None]
    if missing_pk:  # databases that do not return ids from bulk inserts
        ids = dict(Place.objects.filter(path__in=missing_pk).values_list("path", "id"))
        for node, _aliases in wanted:
            if node.pk is None:
                node.pk = ids[node.path]
    place_ids = [node.pk for node, _aliases in wanted]
    have: set[tuple[int, str]] = set()
    for start in range(0, len(place_ids), chunk):
        have.update(PlaceAlias.objects.filter(place_id__in=place_ids[start:start + chunk])
                    .values_list("place_id", "name"))
    new: list[PlaceAlias] = []
    for node, aliases in wanted:
        for alias in aliases:
            if (node.pk, alias) not in have:
                have.add((node.pk, alias))
                new.append(PlaceAlias(place_id=node.pk, name=alias))
    PlaceAlias.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    return len(new)


# ---------------------------------------------------------------------------------------------------- template


def build_template() -> bytes:
    """The downloadable 区划导入模板.xlsx: headers, two example rows and a sheet of instructions."""
    buffer = io.BytesIO()
    workbook = exports.xlsx_workbook(buffer)
    sheet = workbook.add_worksheet(_("区划"))
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    for column, header in enumerate(HEADERS):
        sheet.write_string(0, column, header, bold)
    for row, example in enumerate(TEMPLATE_EXAMPLES, start=1):
        for column, value in enumerate(example):
            if isinstance(value, int):
                sheet.write_number(row, column, value)
            elif value:
                sheet.write_string(row, column, value)
    for column, width in enumerate([12, 12, 18, 26, 10, 8, 10, 10, 22, 60]):
        sheet.set_column(column, column, width)
    sheet.freeze_panes(1, 0)

    notes = workbook.add_worksheet(_("填写说明"))
    notes.set_column(0, 0, 14)
    notes.set_column(1, 1, 90)
    lines = [
        ("街道", _("必填。街道名称，如“明水街道”。")),
        ("社区", _("必填。社区名称。")),
        ("院落", _("必填。院落（小区、宿舍、商圈）名称；一行一个院落。")),
        ("别名", _("选填。多个别名用“；”“;”“、”“,”或“，”分隔。")),
        ("类型", _("选填。住宅小区（或小区）、宿舍、商圈；留空为住宅小区。")),
        ("楼栋数", _("选填。正整数，不超过 200；留空则不生成楼栋。楼栋命名为“1号楼”“2号楼”……")),
        ("每栋单元数", _("选填。正整数，不超过 20。单元命名为“1单元”“2单元”……")),
        ("每单元户数", _("选填。正整数，不超过 200。每层两户，户号为 101、102、201、202……")),
        ("物业公司", _("选填。")),
        ("边界", _("选填。GeoJSON 的 Polygon/MultiPolygon（或含其几何的 Feature），坐标为 [经度, 纬度]。")),
        ("", _("重复导入同一文件不会产生重复数据：已有院落按名称匹配并更新，缺少的楼栋、单元、户会补齐，不会删除任何数据。")),
    ]
    for row, (header, text) in enumerate(lines):
        notes.write_string(row, 0, header, bold if header else None)
        notes.write_string(row, 1, str(text))
    workbook.close()
    return buffer.getvalue()
