"""The import check of `make lint` (scripts/check_imports.py) finds what it is for."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("check_imports", ROOT / "scripts" / "check_imports.py")
check_imports = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_imports)


def test_a_cycle_between_modules_is_found():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert check_imports.cycles(graph) == [["a", "b", "c"]]
    assert check_imports.cycles({"a": {"b"}, "b": set()}) == []


def test_an_import_hidden_in_a_function_is_found_but_not_in_ready(tmp_path):
    modules = {
        "shop.models": tmp_path / "models.py",
        "shop.views": tmp_path / "views.py",
        "shop.apps": tmp_path / "apps.py",
    }
    modules["shop.models"].write_text("import os\n\n\ndef price():\n    from shop.views import page\n    return page\n")
    modules["shop.views"].write_text("from shop.models import price\n")
    modules["shop.apps"].write_text("class ShopConfig:\n    def ready(self):\n        from shop import models\n")
    edges, hidden = check_imports.read_imports("shop.models", modules["shop.models"], modules)
    assert edges == set() and len(hidden) == 1 and hidden[0].endswith("models.py:5: import inside a function")
    assert check_imports.read_imports("shop.views", modules["shop.views"], modules) == ({"shop.models"}, [])
    assert check_imports.read_imports("shop.apps", modules["shop.apps"], modules)[1] == []


def test_the_project_has_no_cycle_and_no_hidden_import():
    graph, hidden = check_imports.read_graph(check_imports.project_modules())
    assert hidden == []
    assert check_imports.cycles(graph) == []
    # Sanity: the graph is read (the apps do import the shared layer).
    assert "publishing.pdf.store" in graph["tracts.printing.render"]
