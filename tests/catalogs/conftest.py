"""Catalogue test set-up: the catalogue emulator serving the real recorded Deezer answers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktoprec.catalogs.emulator import CatalogEmulator, CatalogWorld, load_recorded


@pytest.fixture()
def recorded(shared_data: Path) -> Iterator[CatalogEmulator]:
    world = CatalogWorld()
    assert load_recorded(world, shared_data / "deezer-api") >= 15
    with CatalogEmulator(world) as server:
        yield server
