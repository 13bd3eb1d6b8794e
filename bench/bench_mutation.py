"""Mutation testing of the safety-critical modules with mutmut: the kill rate per module, beside a baseline.

mutmut changes the code, so it never runs in this tree: the tree (weizhili/, tests/, pyproject.toml) is copied
to a temporary folder, mutmut is configured there and run on SQLite with only the tests that can reach the
targets; the folder is removed afterwards (--keep keeps it, to `mutmut show NAME` a survivor there).

Targets: data scope (weizhili/places/scope.py, or weizhili/accounts/scope.py in trees before the move), masking,
the audit chain (chain.py and the digest part of audit/services.py: recording and verifying), the case
workflow table and guard, and the deadline calendar.

Baseline, in the same run: the same targets and tool on the tree of --baseline-ref (default: the commit before
the mutation-killing tests were added), i.e. the kill rate of the test set as it was.

    .venv/bin/python bench/bench_mutation.py                      # current tree, and the baseline
    .venv/bin/python bench/bench_mutation.py --no-baseline --survivors
    .venv/bin/python bench/bench_mutation.py --only masking,chain

A mutant is *killed* when a test fails (or times out) with it, *survived* when every test reaching it passes,
*timeout* when the tests run past mutmut's limit with it (counted as killed), and *no tests* when no selected
test runs its function. Kill rate = (killed + timeout) / all mutants of the module.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE_REF = "cbb89a1"  # main before "Tests that bite"


@dataclass(frozen=True)
class Target:
    name: str
    paths: tuple[str, ...]  # the first that exists in the tree is used
    tests: tuple[str, ...]  # the tests that speak for this module (those missing from a tree are left out)
    functions: tuple[str, ...] = ()  # only mutants of these functions count (empty: all)


CALENDAR_TESTS = ("tests/calendar",)
TARGETS = (
    Target("scope", ("weizhili/places/scope.py", "weizhili/accounts/scope.py"),
           ("tests/accounts_scope", "tests/accounts/test_registry.py", "tests/places/test_scope_helpers.py")),
    Target("masking", ("weizhili/people/masking.py",), ("tests/people",)),
    Target("chain", ("weizhili/audit/chain.py",), ("tests/audit",)),
    Target("audit digest", ("weizhili/audit/services.py",), ("tests/audit",), ("_stamp", "audit_record", "audit_verify")),
    Target("workflow", ("weizhili/cases/workflow.py",),
           ("tests/cases/test_workflow_guard.py", "tests/cases/test_loop.py")),
    Target("calendar/days", ("weizhili/calendar/days.py",), CALENDAR_TESTS),
    Target("calendar/clock", ("weizhili/calendar/clock.py",), CALENDAR_TESTS),
    Target("calendar/cards", ("weizhili/calendar/cards.py",), CALENDAR_TESTS),
    Target("calendar/months", ("weizhili/calendar/months.py",), CALENDAR_TESTS),
)

KILLED = {1, 3, 37}  # a failing test, a pytest error
TIMEOUT = {36, -24, 24, 152, 255}  # counted as killed (a mutant that never ends is caught), shown apart
SURVIVED = {0}
NO_TESTS = {5, 33}


def _copy_worktree(dest: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "vendor")
    for name in ("weizhili", "tests"):
        shutil.copytree(ROOT / name, dest / name, ignore=ignore)
    shutil.copy2(ROOT / "pyproject.toml", dest / "pyproject.toml")


def _copy_ref(ref: str, dest: Path) -> None:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", ref, "weizhili", "tests",
                              "pyproject.toml"], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")


def _configure(tree: Path, targets: list[tuple[Target, str]]) -> None:
    pyproject = tree / "pyproject.toml"
    text = pyproject.read_text("utf-8").split("\n[tool.mutmut]")[0]
    tests = sorted({t for target, _p in targets for t in target.tests if (tree / t).exists()})
    config = (
        "\n[tool.mutmut]\n"
        'source_paths = ["weizhili"]\n'
        f"only_mutate = {json.dumps([path for _t, path in targets])}\n"
        f"pytest_add_cli_args_test_selection = {json.dumps(tests)}\n"
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "-W", "ignore"]\n'
        # every pytest session in a fresh process forked from a server: an in-memory SQLite test database
        # left by one session (its triggers lifted by a transactional test) never leaks into the next
        'process_isolation = "forkserver"\n'
        # each pytest session migrates a fresh test database first (seconds on a busy machine), which mutmut's
        # estimate from the test durations alone leaves out: without this, slow starts count as timeouts
        "timeout_constant = 4.0\n"
    )
    pyproject.write_text(text.rstrip("\n") + "\n" + config, "utf-8")


def _mutant_function(key: str) -> str:
    # weizhili.people.masking.x_mask_phone__mutmut_3, weizhili.calendar.clock.xǁWorkCalendarǁwalk__mutmut_1
    head = key.rsplit("__mutmut_", 1)[0].rsplit(".", 1)[-1]
    return head.split("ǁ")[-1] if "ǁ" in head else head.removeprefix("x_")


def _targets(tree: Path) -> list[tuple[Target, str]]:
    targets = []
    for target in TARGETS:
        path = next((p for p in target.paths if (tree / p).exists()), None)
        if path is not None:
            targets.append((target, path))
    return targets


def _groups(tree: Path) -> list[list[tuple[Target, str]]]:
    """Targets that share their tests are mutated in one mutmut run; each group gets its own run."""
    groups: dict[tuple[str, ...], list[tuple[Target, str]]] = {}
    for target, path in _targets(tree):
        groups.setdefault(target.tests, []).append((target, path))
    return list(groups.values())


def run_all(source: Path, *, children: int, label: str) -> tuple[dict[str, Counter], dict[str, list[str]], float]:
    """One mutmut run per group of targets, each in its own copy of `source`."""
    counts: dict[str, Counter] = {}
    survivors: dict[str, list[str]] = {}
    elapsed = 0.0
    for i, group in enumerate(_groups(source)):
        tree = source.parent / f"{source.name}-{i}"
        shutil.copytree(source, tree)
        seconds = run(tree, group, children=children, label=f"{label}, {', '.join(t.name for t, _p in group)}")
        group_counts, group_survivors = collect(tree)
        counts.update(group_counts)
        survivors.update(group_survivors)
        elapsed += seconds
    return counts, survivors, elapsed


def _mutant_patterns(targets: list[tuple[Target, str]]) -> list[str]:
    """mutmut's name patterns for the mutants that count: where a target counts only some functions, the others
    of its file (e.g. audit_purge beside the digest) are not run at all, rather than run and left out."""
    if not any(target.functions for target, _p in targets):
        return []  # all of them: mutmut's own default
    patterns = []
    for target, path in targets:
        module = path.removesuffix(".py").replace("/", ".")
        if not target.functions:
            patterns.append(f"{module}.*")
        for function in target.functions:
            patterns += [f"{module}.x_{function}__mutmut_*", f"{module}.x*ǁ{function}__mutmut_*"]
    return patterns


def run(tree: Path, targets: list[tuple[Target, str]], *, children: int, label: str) -> float:
    _configure(tree, targets)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_URL")}
    env.update(DJANGO_SETTINGS_MODULE="weizhili.settings.test", WEIZHILI_VAR_DIR=str(tree / "var"))
    started = time.perf_counter()
    log = tree / "mutmut.log"
    with log.open("w") as out:
        done = subprocess.run([sys.executable, "-m", "mutmut", "run", "--max-children", str(children),
                               *_mutant_patterns(targets)], cwd=tree, env=env, stdout=out, stderr=subprocess.STDOUT)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{label}: mutmut failed (exit {done.returncode}); the end of {log}:\n"
                 + log.read_text(errors="replace")[-3000:])
    return elapsed


def collect(tree: Path) -> tuple[dict[str, Counter], dict[str, list[str]]]:
    """Count the results mutmut left in `tree`/mutants, per target it mutated."""
    counts: dict[str, Counter] = {}
    survivors: dict[str, list[str]] = {}
    for target, path in _targets(tree):
        if not (tree / "mutants" / f"{path}.meta").exists():
            continue
        meta = json.loads((tree / "mutants" / f"{path}.meta").read_text("utf-8"))
        tally: Counter = Counter()
        for key, code in meta["exit_code_by_key"].items():
            if code is None:  # not tested (an interrupted run)
                continue
            if target.functions and _mutant_function(key) not in target.functions:
                continue
            kind = ("killed" if code in KILLED else "timeout" if code in TIMEOUT else "survived" if code in SURVIVED
                    else "no tests" if code in NO_TESTS else "other")
            tally[kind] += 1
            tally["mutants"] += 1
            if kind != "killed":
                survivors.setdefault(target.name, []).append(f"{key} ({kind})")
        counts[target.name] = tally
    return counts, survivors


def _rate(tally: Counter | None) -> str:
    if not tally or not tally["mutants"]:
        return "—"
    return f"{(tally['killed'] + tally['timeout']) / tally['mutants']:.1%} of {tally['mutants']}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline-ref", default=BASELINE_REF, help="git ref of the baseline tree")
    parser.add_argument("--ref", help="measure the tree of this git ref instead of the working tree")
    parser.add_argument("--no-baseline", action="store_true", help="measure the current tree only")
    parser.add_argument("--only", help="comma-separated target names (scope, masking, chain, ...)")
    parser.add_argument("--children", type=int, default=2, help="mutants tested at once (default 2)")
    parser.add_argument("--survivors", action="store_true", help="list every mutant not killed")
    parser.add_argument("--keep", action="store_true", help="keep the temporary trees and print where")
    parser.add_argument("--report", metavar="TREE", type=Path,
                        help="only print the results kept by an earlier run (--keep prints the folder)")
    args = parser.parse_args()
    if args.only:
        wanted = set(args.only.split(","))
        global TARGETS
        TARGETS = tuple(t for t in TARGETS if t.name in wanted)

    trees = []
    before: dict[str, Counter] = {}
    if args.report:
        now, survivors = {}, {}
        for tree in sorted(args.report.glob("tree-*")):
            group_counts, group_survivors = collect(tree)
            now.update(group_counts)
            survivors.update(group_survivors)
        now_s = 0.0
        args.no_baseline = True
    try:
        if not args.report:
            trees.append(Path(tempfile.mkdtemp(prefix="weizhili-mutation-")))
            current = trees[-1] / "tree"
            current.mkdir()
            _copy_ref(args.ref, current) if args.ref else _copy_worktree(current)
            now, survivors, now_s = run_all(current, children=args.children, label=args.ref or "working tree")
        if not args.no_baseline:
            trees.append(Path(tempfile.mkdtemp(prefix="weizhili-mutation-base-")))
            base = trees[-1] / "tree"
            base.mkdir()
            _copy_ref(args.baseline_ref, base)
            before, _s, base_s = run_all(base, children=args.children, label=f"baseline {args.baseline_ref}")
    finally:
        if args.keep:
            print("trees kept:", *trees)
        else:
            for tree in trees:
                shutil.rmtree(tree, ignore_errors=True)

    print(f"mutmut over the safety-critical modules of {args.ref or 'the working tree'}, each with its own tests "
          "(SQLite)")
    print(f"{'module':<16}{'mutants':>8}{'killed':>8}{'timeout':>8}{'survived':>9}{'no tests':>9}{'other':>6}"
          f"  {'kill rate':<18}baseline {'' if args.no_baseline else args.baseline_ref}")
    total: Counter = Counter()
    total_before: Counter = Counter()
    for target in TARGETS:
        tally = now.get(target.name, Counter())
        total.update(tally)
        total_before.update(before.get(target.name, Counter()))
        print(f"{target.name:<16}{tally['mutants']:>8}{tally['killed']:>8}{tally['timeout']:>8}{tally['survived']:>9}"
              f"{tally['no tests']:>9}{tally['other']:>6}  {_rate(tally):<18}{_rate(before.get(target.name))}")
    print(f"{'all':<16}{total['mutants']:>8}{total['killed']:>8}{total['timeout']:>8}{total['survived']:>9}"
          f"{total['no tests']:>9}"
          f"{total['other']:>6}  {_rate(total):<18}{_rate(total_before) if before else '—'}")
    print(f"time: {now_s:.0f} s" + ("" if args.no_baseline else f"; baseline {base_s:.0f} s"))
    if args.survivors:
        for name, keys in survivors.items():
            print(f"\n{name}: {len(keys)} not killed")
            for key in keys:
                print("  ", key)


if __name__ == "__main__":
    main()
