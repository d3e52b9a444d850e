"""A session cookie copied before a sign-out, a new password or an account
switched off stops working: each ends the user's sessions everywhere, on
pages (back to sign-in) and on the API that takes a session (401)."""

from __future__ import annotations

from sqlalchemy import select

from cases.models.users import User
from core.db import db
from tests.support import login


def signed_in(app, username: str):
    """A client signed in as `username`, and a second one holding a copy of
    its session cookie (another device, or a stolen cookie)."""
    first = app.test_client()
    assert login(first, username).status_code == 302
    copy = app.test_client()
    copy.set_cookie("session", first.get_cookie("session").value)
    return first, copy


def user(username: str) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == username))


def sent_to_sign_in(response) -> bool:
    return response.status_code == 302 and "/login" in response.location


def test_signing_out_ends_the_copied_session_too(app):
    first, copy = signed_in(app, "chengguan")
    assert copy.get("/workbench").status_code == 200
    assert first.post("/logout").status_code == 302
    assert sent_to_sign_in(copy.get("/workbench"))
    assert sent_to_sign_in(first.get("/workbench"))
    again = app.test_client()  # signing in again works, with a new session
    login(again, "chengguan")
    assert again.get("/workbench").status_code == 200
    assert sent_to_sign_in(copy.get("/workbench"))  # the old cookie stays dead


def test_one_users_sign_out_leaves_other_users_signed_in(app):
    chengguan, _ = signed_in(app, "chengguan")
    dispatcher, _ = signed_in(app, "dispatcher")
    chengguan.post("/logout")
    assert dispatcher.get("/dispatch").status_code == 200


def test_the_session_api_answers_401_after_sign_out(app):
    first, copy = signed_in(app, "admin")
    assert copy.get("/api/v1/outbox").status_code == 200
    first.post("/logout")
    response = copy.get("/api/v1/outbox")
    assert response.status_code == 401 and response.get_json()["error"] == "unauthorized"


def test_a_password_reset_by_an_administrator_ends_the_users_sessions(app, admin):
    _, copy = signed_in(app, "huangpu-staff")
    assert copy.get("/workbench").status_code == 200
    staff = user("huangpu-staff")
    answer = admin.post(f"/admin/users/{staff.id}/password",
                        data={"password": "new-password-1", "confirm": "new-password-1"})
    assert answer.status_code == 302
    assert sent_to_sign_in(copy.get("/workbench"))
    assert login(app.test_client(), "huangpu-staff").status_code == 200  # old one refused
    fresh = app.test_client()
    assert login(fresh, "huangpu-staff", "new-password-1").status_code == 302
    assert fresh.get("/workbench").status_code == 200


def test_an_administrator_changing_their_own_password_stays_signed_in_here(app, admin):
    _, elsewhere = signed_in(app, "admin")
    me = user("admin")
    answer = admin.post(f"/admin/users/{me.id}/password",
                        data={"password": "new-password-1", "confirm": "new-password-1"})
    assert answer.status_code == 302
    assert admin.get("/admin/users").status_code == 200
    assert sent_to_sign_in(elsewhere.get("/admin/users"))


def test_switching_a_user_off_ends_their_sessions_for_good(app, admin, token):
    first, copy = signed_in(app, "huangpu-staff")
    bearer = {"Authorization": f"Bearer {token('huangpu-staff')}"}
    assert first.get("/api/v1/cases", headers=bearer).status_code == 200
    staff = user("huangpu-staff")
    form = {"display_name": staff.display_name, "role": staff.role.value,
            "unit": staff.unit.code}
    assert admin.post(f"/admin/users/{staff.id}", data=form).status_code == 302  # no "active"
    assert sent_to_sign_in(copy.get("/workbench"))
    assert first.get("/api/v1/cases", headers=bearer).status_code == 401  # its token too
    # Switched on again: the old sessions stay ended; the token works again.
    assert admin.post(f"/admin/users/{staff.id}", data={**form, "active": "y"}).status_code == 302
    assert user("huangpu-staff").active is True
    assert sent_to_sign_in(copy.get("/workbench"))
    assert sent_to_sign_in(first.get("/workbench"))
    assert first.get("/api/v1/cases", headers=bearer).status_code == 200


def test_a_session_id_without_its_generation_is_not_accepted(app):
    """A cookie from before generations (or made up) signs nobody in."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user("admin").id)
        session["_fresh"] = True
    assert sent_to_sign_in(client.get("/admin/users"))


def test_switching_off_by_csv_import_ends_the_sessions_for_good(app, cli, tmp_path):
    """Every way of switching a user off ends their sessions, not only the page."""
    _, copy = signed_in(app, "renshe")
    assert copy.get("/workbench").status_code == 200
    csv = tmp_path / "users.csv"
    for active in ("0", "1"):
        csv.write_text(f"username,role,unit,active\nrenshe,unit_staff,labour,{active}\n")
        assert cli("import", "users", str(csv)).exit_code == 0
    assert user("renshe").active is True
    assert sent_to_sign_in(copy.get("/workbench"))
