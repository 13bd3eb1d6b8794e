"""calendar/ is pure Python: importing it must not import Django."""

import ast
import pathlib
import subprocess
import sys

import weizhili.calendar

PACKAGE_DIR = pathlib.Path(weizhili.calendar.__file__).parent


def test_importing_the_package_imports_no_django():
    code = (
        "import sys\n"
        "import weizhili.calendar, weizhili.calendar.clock, weizhili.calendar.cards, weizhili.calendar.days\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "assert not bad, bad\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=PACKAGE_DIR.parent.parent,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_no_module_mentions_django_in_an_import():
    modules = sorted(PACKAGE_DIR.glob("*.py"))
    assert len(modules) >= 4
    for path in modules:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(n.split(".")[0] == "django" for n in names), (path.name, names)
