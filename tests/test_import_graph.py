"""The direction of imports between the layers, read from the source (function-level imports included)."""
from tests.support import import_graph

# Hooks every area may define under the same name (``create_app`` calls each module's own).
PER_MODULE_HOOKS = {"init_app"}


def test_import_graph_services_never_import_tasks():
    graph = import_graph.import_graph()
    edges = sorted((name, target) for name, targets in graph.items() for target in targets
                   if name.startswith("feedback_app.services") and target.startswith("feedback_app.tasks"))
    assert edges == []


def test_import_graph_has_no_circle_outside_analysis():
    circles = [circle for circle in import_graph.cycles(import_graph.import_graph())
               if not all(name.startswith("analysis.") for name in circle)]
    assert circles == []


def test_import_graph_analysis_imports_neither_flask_nor_the_app():
    forbidden = {"flask", "feedback_app", "widgets"}
    offending = {name: sorted(import_graph.external_imports(path) & forbidden)
                 for name, path in import_graph.modules(("analysis",)).items()}
    assert {name: names for name, names in offending.items() if names} == {}


def test_import_graph_sees_function_level_imports():
    # The graph must not miss an import hidden in a function body (they made 6 of the 7 circles).
    graph = import_graph.import_graph()
    assert "feedback_app.wiring" in graph["feedback_app"]  # imported inside register_extensions


def test_import_graph_finds_a_circle():
    assert import_graph.cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_services_define_each_public_name_once():
    # The protocol adapters too: theirs say what they add to the owner's verb (``create_action_from_api``).
    defined = import_graph.public_definitions("feedback_app/services")
    assert {name: modules for name, modules in defined.items()
            if len(modules) > 1 and name not in PER_MODULE_HOOKS} == {}
