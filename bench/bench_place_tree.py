"""Growing the place tree: set-based `subtree_ensure` against treebeard's per-node `add_child` (the baseline).

Prints nodes per second for both, measured in the same run on the same database.
    .venv/bin/python bench/bench_place_tree.py                     # SQLite (in memory)
    TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/bench_place_tree.py
"""
import time

from _django import test_database


def main(households_per_unit: int = 24, buildings: int = 40, baseline_nodes: int = 2000) -> None:
    with test_database() as connection:
        from weizhili.places.models import Place, PlaceKind
        from weizhili.places.treeops import NodeSpec, subtree_ensure

        street = Place.objects.add_root({"kind": PlaceKind.STREET, "name": "基准街道"})
        community = Place.objects.add_child(street, {"kind": PlaceKind.COMMUNITY, "name": "基准社区"})

        def compound(name: str) -> NodeSpec:
            return NodeSpec(PlaceKind.COMPOUND, name, children=[
                NodeSpec(PlaceKind.BUILDING, f"{b}号楼", children=[
                    NodeSpec(PlaceKind.UNIT, f"{u}单元", children=[
                        NodeSpec(PlaceKind.HOUSEHOLD, f"{h + 101}") for h in range(households_per_unit)])
                    for u in range(1, 3)])
                for b in range(1, buildings + 1)])

        specs = [compound(f"小区{i}") for i in range(10)]
        started = time.perf_counter()
        created = subtree_ensure(community, specs).created
        bulk_s = time.perf_counter() - started
        started = time.perf_counter()
        again = subtree_ensure(community, specs).created
        rerun_s = time.perf_counter() - started

        # Baseline: treebeard's own API, one node at a time, on a sample.
        target = Place.objects.add_child(community, {"kind": PlaceKind.COMPOUND, "name": "逐个小区"})
        started = time.perf_counter()
        made = 0
        building = None
        while made < baseline_nodes:
            if made % 50 == 0:
                building = Place.objects.add_child(target, {"kind": PlaceKind.BUILDING, "name": f"{made}号楼"})
            else:
                Place.objects.add_child(building, {"kind": PlaceKind.UNIT, "name": f"{made}单元"})
            made += 1
        naive_s = time.perf_counter() - started

        vendor = connection.vendor
        print(f"database: {vendor}")
        print(f"subtree_ensure (bulk):     {created:>7} nodes in {bulk_s:6.2f} s = {created / bulk_s:>9,.0f} nodes/s")
        print(f"subtree_ensure (re-run):   {again:>7} new   in {rerun_s:6.2f} s (idempotent check of {created} nodes)")
        print(f"baseline add_child loop:   {made:>7} nodes in {naive_s:6.2f} s = {made / naive_s:>9,.0f} nodes/s")
        print(f"speed-up: {(created / bulk_s) / (made / naive_s):.0f}x")


if __name__ == "__main__":
    main()
