"""Fixtures for the recommendation tests (the catalogs themselves live in rec_catalogs.py)."""

from __future__ import annotations

import pytest
from rec_catalogs import make_catalog

from desktoprec.recommend.catalog import Catalog
from desktoprec.recommend.engine import Engine


@pytest.fixture
def catalog() -> Catalog:
    return make_catalog()


@pytest.fixture
def engine(catalog: Catalog) -> Engine:
    return Engine(catalog)
