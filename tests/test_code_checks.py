"""The project's own code checks (scripts/): the import graph of `make lint`
and the commit-message hook find what they are for."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check_imports = load_script("check_imports")
check_commit_message = load_script("check_commit_message")


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


commit_spec = importlib.util.spec_from_file_location(
    "check_commit_message", ROOT / "scripts" / "check_commit_message.py"
)
check_commit_message = importlib.util.module_from_spec(commit_spec)
commit_spec.loader.exec_module(check_commit_message)


def test_commit_messages_want_a_short_subject_and_a_body():
    good = "Render children no longer parse C types\n\nThe warm-up builds the glyph arrays.\n"
    assert check_commit_message.problems(good) == []
    assert check_commit_message.problems("x" * 73 + "\n\nWhy.\n") == ["the subject has 73 characters (at most 72)"]
    assert check_commit_message.problems("A subject alone\n") == [
        "a blank line and a body saying why should follow the subject"
    ]
    assert check_commit_message.problems("Merge branch 'a-very-long-branch-name' " + "x" * 60 + "\n") == []
    assert check_commit_message.problems("# only a comment\n") == ["the message is empty"]
