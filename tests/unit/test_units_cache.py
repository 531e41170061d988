"""The shared unit registry uses pint's disk cache of the parsed definitions (start-up cost,
benchmarks/README.md), and falls back to the plain registry when no cache can be used."""

from __future__ import annotations

import pint
import pytest

from depsim.case import units


@pytest.fixture
def fresh_registry(monkeypatch):
    monkeypatch.setattr(units, "_UREG", None)
    yield
    units._UREG = None  # the next user builds it again (with the cache)


def test_registry_asks_for_the_cache(monkeypatch, fresh_registry):
    seen = {}
    real = pint.UnitRegistry

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(pint, "UnitRegistry", spy)
    reg = units.ureg()
    assert seen.get("cache_folder") == ":auto:"
    assert units.parse_quantity("2.5 mol/L", "concentration") == pytest.approx(2500.0, rel=1e-12)
    assert units.ureg() is reg  # built once


def test_registry_without_a_usable_cache(monkeypatch, fresh_registry):
    real = pint.UnitRegistry

    def no_cache(*args, **kwargs):
        if "cache_folder" in kwargs:
            raise PermissionError("cache folder not writable")
        return real(*args, **kwargs)

    monkeypatch.setattr(pint, "UnitRegistry", no_cache)
    units.ureg()
    assert units.parse_quantity("10 um", "length") == pytest.approx(1e-5, rel=1e-12)
