"""Set-based growth of the place tree.

treebeard's `add_child` costs a few queries per node; a street has ~20,000 households, so the importer and the
demo compute materialised paths in Python and write each batch with one `bulk_create`. Paths need no parent
foreign key, so a whole subtree can be laid out in memory first.
"""
from dataclasses import dataclass, field

from .models import Place


@dataclass
class NodeSpec:
    """A wanted node: matched to an existing child by name, else created. `fields` apply to new nodes only
    unless `update` is set."""

    kind: str
    name: str
    fields: dict = field(default_factory=dict)
    children: list["NodeSpec"] = field(default_factory=list)
    update: bool = False


@dataclass
class EnsureResult:
    created: int = 0
    updated: int = 0
    nodes: dict[tuple[str, str], Place] = field(default_factory=dict)  # (parent path, name) -> node


def _child_path(parent_path: str, depth: int, step: int) -> str:
    return Place._get_path(parent_path, depth, step)


def subtree_ensure(parent: Place | None, specs: list[NodeSpec], *, batch_size: int = 2000) -> EnsureResult:
    """Make sure every spec exists under `parent` (None = root level), creating what is missing.

    Reads the existing subtree with one prefix query, writes new nodes with bulk_create and fixes the
    `numchild` counters with one bulk_update. Nothing is ever deleted.
    """
    result = EnsureResult()
    base_path = parent.path if parent else ""
    base_depth = parent.depth if parent else 0
    existing_qs = Place.objects.filter(path__startswith=base_path) if parent else Place.objects.all()
    existing = list(existing_qs)
    by_parent_name: dict[tuple[str, str], Place] = {}
    last_step: dict[str, int] = {}
    by_path: dict[str, Place] = {}
    for node in existing:
        by_path[node.path] = node
        ppath = Place.parent_path_of(node.path)
        by_parent_name[(ppath, node.name)] = node
        last_step[ppath] = max(last_step.get(ppath, 0), Place._str2int(node.path[-Place.steplen:]))

    new_nodes: list[Place] = []
    to_update: dict[int, Place] = {}
    added_children: dict[str, int] = {}

    def walk(ppath: str, depth: int, items: list[NodeSpec]) -> None:
        for spec in items:
            node = by_parent_name.get((ppath, spec.name))
            if node is None:
                step = last_step.get(ppath, 0) + 1
                last_step[ppath] = step
                node = Place(path=_child_path(ppath, depth, step), depth=depth, numchild=0,
                             kind=spec.kind, name=spec.name, **spec.fields)
                by_parent_name[(ppath, spec.name)] = node
                by_path[node.path] = node
                new_nodes.append(node)
                added_children[ppath] = added_children.get(ppath, 0) + 1
            elif spec.update and spec.fields:
                changed = False
                for key, value in spec.fields.items():
                    if getattr(node, key, None) != value:
                        setattr(node, key, value)
                        changed = True
                if changed and node.pk:
                    to_update[node.pk] = node
                    result.updated += 1
            result.nodes[(ppath, spec.name)] = node
            if spec.children:
                walk(node.path, depth + 1, spec.children)

    walk(base_path, base_depth + 1, specs)

    for ppath, count in added_children.items():
        holder = by_path.get(ppath) if ppath else None
        if holder is None and ppath == base_path and parent is not None:
            holder = parent
        if holder is not None:
            holder.numchild = (holder.numchild or 0) + count
            if holder.pk:
                to_update[holder.pk] = holder
    Place.objects.bulk_create(new_nodes, batch_size=batch_size)
    result.created = len(new_nodes)
    if to_update:
        update_fields = {"numchild"}
        for spec_fields in _all_update_fields(specs):
            update_fields |= spec_fields
        Place.objects.bulk_update(list(to_update.values()), sorted(update_fields), batch_size=batch_size)
    if parent is not None:
        parent.numchild = by_path.get(parent.path, parent).numchild
    return result


def _all_update_fields(specs: list[NodeSpec]):
    for spec in specs:
        if spec.update and spec.fields:
            yield set(spec.fields)
        yield from _all_update_fields(spec.children)
