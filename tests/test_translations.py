"""Chinese is the source language; English must be complete, and the compiled catalogue current."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "weizhili"
PO = PACKAGE / "locale" / "en" / "LC_MESSAGES" / "django.po"


def _translated(entry) -> bool:
    if entry.msgid_plural:
        return all(entry.msgstr_plural.values()) and bool(entry.msgstr_plural)
    return bool(entry.msgstr)


def test_every_english_string_is_translated():
    po = polib.pofile(str(PO))
    missing = [e.msgid for e in po if not e.obsolete and (not _translated(e) or "fuzzy" in e.flags)]
    assert missing == []


def test_compiled_catalogue_matches_the_po_file():
    po = {e.msgid: (e.msgstr or dict(e.msgstr_plural)) for e in polib.pofile(str(PO)) if not e.obsolete}
    mo = {e.msgid: (e.msgstr or dict(e.msgstr_plural)) for e in polib.mofile(str(PO.with_suffix(".mo")))}
    assert {k: v for k, v in mo.items() if k} == po, "run `make messages` to recompile django.mo"


def test_no_source_string_is_missing_from_the_catalogue(tmp_path):
    if not shutil.which("xgettext"):
        if os.environ.get("CI") == "true":
            pytest.fail("gettext is required under CI (apt-get install gettext)")
        pytest.skip("gettext (xgettext) is not installed")
    copy = tmp_path / "weizhili"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("static", "__pycache__", "migrations"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "weizhili.settings.test"}
    subprocess.run([sys.executable, "-P", "-m", "django", "makemessages", "-l", "en", "--no-obsolete"],
                   cwd=copy, env=env, check=True, capture_output=True)
    fresh = {e.msgid for e in polib.pofile(str(copy / "locale" / "en" / "LC_MESSAGES" / "django.po"))}
    known = {e.msgid for e in polib.pofile(str(PO)) if _translated(e)}
    assert sorted(fresh - known) == [], "new strings: run `make messages` and translate them"
