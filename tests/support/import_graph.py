"""The import graph of the application packages, read from their source with ``ast`` (no code is run).

Every import counts, also one inside a function: a function-level import still ties the two
modules together, it only hides the tie from whoever reads the top of the file.
"""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("feedback_app", "widgets", "analysis")


def module_name(path):
    """Return the dotted name of the module at ``path`` (a file under :data:`ROOT`)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(packages=PACKAGES):
    """Return ``{module name: path}`` of every module of ``packages``."""
    found = {}
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[module_name(path)] = path
    return found


def _resolve(name, known):
    """Return the longest prefix of ``name`` that is one of ``known`` (``pkg.mod.func`` -> ``pkg.mod``)."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(name, path, known):
    """Return the modules of ``known`` that module ``name`` imports (at any depth of its code)."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = name if is_package else name.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{base}" if base else package
            # ``from pkg import mod`` imports the module ``pkg.mod``; ``from mod import func`` imports ``mod``.
            targets = [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            resolved = _resolve(target, known)
            if resolved is not None and resolved != name:
                found.add(resolved)
    return found


def import_graph(packages=PACKAGES):
    """Return ``{module: set of imported modules}`` over ``packages`` (imports of other code left out)."""
    known = modules(packages)
    return {name: imports_of(name, path, known) for name, path in known.items()}


def external_imports(path):
    """Return the top-level names of every module that the file at ``path`` imports (absolute imports only)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module.partition(".")[0])
    return names


def cycles(graph):
    """Return the import circles of ``graph``: its strongly connected components of more than one module.

    A package's ``__init__`` and its own submodules importing each other are left out (a package
    presenting its modules, or ``create_app`` importing what it registers): Python resolves them.
    """
    graph = {name: {target for target in targets if not _is_own_package(name, target)}
             for name, targets in graph.items()}
    reverse = {name: set() for name in graph}
    for name, targets in graph.items():
        for target in targets:
            reverse.setdefault(target, set()).add(name)
    # Kosaraju: modules in order of finishing a depth-first walk, then walks of the reversed graph.
    order, seen = [], set()
    for name in sorted(graph):
        _walk(graph, name, seen, order)
    components, assigned = [], set()
    for name in reversed(order):
        component = []
        _walk(reverse, name, assigned, component)
        if len(component) > 1:
            components.append(sorted(component))
    return sorted(components)


def _walk(graph, start, seen, finished):
    """Depth-first from ``start`` without recursion, appending each module to ``finished`` when it is done."""
    if start in seen:
        return
    seen.add(start)
    stack = [(start, iter(sorted(graph.get(start, ()))))]
    while stack:
        node, children = stack[-1]
        child = next((child for child in children if child not in seen), None)
        if child is None:
            stack.pop()
            finished.append(node)
        else:
            seen.add(child)
            stack.append((child, iter(sorted(graph.get(child, ())))))


def _is_own_package(name, target):
    return name.startswith(target + ".") or target.startswith(name + ".")


def public_definitions(package_dir):
    """Return ``{public name: [modules defining it]}`` of the top-level functions and classes under ``package_dir``."""
    defined = {}
    for path in sorted((ROOT / package_dir).rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        definitions = [node for node in tree.body if isinstance(node, kinds)]
        for node in definitions:
            if not node.name.startswith("_"):
                defined.setdefault(node.name, []).append(module_name(path))
    return defined
