"""The distributions the bundle carries at run time, whose metadata (licence texts) it ships.

Read from desktoprec's own installed metadata: its runtime requirements and theirs, with extras
(test, bench, package) left out, so the list follows pyproject.toml instead of a copy of it.
"""

from __future__ import annotations

import re
from importlib import metadata

from packaging.requirements import Requirement


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_distributions(root: str = "desktoprec") -> list[str]:
    """Every installed distribution `root` needs at run time (itself left out), sorted."""
    found: dict[str, str] = {}
    pending, queued = [root], {_key(root)}
    while pending:
        name = pending.pop()
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # not installed here (another platform's, or an optional one)
        if name != root:
            found[_key(name)] = name
        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
                continue  # an extra, or another platform's requirement
            if _key(requirement.name) not in queued:
                queued.add(_key(requirement.name))
                pending.append(requirement.name)
    return sorted(found.values())
