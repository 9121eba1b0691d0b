"""The widget stays small: loader at most 6 KB and the whole widget at most 20 KB, gzipped."""
import gzip
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "widgets" / "static"
LOADER_LIMIT = 6 * 1024
WHOLE_LIMIT = 20 * 1024


def gzipped_size(path):
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


def test_the_loader_is_at_most_6_kb_gzipped():
    assert 0 < gzipped_size(STATIC / "widget.js") <= LOADER_LIMIT


def test_loader_and_ui_together_are_at_most_20_kb_gzipped():
    files = sorted(STATIC.glob("*.js"))
    assert {path.name for path in files} >= {"widget.js", "widget-ui-1.js"}
    assert sum(gzipped_size(path) for path in files) <= WHOLE_LIMIT


def test_the_loader_loads_the_ui_file_that_exists():
    assert "/w/static/widget-ui-1.js" in (STATIC / "widget.js").read_text()
