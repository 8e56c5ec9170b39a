from __future__ import annotations

from pathlib import Path

import pytest

from psychometrics.inventory import Inventory, load_inventory

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "inventories"


@pytest.fixture(scope="session")
def likert() -> Inventory:
    return load_inventory(FIXTURES / "mini-likert.yaml")


@pytest.fixture(scope="session")
def bipolar() -> Inventory:
    return load_inventory(FIXTURES / "mini-bipolar.yaml")


@pytest.fixture(scope="session")
def scenario() -> Inventory:
    return load_inventory(FIXTURES / "mini-scenario.yaml")


@pytest.fixture(scope="session")
def fixtures(likert: Inventory, bipolar: Inventory, scenario: Inventory) -> list[Inventory]:
    return [likert, bipolar, scenario]
