"""Address matching: `Gazetteer.match` against a bare Aho-Corasick `iter` scan over the same strings (the floor).

Prints addresses per second for both, one core, same run. Target: >= 300,000 matches/s.
    .venv/bin/python bench/bench_address.py            # 300,000 addresses
    .venv/bin/python bench/bench_address.py 100000     # fewer
If the target is missed, the top functions of a cProfile run are printed.
"""

from __future__ import annotations

import cProfile
import pstats
import random
import sys
import time
from collections import Counter

from weizhili.text.address import Gazetteer, normalise

TARGET = 300_000

COMMUNITIES = ["龙泉", "香港街", "明水", "绣水", "东山", "汇泉", "凤凰", "双山", "埠村", "枣园", "文祖",
               "官庄", "白云", "北苑", "南苑"]
HEADS = ["君临", "锦绣", "金色", "阳光", "翡翠", "碧水", "明珠", "世纪", "书香", "御景", "绿地", "万科", "恒大",
         "银座", "鲁能", "中海", "华润", "丽景", "凯旋", "紫薇", "泉城", "清华", "水岸", "东方", "西城", "富力",
         "华府", "龙湖", "宏泰", "佳和"]
TAILS = ["天下", "花园", "家园", "名城", "华庭", "雅苑", "新城", "府邸", "名居", "丽苑", "嘉园", "公馆", "湾",
         "首府", "国际"]
STREET_PREFIXES = ["", "", "济南市章丘区明水街道", "章丘区明水街道", "山东省济南市章丘区", "明水街道"]
VAGUE = ["香港街商圈东头", "百脉泉公园北门对面", "汽车站附近", "不详", "", "12345转来", "一中西侧路口",
         "具体位置见描述", "菜市场旁边"]


def gazetteer_data(seed: int = 7) -> tuple[list[tuple[int, str, str, int | None]], list[tuple[int, str]],
                                           dict[int | str, dict[int, int | str]]]:
    rng = random.Random(seed)
    places: list[tuple[int, str, str, int | None]] = []
    aliases: list[tuple[int, str]] = []
    buildings: dict[int | str, dict[int, int | str]] = {}
    for i, name in enumerate(COMMUNITIES):
        places.append((i + 1, "community", f"{name}社区", None))
    names: set[str] = set()
    next_building = 100_000
    while len(names) < 120:
        name = rng.choice(HEADS) + rng.choice(TAILS)
        if name in names:
            continue
        names.add(name)
        pid = 1000 + len(names)
        community = rng.randrange(len(COMMUNITIES)) + 1
        places.append((pid, "compound", name + rng.choice(["小区", "", ""]), community))
        alias_pool = [name, name[:2] + "小区", name[:2] + name[-1], "老" + name[:2], name + "东区", name + "二期"]
        for alias in rng.sample(alias_pool, rng.randint(1, 3)):
            aliases.append((pid, alias))
        buildings[pid] = {}
        for b in range(1, rng.randint(12, 30)):
            buildings[pid][b] = next_building
            next_building += 1
    return places, aliases, buildings


def typo(name: str, rng: random.Random) -> str:
    i = rng.randrange(len(name))
    return name[:i] + rng.choice("林金锦绿园苑城") + name[i + 1:]


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def addresses(places: list[tuple[int, str, str, int | None]], aliases: list[tuple[int, str]], n: int,
              seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    communities = {pid: name for pid, kind, name, _ in places if kind == "community"}
    compounds = [(pid, name, parent) for pid, kind, name, parent in places if kind == "compound"]
    alias_of: dict[int, list[str]] = {}
    for pid, alias in aliases:
        alias_of.setdefault(pid, []).append(alias)
    out: list[str] = []
    for _ in range(n):
        pid, name, parent = rng.choice(compounds)
        shown = rng.choice([name, name, *alias_of.get(pid, [])])
        b, u, r = rng.randint(1, 12), rng.randint(1, 4), rng.randint(1, 26) * 100 + rng.randint(1, 4)
        form = rng.random()
        if form < 0.30:
            parent_name = communities[parent] if parent is not None else ""
            out.append(f"{rng.choice(STREET_PREFIXES)}{parent_name}{shown}{b}号楼{u}单元{r}")
        elif form < 0.45:
            out.append(f"{shown}{b}#{u}-{r}")
        elif form < 0.55:
            out.append(full_width(f"{shown}{b}#{u}-{r}"))
        elif form < 0.65:
            out.append(f"{shown}{b}栋{u}单元{r}室")
        elif form < 0.72:
            out.append(f"{rng.choice(STREET_PREFIXES)}{shown}{b}-{u}-{r}")
        elif form < 0.80:
            cn = "一二三四五六七八九"
            out.append(f"{shown}{cn[b % 9]}号楼{cn[u % 9]}单元")
        elif form < 0.86:
            out.append(f"{shown} {b}幢 {r}户")
        elif form < 0.90:
            out.append(f"{typo(name, rng)}{b}号楼{u}单元{r}")  # a typo: the fuzzy path
        elif form < 0.93:
            out.append(f"{shown}门口")
        else:
            out.append(rng.choice(VAGUE))  # nothing to find
    return out


def main(n: int = 300_000) -> None:
    import ahocorasick  # type: ignore[import-not-found,unused-ignore]

    places, aliases, buildings = gazetteer_data()
    gaz = Gazetteer(places, aliases, buildings)
    texts = addresses(places, aliases, n)

    # Baseline (the floor): one bare Aho-Corasick scan over the same raw strings, same keys.
    bare = ahocorasick.Automaton()
    for _, _, name, _ in places:
        bare.add_word(normalise(name), name)
    for _, alias in aliases:
        bare.add_word(normalise(alias), alias)
    bare.make_automaton()
    scan = bare.iter
    started = time.perf_counter()
    for text in texts:
        for _ in scan(text):
            pass
    bare_s = time.perf_counter() - started

    match = gaz.match
    started = time.perf_counter()
    results = [match(text) for text in texts]
    match_s = time.perf_counter() - started

    bands = Counter(m.band for m in results)
    sources = Counter(m.source for m in results)
    rate = n / match_s
    print(f"addresses: {n:,}  gazetteer: {len(places)} places, {len(aliases)} aliases")
    print(f"bare Aho-Corasick iter:  {n / bare_s:>12,.0f} addresses/s  ({bare_s:.3f} s)")
    print(f"Gazetteer.match:         {rate:>12,.0f} addresses/s  ({match_s:.3f} s)  target {TARGET:,}/s "
          f"-> {'met' if rate >= TARGET else 'MISSED'}")
    print(f"bands: {dict(bands)}  sources: {dict(sources)}")
    print(f"with building: {sum(m.building_no is not None for m in results) / n:.1%}  "
          f"with compound: {sum(m.compound_id is not None for m in results) / n:.1%}")
    if rate < TARGET:
        profiler = cProfile.Profile()
        profiler.enable()
        for text in texts[:50_000]:
            match(text)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(12)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300_000)
