"""Every answer carries the headers a browser needs to treat it safely:
nosniff, no framing by another site, no full URL (a /track token) sent to
another site. Pages, the JSON API, Open311 XML and Twilio's TwiML alike."""

from __future__ import annotations

import pytest

from cases.events import IncomingFile
from core.db import db
from tests.channels.phone.conftest import HOTLINE_95100, PUBLIC, TOKEN, Call, sign
from tests.support import Api, login


def assert_safe(response, *, framing: bool = True) -> None:
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    if framing:
        assert headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


def test_a_page_a_redirect_and_an_error_page(client):
    page = client.get("/track")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert_safe(page)
    assert_safe(client.get("/workbench"))  # 302 to the sign-in page
    assert_safe(client.get("/no-such-page"))  # 404


def test_the_json_api_with_and_without_a_token(client, token):
    answer = Api(client, token("chengguan")).get("/cases")
    assert answer.status_code == 200 and answer.is_json
    assert_safe(answer)
    refused = client.get("/api/v1/cases")
    assert refused.status_code == 401 and refused.is_json
    assert_safe(refused)
    assert_safe(client.get("/api/openapi.json"))


def test_open311_xml(client):
    answer = client.get("/open311/v2/services.xml")
    assert answer.status_code == 200 and answer.mimetype == "text/xml"
    assert_safe(answer)
    assert_safe(client.get("/open311/v2/requests/0000000000.xml"))  # its 404 error body


def test_twiml(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", PUBLIC)
    monkeypatch.setitem(app.config, "TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setitem(app.config, "TWILIO_NUMBERS", f"{HOTLINE_95100}=95100")
    params = Call().params()
    answer = client.post("/twilio/voice", data=params,
                         headers={"X-Twilio-Signature": sign(f"{PUBLIC}/twilio/voice", params)})
    assert answer.status_code == 200 and answer.mimetype == "text/xml"
    assert_safe(answer)


def test_an_attachment_keeps_its_sandbox_and_gains_frame_ancestors(client, make_case):
    case = make_case(files=(IncomingFile("正文.html", "text/html", b"<script>x</script>"),))
    attachment_id = case.attachments[0].id
    db.session.commit()
    login(client, "admin")
    answer = client.get(f"/cases/{case.tracking_number}/attachments/{attachment_id}")
    assert answer.status_code == 200
    assert_safe(answer)
    policy = answer.headers["Content-Security-Policy"]
    assert policy.startswith("default-src 'none'; sandbox") and policy.count(";") == 2


@pytest.mark.parametrize("path", ["/static/css/xietong.css", "/healthz"])
def test_static_files_and_health(client, path):
    assert_safe(client.get(path))
