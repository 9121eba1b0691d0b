"""A copy of the repository's tracked files, as a fresh ``git clone`` would leave them."""
import shutil
import subprocess

from tests.support.processes import ROOT


def fresh_checkout(destination):
    """Copy every tracked file of the repository into ``destination`` (created) and return it."""
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in tracked.decode().split("\0"):
        if name and (ROOT / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, destination / name)
    return destination
