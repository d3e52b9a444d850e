"""Fixtures of the supervisor desk tests: a case at a known moment, the logs."""

from __future__ import annotations

import logging

import pytest

from tests.app.supervision.helpers import at


@pytest.fixture
def road_case(clock, make_case, work):
    """Road damage (-> city management), filed Thursday 2026-11-26 10:00;
    signing for it is due at 16:00 the same day."""
    clock.at = at(11, 26, 10, 0)
    case = make_case(category_code="road-damage")
    work()
    return case


@pytest.fixture
def logs(caplog, monkeypatch):
    """Capture the supervision and audit logs at INFO.

    migrations/env.py calls logging.config.fileConfig, which disables every
    logger that existed before the test session's `upgrade()`; enable ours.
    """
    for name in ("app.supervision", "xietong.audit"):
        monkeypatch.setattr(logging.getLogger(name), "disabled", False)
        caplog.set_level(logging.INFO, logger=name)
    return caplog
