"""Address -> place: the street's own community and compound names (and aliases) found by one Aho-Corasick scan,
building/unit/room read by one precompiled regex, rapidfuzz for typos, the description as a second source.

Pure Python, no Django: the caller builds a `Gazetteer` from plain rows it read from the place tree.

    gaz = Gazetteer(
        [(1, "community", "龙泉社区", None), (10, "compound", "君临天下小区", 1)],
        aliases=[(10, "君临天下")],
        buildings={10: {3: 100}}, units={100: {2: 1000}},
    )
    m = gaz.match("明水街道龙泉社区君临天下小区3号楼2单元501")
    m.compound_id, m.building_no, m.unit_no, m.room, m.band   # 10, 3, 2, '501', 'high'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Literal, NamedTuple

import ahocorasick  # type: ignore[import-not-found,unused-ignore]
from rapidfuzz import fuzz

from .numerals import CN_NUMERAL_CHARS, cn_to_int

PlaceId = int | str
Kind = Literal["community", "compound"]
Band = Literal["high", "medium", "low", "none"]
Source = Literal["address", "description", "fuzzy", ""]

COMMUNITY: Kind = "community"
COMPOUND: Kind = "compound"

# Confidence levels (0-1). Bands: high >= 0.85, medium >= 0.6, low > 0.
CONF_COMPOUND = 0.88  # one compound named, nothing to confirm or contradict it
CONF_CONFIRMED = 0.97  # ... and its own community named too
CONF_CONFLICT = 0.6  # ... but another community named
CONF_AMBIGUOUS = 0.4  # a name shared by several compounds
CONF_COMMUNITY_ONLY = 0.3  # only a community: the order still needs a compound
DESCRIPTION_FACTOR = 0.85  # found only in the description text
FUZZY_FACTOR = 0.75  # times the rapidfuzz score / 100
FUZZY_CUTOFF = 85.0
FUZZY_MIN_LEN = 4  # shorter names are not fuzzy-matched: one typo in three characters is another name

# Suffixes dropped to make a second, shorter key ("君临天下小区" is also found as "君临天下").
_COMPOUND_SUFFIXES = ("小区",)
_COMMUNITY_SUFFIXES = ("社区居委会", "居委会", "社区")

_N = rf"(?:\d{{1,6}}|[{CN_NUMERAL_CHARS}]{{1,6}})"
_SEP = r"[-—–~_/,，、]"
_ADDRESS_RE = re.compile(
    # 3-2-501, 3#2-501, 3号楼2-501, 3栋2单元-501
    rf"(?P<b1>{_N})(?:号楼|栋|幢|#楼|#|号|{_SEP})(?P<u1>{_N})(?:单元)?{_SEP}(?P<r1>\d{{1,6}})"
    # 3号楼, 3栋, 3幢, 3#楼, 3#, 3座, 3号(单元|楼) -- then optional unit and room
    rf"|(?P<b2>{_N})(?:号楼|栋|幢|#楼|#|座|号(?={_N}单元|楼))"
    rf"(?:{_SEP}?(?P<u2>{_N})单元)?(?:{_SEP}?(?P<r2>\d{{1,6}}|[{CN_NUMERAL_CHARS}]{{3,4}})(?:室|户|号)?)?"
    # 2单元501
    rf"|(?P<u3>{_N})单元(?:{_SEP}?(?P<r3>\d{{1,6}})(?:室|户|号)?)?"
    # 501室, 501户
    r"|(?P<r4>\d{1,6})(?:室|户)"
)


def normalise(text: str) -> str:
    """NFKC (full-width -> half-width, ideographic space -> space), lower-case latin, drop spaces and the middle
    dots of names like 万科·城市花园; Chinese stays. (Other punctuation is left: `str.translate` over CJK text
    costs more than the whole scan, and the building/unit/room regex accepts the separator variants.)"""
    return unicodedata.normalize("NFKC", text).lower().replace(" ", "").replace("·", "").replace("・", "")


def _to_int(token: str) -> int | None:
    if token[0] in CN_NUMERAL_CHARS:
        return cn_to_int(token)
    return int(token)


def band_for(confidence: float) -> Band:
    if confidence >= 0.85:
        return "high"
    if confidence >= 0.6:
        return "medium"
    if confidence > 0:
        return "low"
    return "none"


class Match(NamedTuple):
    compound_id: PlaceId | None = None
    community_id: PlaceId | None = None
    building_no: int | None = None
    unit_no: int | None = None
    room: str | None = None
    building_id: PlaceId | None = None
    unit_id: PlaceId | None = None
    confidence: float = 0.0
    band: Band = "none"
    source: Source = ""
    candidates: tuple[PlaceId, ...] = ()
    flags: tuple[str, ...] = ()  # "community_conflict", "ambiguous", "unknown_building", "community_only"
    matched: str = ""  # the normalised text that was recognised (a name, an alias, or the fuzzy choice)


NO_MATCH = Match()


class _Places(NamedTuple):
    """What one scan found, before the building/unit/room part."""

    compound_id: PlaceId | None
    community_id: PlaceId | None
    confidence: float
    candidates: tuple[PlaceId, ...]
    flags: tuple[str, ...]
    matched: str


class Gazetteer:
    """The street's communities and compounds, their aliases and (optionally) their buildings and units."""

    def __init__(
        self,
        places: Iterable[tuple[PlaceId, str, str, PlaceId | None]],
        aliases: Iterable[tuple[PlaceId, str]] = (),
        buildings: Mapping[PlaceId, Mapping[int, PlaceId]] | None = None,
        units: Mapping[PlaceId, Mapping[int, PlaceId]] | None = None,
    ) -> None:
        self.kinds: dict[PlaceId, Kind] = {}
        self.names: dict[PlaceId, str] = {}
        self.parents: dict[PlaceId, PlaceId | None] = {}
        for place_id, kind, name, parent_id in places:
            if kind not in (COMMUNITY, COMPOUND):
                raise ValueError(f"kind must be 'community' or 'compound', not {kind!r}")
            self.kinds[place_id] = COMMUNITY if kind == COMMUNITY else COMPOUND
            self.names[place_id] = name
            self.parents[place_id] = parent_id
        self.aliases: list[tuple[PlaceId, str]] = []
        for place_id, alias in aliases:
            self._check_alias(place_id, alias)
            self.aliases.append((place_id, alias))
        self.buildings: dict[PlaceId, Mapping[int, PlaceId]] = dict(buildings or {})
        self.units: dict[PlaceId, Mapping[int, PlaceId]] = dict(units or {})
        self._build()

    # -- building the automaton -------------------------------------------------------------------------

    def _check_alias(self, place_id: PlaceId, alias: str) -> None:
        if place_id not in self.kinds:
            raise KeyError(place_id)
        if not normalise(alias):
            raise ValueError(f"alias {alias!r} is empty once normalised")

    def _keys(self) -> dict[str, list[PlaceId]]:
        keys: dict[str, list[PlaceId]] = {}

        def put(key: str, place_id: PlaceId) -> None:
            owners = keys.setdefault(key, [])
            if place_id not in owners:
                owners.append(place_id)

        texts = [(pid, name) for pid, name in self.names.items()] + self.aliases
        for place_id, text in texts:
            key = normalise(text)
            if not key:
                continue
            put(key, place_id)
            suffixes = _COMPOUND_SUFFIXES if self.kinds[place_id] == COMPOUND else _COMMUNITY_SUFFIXES
            for suffix in suffixes:
                if key.endswith(suffix) and len(key) - len(suffix) >= 2:
                    put(key[: -len(suffix)], place_id)
                    break
        return keys

    def _build(self) -> None:
        keys = self._keys()
        automaton = ahocorasick.Automaton()
        for key, owners in keys.items():
            compounds = tuple(p for p in owners if self.kinds[p] == COMPOUND)
            communities = tuple(p for p in owners if self.kinds[p] == COMMUNITY)
            solo = None
            if len(compounds) == 1:  # precomputed answer when this key is the only name in an address
                solo = _Places(compounds[0], self.parents[compounds[0]], CONF_COMPOUND, (), (), key)
            automaton.add_word(key, (key, compounds, communities, solo))
        if keys:
            automaton.make_automaton()
        self._automaton = automaton
        self._empty = not keys

        # Fuzzy fallback: compound keys long enough, found through a shared character pair (bigram) first,
        # so rapidfuzz only scores a handful of choices instead of every name.
        choices: list[tuple[str, tuple[PlaceId, ...]]] = []
        for key, owners in keys.items():
            compounds = tuple(p for p in owners if self.kinds[p] == COMPOUND)
            if compounds and len(key) >= FUZZY_MIN_LEN:
                choices.append((key, compounds))
        by_bigram: dict[str, list[int]] = {}
        for index, (key, _) in enumerate(choices):
            for i in range(len(key) - 1):
                bucket = by_bigram.setdefault(key[i : i + 2], [])
                if index not in bucket:
                    bucket.append(index)
        bigrams = ahocorasick.Automaton()
        added = 0
        for bigram, indexes in by_bigram.items():
            if len(indexes) <= 12:  # "花园", "家园": shared by too many names to narrow anything
                bigrams.add_word(bigram, tuple(indexes))
                added += 1
        if added:
            bigrams.make_automaton()
        self._fuzzy_choices = choices
        self._bigrams = bigrams if added else None

    def add_alias(self, place_id: PlaceId, alias: str) -> None:
        """Record a person's fix: `alias` now finds `place_id` (the automaton is rebuilt; a few ms)."""
        self._check_alias(place_id, alias)
        if (place_id, alias) not in self.aliases:
            self.aliases.append((place_id, alias))
            self._build()

    # -- matching -------------------------------------------------------------------------------------------

    def _scan(self, text: str) -> tuple[_Places, int] | None:
        """Names and aliases in `text` (normalised), longest match first; None if nothing was found."""
        hits = list(self._automaton.iter_long(text))
        if not hits:
            return None
        # Fast paths, the common cases: one compound name; its community's name then the compound's.
        if len(hits) == 1:
            solo = hits[0][1][3]
            if solo is not None:
                return solo, hits[0][0] + 1
        elif len(hits) == 2:
            (_, first), (end, second) = hits
            solo = second[3]
            if solo is not None and not first[1] and first[2] == (solo.community_id,):
                return _Places(solo.compound_id, solo.community_id, CONF_CONFIRMED, (), (),
                               first[0] + "+" + second[0]), end + 1
        candidates: list[PlaceId] = []
        communities: list[PlaceId] = []
        keys: list[str] = []
        end = -1
        for end, (key, found_compounds, found_communities, _) in hits:  # noqa: B007
            if found_compounds:
                for pid in found_compounds:
                    if pid not in candidates:
                        candidates.append(pid)
                keys.append(key)
            elif found_communities[0] not in communities:
                communities.append(found_communities[0])
                keys.append(key)
        if end < 0:
            return None
        matched = "+".join(keys)
        flags: tuple[str, ...] = ()
        if not candidates:
            community = communities[0] if len(communities) == 1 else None
            return _Places(None, community, CONF_COMMUNITY_ONLY, tuple(communities) if community is None else (),
                           ("community_only",), matched), end + 1
        if len(candidates) > 1 and communities:
            # A community named beside a shared alias settles which compound is meant.
            inside = [pid for pid in candidates if self.parents[pid] in communities]
            if len(inside) == 1:
                compound = inside[0]
                return _Places(compound, self.parents[compound], CONF_COMPOUND, (), ("resolved_by_community",),
                           matched), end + 1
        if len(candidates) > 1:
            parents = {self.parents[pid] for pid in candidates}
            community = parents.pop() if len(parents) == 1 else None
            return _Places(None, community, CONF_AMBIGUOUS, tuple(candidates), ("ambiguous",), matched), end + 1
        compound = candidates[0]
        parent = self.parents[compound]
        if not communities:
            confidence = CONF_COMPOUND
        elif parent in communities:
            confidence = CONF_CONFIRMED if len(communities) == 1 else CONF_COMPOUND
        else:
            confidence = CONF_CONFLICT
            flags = ("community_conflict",)
        return _Places(compound, parent, confidence, (), flags, matched), end + 1

    def _fuzzy(self, text: str) -> _Places | None:
        bigrams = self._bigrams
        if bigrams is None or len(text) < 2:
            return None
        seen: set[int] = set()
        for _, indexes in bigrams.iter(text):
            seen.update(indexes)
        best_score = 0.0
        best: tuple[str, tuple[PlaceId, ...]] | None = None
        for index in seen:
            key, owners = self._fuzzy_choices[index]
            cutoff = min(FUZZY_CUTOFF, 100.0 * (len(key) - 1) / len(key) - 1.0)
            score = fuzz.partial_ratio(key, text, score_cutoff=cutoff)
            if score > best_score:
                best_score, best = score, (key, owners)
        if best is None:
            return None
        key, owners = best
        confidence = FUZZY_FACTOR * best_score / 100.0
        if len(owners) > 1:
            return _Places(None, None, min(confidence, CONF_AMBIGUOUS), owners, ("ambiguous",), key)
        compound = owners[0]
        return _Places(compound, self.parents[compound], confidence, (), (), key)

    def match(self, address: str, description: str = "") -> Match:
        """Where an order is: compound (and its community), building/unit/room, a confidence and its band.

        Order of sources: the address field; the description when the address names no compound; rapidfuzz
        over the names (address, then description) when neither names one exactly.
        """
        text = unicodedata.normalize("NFKC", address).lower().replace(" ", "").replace("·", "").replace("・", "")
        scanned = None if self._empty else self._scan(text)
        source: Source = "address"
        if scanned is None:
            places = None
            start = 0
        else:
            places, start = scanned
        if places is None or places.compound_id is None:
            described = self._second_sources(text, description, places)
            if described is not None:
                places, source = described
                if source != "address":
                    start = 0
        if places is None:
            return NO_MATCH

        # Building / unit / room: after the last name in the address, or anywhere in it when the place came
        # from elsewhere (description, fuzzy).
        found = _ADDRESS_RE.search(text, start)
        if found is None and start:
            found = _ADDRESS_RE.search(text)
        if found is None and source != "address" and description:
            found = _ADDRESS_RE.search(normalise(description))  # the address had none: the description's
        building_no = unit_no = None
        room = None
        if found is not None:
            b, u, r = _groups(found)
            building_no = _to_int(b) if b else None
            unit_no = _to_int(u) if u else None
            if r:
                room = r if r[0] not in CN_NUMERAL_CHARS else str(cn_to_int(r) or r)
        confidence = places.confidence
        flags = places.flags
        compound_id = places.compound_id
        building_id = unit_id = None
        if compound_id is not None and building_no is not None:
            known = self.buildings.get(compound_id)
            if known is not None:
                building_id = known.get(building_no)
                if building_id is None:
                    confidence -= 0.15
                    flags = (*flags, "unknown_building")
                else:
                    confidence = min(1.0, confidence + 0.02)
                    if unit_no is not None:
                        unit_id = self.units.get(building_id, {}).get(unit_no)
        confidence = min(1.0, max(0.0, confidence))
        return Match(
            compound_id, places.community_id, building_no, unit_no, room, building_id, unit_id,
            confidence, band_for(confidence), source, places.candidates, flags, places.matched,
        )

    def _second_sources(
        self, text: str, description: str, places: _Places | None
    ) -> tuple[_Places, Source] | None:
        """The second sources: description (exact), then fuzzy (address, then description)."""
        community = places.community_id if places is not None else None
        if description:
            described = self._scan(normalise(description))
            if described is not None and described[0].compound_id is not None:
                confidence = described[0].confidence * DESCRIPTION_FACTOR
                if community is not None and described[0].community_id == community:
                    confidence = max(confidence, CONF_COMPOUND * DESCRIPTION_FACTOR + 0.05)
                return described[0]._replace(confidence=confidence), "description"
        if places is not None and places.candidates and places.compound_id is None:
            return places, "address"  # ambiguous names were found: report them rather than guess
        for source_text in (text, normalise(description) if description else ""):
            if not source_text:
                continue
            fuzzy = self._fuzzy(source_text)
            if fuzzy is not None:
                if community is not None and fuzzy.community_id == community:
                    fuzzy = fuzzy._replace(confidence=min(0.84, fuzzy.confidence + 0.1))
                return fuzzy, "fuzzy"
        if places is not None:
            return places, "address"
        return None


def _groups(found: re.Match[str]) -> tuple[str | None, str | None, str | None]:
    b1, u1, r1, b2, u2, r2, u3, r3, r4 = found.groups()
    if b1 is not None:
        return b1, u1, r1
    if b2 is not None:
        return b2, u2, r2
    if u3 is not None:
        return None, u3, r3
    return None, None, r4
