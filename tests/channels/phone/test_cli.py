"""`flask hotline ...` reaches the server `make run` started, whatever shell
it runs in, and says in one line when it cannot."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from core.config import ROOT, RUNNING_WEB, running_web
from tests.channels.phone.conftest import PUBLIC


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def cli(app):
    return lambda *args: app.test_cli_runner().invoke(args=list(args))


@pytest.fixture
def noted(app):
    """Write the note `make run` leaves under the instance: where it serves."""
    path = Path(app.config["INSTANCE_PATH"]) / RUNNING_WEB

    def note(url: str, public: str = PUBLIC, pid: int | None = None) -> None:
        path.write_text(json.dumps({"url": url, "public_base_url": public,
                                    "pid": pid or os.getpid()}))

    yield note
    path.unlink(missing_ok=True)


def _one_line(result) -> str:
    """The error on stderr (a call's progress goes to stdout before it)."""
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


def test_the_cli_reaches_the_server_make_run_noted(cli, live, noted, app):
    # PUBLIC_BASE_URL names a proxy the test cannot reach: only the note leads here.
    assert app.config["PUBLIC_BASE_URL"] == PUBLIC
    noted(live)
    result = cli("hotline", "simulate-sms", "黄埔东路2688号门口垃圾三天没人收了")
    assert result.exit_code == 0, result.output
    assert "→ reply:" in result.output and "(none)" not in result.output


def test_a_note_left_by_a_killed_run_is_ignored(app, noted):
    instance = Path(app.config["INSTANCE_PATH"])
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    noted("http://127.0.0.1:1", pid=gone.pid)
    assert running_web(instance) is None
    noted("http://127.0.0.1:1")
    assert running_web(instance)["url"] == "http://127.0.0.1:1"


def test_nothing_listening_is_one_line_naming_the_address(cli):
    port = _free_port()
    result = cli("hotline", "simulate-call", "--url", f"http://127.0.0.1:{port}", "--wait", "0")
    assert result.exit_code == 1
    assert _one_line(result) == (
        f"Error: cannot reach the server at http://127.0.0.1:{port} (from --url): nothing "
        "answers there. Start it with `make run`, or name it with --url.")


def test_a_server_that_refuses_the_signature_says_so(cli, live, noted):
    noted(live, public="http://127.0.0.1:5000")  # not what the server believes it is
    result = cli("hotline", "simulate-sms", "路灯不亮")
    assert result.exit_code == 1
    line = _one_line(result)
    assert "HTTP 403" in line
    assert "the server's PUBLIC_BASE_URL is not http://127.0.0.1:5000" in line


def test_a_bad_hotline_is_one_line(cli):
    result = cli("hotline", "simulate-sms", "--to", "99999", "路灯不亮")
    assert result.exit_code == 2
    assert _one_line(result).startswith("Error: Invalid value for --to: one of 95100, 12319")


@pytest.mark.nodb
def test_a_real_flask_command_against_a_port_where_nothing_listens(tmp_path):
    """As a person types it: PORT names where `make run` serves, nothing is
    there, and the answer is one line on stderr."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "FLASK_"))}
    env.update(FLASK_APP="app", PORT=str(port), PUBLIC_BASE_URL="", DATABASE_URL="",
               REDIS_URL="", XIETONG_INSTANCE=str(tmp_path))
    done = subprocess.run([sys.executable, "-m", "flask", "hotline", "simulate-sms", "路灯不亮"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        f"Error: cannot reach the server at http://127.0.0.1:{port} (from PUBLIC_BASE_URL): "
        "nothing answers there. Start it with `make run`, or name it with --url."]
