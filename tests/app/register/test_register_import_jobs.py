"""The administrator's import as a job: the page stores the file in an import
run, a real RQ worker imports it with a bar that moves batch by batch, the
result keeps its errors by line, and neither a second run of the job nor an
interrupted one imports anything twice."""

from __future__ import annotations

import io
import threading

import pytest
from rq.job import Job
from rq.timeouts import JobTimeoutException
from sqlalchemy import func, select, update

from app.admin.imports.runs import ImportRun, RunStatus
from app.register import import_jobs
from app.register.imports import PropertyImporter
from core.db import db
from core.queues import Enqueued
from register.models import Property, Resident
from tests.app.register.test_register_import import PROPERTIES_CSV, residents_xlsx
from tests.support import audit_rows

MANY = ("地址,房东,房东电话\n" + "".join(
    f"港湾路15号{n}房,房东{n},139001390{n:02d}\n" for n in range(1, 8))).encode()


def upload(client, data: bytes, name: str, kind: str = "properties", **extra):
    return client.post("/admin/register/import", data={
        "kind": kind, "file": (io.BytesIO(data), name), **extra},
        content_type="multipart/form-data")


def the_run() -> ImportRun:
    db.session.expire_all()
    return db.session.scalars(select(ImportRun).order_by(ImportRun.id.desc())).first()


def properties() -> int:
    return db.session.scalar(select(func.count()).select_from(Property))


class Interrupted(BaseException):
    """A worker killed part-way: nothing of the job's own code runs after it."""


def test_the_page_stores_the_file_and_the_job_imports_it_with_errors_by_line(
        signed_in, clock, work):
    admin = signed_in("admin")
    answer = upload(admin, PROPERTIES_CSV, "properties.csv")
    assert answer.status_code == 303
    waiting = admin.get(answer.location).get_data(as_text=True)
    assert '<progress id="import-progress" max="1"></progress>' in waiting  # busy: not counted
    assert "正在统计文件的行数" in waiting
    assert 'http-equiv="refresh"' in waiting  # without JavaScript the page reloads itself
    assert properties() == 0  # the request imported nothing
    assert admin.get(answer.location + ".json").get_json() | {"text": ""} == {
        "status": "queued", "label": "等待开始", "finished": False, "total": 0,
        "done": 0, "created": 0, "updated": 0, "unchanged": 0, "bad": 0, "text": ""}

    assert work() >= 1
    page = admin.get(answer.location).get_data(as_text=True)
    assert 'id="import-result"' in page and "新增 2，" in page
    assert "第 3 行" in page and "第 4 行" in page and 'http-equiv="refresh"' not in page
    assert 'max="4" value="4"' in page
    status = admin.get(answer.location + ".json").get_json()
    assert (status["status"], status["done"], status["bad"]) == ("done", 4, 2)
    run = the_run()
    assert [line for line, _ in run.errors] == [3, 4] and run.data is None  # the file is dropped
    assert properties() == 2
    assert [row.summary for row in audit_rows("register_property")] == [
        "properties.csv: 2 created, 0 updated, 0 unchanged, 2 bad row(s)"]
    assert "properties.csv" in admin.get("/admin/register/import").get_data(as_text=True)


def test_the_bar_moves_with_every_batch_committed(app, signed_in, clock, work, monkeypatch):
    admin = signed_in("admin")
    location = upload(admin, MANY, "many.csv").location
    monkeypatch.setattr(import_jobs, "BATCH_SIZE", 2)
    seen = []
    apply = PropertyImporter.apply

    def watched(self, row):
        # The administrator's browser polls meanwhile: its own thread, context and session.
        def look():
            with app.app_context():
                seen.append(admin.get(location + ".json").get_json()["done"])

        poll = threading.Thread(target=look)
        poll.start()
        poll.join()
        return apply(self, row)

    monkeypatch.setattr(PropertyImporter, "apply", watched)
    work()
    # Rows 1-2 form a batch, committed with its checkpoint before row 3 starts.
    assert seen == [0, 0, 2, 2, 4, 4, 6]
    assert admin.get(location + ".json").get_json()["done"] == 7 and properties() == 7


def test_a_second_run_of_the_job_imports_nothing_twice(signed_in, clock, work):
    admin = signed_in("admin")
    upload(admin, PROPERTIES_CSV, "properties.csv")
    work()
    run_id = the_run().id
    import_jobs.run_import_file.enqueue(run_id, job_id=import_jobs.import_job_id(run_id))
    assert work() == 1
    assert import_jobs.reconcile() == 0  # nothing is owed any more
    run = the_run()
    assert (run.status, run.created, run.bad_rows, run.attempts) == (RunStatus.DONE, 2, 2, 1)
    assert properties() == 2 and len(audit_rows("register_property")) == 1


def test_an_interrupted_run_goes_on_where_its_batches_stopped(signed_in, clock, work,
                                                               monkeypatch, redis):
    admin = signed_in("admin")
    upload(admin, residents_xlsx(), "residents.xlsx", "residents")  # nothing to live in yet
    upload(admin, PROPERTIES_CSV, "properties.csv")
    run_id = the_run().id
    redis.flushdb()  # Redis lost the jobs
    monkeypatch.setattr(import_jobs, "BATCH_SIZE", 2)
    apply = PropertyImporter.apply

    def dies_on_line_4(self, row):
        if row.line == 4:
            raise Interrupted
        return apply(self, row)

    monkeypatch.setattr(PropertyImporter, "apply", dies_on_line_4)
    with pytest.raises(Interrupted):
        import_jobs.run_import_file(run_id)  # as a worker would, until it was killed
    db.session.rollback()
    run = the_run()
    assert (run.status, run.rows_done, run.created, run.errors) == (
        RunStatus.RUNNING, 2, 1, [[3, run.errors[0][1]]])
    monkeypatch.setattr(PropertyImporter, "apply", apply)

    tally = import_jobs.reconcile()  # the database says both runs are owed
    assert (int(tally), tally.count(Enqueued.NEW)) == (2, 2)
    work()
    run = the_run()
    assert (run.status, run.attempts, run.created, run.rows_done) == (RunStatus.DONE, 2, 2, 4)
    assert [line for line, _ in run.errors] == [3, 4]  # each bad line once
    assert properties() == 2
    assert audit_rows("register_property")[0].summary.startswith("properties.csv: 2 created")
    residents = db.session.get(ImportRun, run_id - 1)  # lost with Redis, found again too
    assert residents.status is RunStatus.DONE and residents.attempts == 1


