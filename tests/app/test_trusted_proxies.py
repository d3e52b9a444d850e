"""TRUSTED_PROXIES: behind a load balancer each citizen has their own /track
budget, because the balancer's X-Forwarded-For is believed; without a
trusted proxy a forged X-Forwarded-For escapes nothing."""

from __future__ import annotations

import pytest

from app import create_app
from tests.app.test_track import PHONE, track
from tests.conftest import IsolatedClient

LIMIT = 10  # TRACK_RATE_LIMIT: 10 per minute


def forwarded_for(address: str) -> dict:
    return {"headers": {"X-Forwarded-For": address}}


def use_up_the_budget(client, number: str, address: str) -> None:
    for i in range(LIMIT):
        assert track(client, number, f"{i:04d}", **forwarded_for(address)).status_code == 200
    assert track(client, number, PHONE[-4:], **forwarded_for(address)).status_code == 429


@pytest.fixture
def behind_a_proxy(app_config):
    """The app as `TRUSTED_PROXIES=1` builds it (one load balancer in front)."""
    proxied = create_app({**app_config, "TRUSTED_PROXIES": 1})
    proxied.test_client_class = IsolatedClient
    return proxied


def test_behind_a_trusted_proxy_each_citizen_has_a_budget(behind_a_proxy, make_case):
    number = make_case().tracking_number
    client = behind_a_proxy.test_client()  # every request comes from the balancer
    use_up_the_budget(client, number, "203.0.113.7")
    other = track(client, number, PHONE[-4:], **forwarded_for("203.0.113.8"))
    assert other.status_code == 200 and number in other.get_data(as_text=True)
    # Only the hop the balancer added counts: a forged address before it does not.
    forged = track(client, number, PHONE[-4:], **forwarded_for("198.51.100.1, 203.0.113.7"))
    assert forged.status_code == 429


def test_with_no_trusted_proxy_a_forged_address_escapes_nothing(app, client, make_case):
    assert app.config["TRUSTED_PROXIES"] == 0
    number = make_case().tracking_number
    use_up_the_budget(client, number, "203.0.113.7")
    again = track(client, number, PHONE[-4:], **forwarded_for("203.0.113.8"))
    assert again.status_code == 429


def test_a_malformed_setting_stops_the_start(monkeypatch, tmp_path):
    from core.config import load_config

    monkeypatch.setenv("XIETONG_INSTANCE", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "test-secret")
    monkeypatch.setenv("TRUSTED_PROXIES", "yes")
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        load_config()