def test_a_run_that_keeps_dying_is_marked_failed(signed_in, clock, work):
    admin = signed_in("admin")
    location = upload(admin, PROPERTIES_CSV, "properties.csv").location
    run = the_run()
    run.status, run.attempts = RunStatus.RUNNING, 3
    db.session.commit()
    work()
    page = admin.get(location).get_data(as_text=True)
    assert 'id="import-failure"' in page and "导入已中断 3 次" in page
    assert the_run().data is None and properties() == 0


def test_a_dry_run_checks_every_line_and_saves_nothing(signed_in, clock, work):
    admin = signed_in("admin")
    upload(admin, PROPERTIES_CSV, "properties.csv")
    work()
    location = upload(admin, residents_xlsx(), "residents.xlsx", "residents",
                      dry_run="y").location
    work()
    page = admin.get(location).get_data(as_text=True)
    assert "新增 2，" in page and "未保存任何数据" in page
    assert [line for line, _ in the_run().errors] == [3, 5, 6]
    assert db.session.scalar(select(func.count()).select_from(Resident)) == 0
    assert audit_rows("register_resident") == []
    assert admin.get(location + ".json").get_json()["done"] == 5


def test_a_bad_file_is_refused_at_once_and_only_administrators_import(signed_in, clock):
    admin = signed_in("admin")
    bad = upload(admin, b"not,a,register\n1,2,3\n", "x.csv", "residents")
    assert bad.status_code == 400 and 'id="import-error"' in bad.get_data(as_text=True)
    assert upload(admin, b"", "", "residents").status_code == 400
    assert the_run() is None
    location = upload(admin, PROPERTIES_CSV, "properties.csv").location
    supervisor = signed_in("supervisor")
    assert supervisor.get(location).status_code == 403
    assert supervisor.get(location + ".json").status_code == 403
    assert upload(supervisor, PROPERTIES_CSV, "properties.csv").status_code == 403
    assert admin.get("/admin/register/import/987654.json").status_code == 404


def test_an_unexpected_error_fails_the_run_and_keeps_the_rows_committed(
        signed_in, clock, work, monkeypatch):
    admin = signed_in("admin")
    location = upload(admin, PROPERTIES_CSV, "properties.csv").location
    monkeypatch.setattr(import_jobs, "BATCH_SIZE", 2)
    apply = PropertyImporter.apply

    def breaks_on_line_4(self, row):
        if row.line == 4:
            raise RuntimeError("a bug")
        return apply(self, row)

    monkeypatch.setattr(PropertyImporter, "apply", breaks_on_line_4)
    work()
    run = the_run()
    assert (run.status, run.rows_done, run.created, run.data) == (RunStatus.FAILED, 2, 1, None)
    assert properties() == 1
    assert 'id="import-failure"' in admin.get(location).get_data(as_text=True)
    assert admin.get(location + ".json").get_json()["finished"] is True


def test_an_import_job_may_run_for_an_hour_then_its_run_says_it_timed_out(
        signed_in, clock, redis, work, monkeypatch):
    admin = signed_in("admin")
    location = upload(admin, PROPERTIES_CSV, "properties.csv").location
    queued = Job.fetch(import_jobs.import_job_id(the_run().id), connection=redis)
    assert queued.timeout == 3600  # not RQ's 180 s

    def too_long(self, row):
        raise JobTimeoutException("RQ's death penalty")

    monkeypatch.setattr(PropertyImporter, "apply", too_long)
    work()
    assert the_run().status is RunStatus.FAILED
    assert "时限" in admin.get(location).get_data(as_text=True)


def test_a_job_whose_run_another_job_took_over_stops_without_importing_its_batch(
        signed_in, clock, work, monkeypatch):
    admin = signed_in("admin")
    upload(admin, MANY, "many.csv")  # its job waits in the queue: the one that takes over
    run_id = the_run().id
    monkeypatch.setattr(import_jobs, "BATCH_SIZE", 2)
    apply = PropertyImporter.apply

    def taken_over_on_line_4(self, row):
        if row.line == 4:  # meanwhile a job taken back from this "dead" worker started the run
            db.session.execute(update(ImportRun).where(ImportRun.id == run_id).values(
                version=ImportRun.version + 1, attempts=ImportRun.attempts + 1),
                execution_options={"synchronize_session": False})
        return apply(self, row)

    monkeypatch.setattr(PropertyImporter, "apply", taken_over_on_line_4)
    assert "taken over" in import_jobs.run_import_file(run_id)
    monkeypatch.setattr(PropertyImporter, "apply", apply)
    run = the_run()
    assert (run.status, run.rows_done, properties()) == (RunStatus.RUNNING, 2, 2)  # 3-4 undone
    work()
    run = the_run()
    assert (run.status, run.rows_done, run.created, properties()) == (RunStatus.DONE, 7, 7, 7)
