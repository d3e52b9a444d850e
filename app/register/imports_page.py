"""/admin/register/import: an existing register's properties or residents
from a CSV or XLSX file, through the same importers as `flask import
properties|residents` (bad rows reported by line, good rows kept, one audit
row per file).

The page does not import in the request: it checks the file (its size, its
header), stores it in an import run and enqueues the job
(app/register/import_jobs.py), then shows the run: a <progress> bar that
static/js/import-progress.js moves by polling the run's JSON, or, without
JavaScript, a page that refreshes itself; then the result with its errors.
"""

from __future__ import annotations

from flask import abort, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.admin.imports.common import ImportFileError, read_table
from app.admin.imports.runs import RUN_STATUS_LABELS, ImportRun, submit
from app.auth import roles_required
from app.register import import_jobs
from app.register.admin import bp
from cases.models.users import Role
from core.db import db

KINDS = import_jobs.KINDS
MAX_BYTES = 20 * 1024 * 1024
RUNS_PER_PAGE = 20
REFRESH_SECONDS = 2  # the page without JavaScript reloads itself this often


@bp.route("/import", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def import_register():
    error, kind = None, request.form.get("kind", "properties")
    if request.method == "POST":
        error, run = _submit(kind)
        if run is not None:
            db.session.commit()  # then the job is enqueued (after_commit)
            return redirect(url_for(".import_run", run_id=run.id), code=303)
    runs = db.paginate(select(ImportRun).order_by(ImportRun.id.desc()), per_page=RUNS_PER_PAGE)
    return render_template("register/admin_import.html", error=error, kind=kind, runs=runs,
                           labels=RUN_STATUS_LABELS), 400 if error else 200


def _submit(kind: str) -> tuple[str | None, ImportRun | None]:
    """The file checked, stored in a new run and its job on the way; or the error."""
    upload = request.files.get("file")
    if kind not in KINDS:
        return _("Choose what the file holds."), None
    if upload is None or not upload.filename:
        return _("Choose a CSV or XLSX file."), None
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        return _("The file is larger than 20 MB."), None
    try:
        # Only the header here: reading a 50,000-row workbook takes seconds,
        # which the job spends (and counts the rows for the bar) instead.
        read_table(data, upload.filename, KINDS[kind][0], header_only=True)
    except ImportFileError as exc:
        return str(exc), None
    run = submit(kind, upload.filename, data, current_user,
                 dry_run=request.form.get("dry_run") == "y")
    import_jobs.enqueue_after_commit(run)
    return None, run


@bp.get("/import/<int:run_id>")
@roles_required(Role.ADMIN)
def import_run(run_id: int):
    run = _run(run_id)
    done = import_jobs.rows_done(run)
    return render_template("register/admin_import_run.html", run=run, done=done,
                           progress_text=_progress_text(run, done), labels=RUN_STATUS_LABELS,
                           refresh=REFRESH_SECONDS)


@bp.get("/import/<int:run_id>.json")
@roles_required(Role.ADMIN)
def import_run_status(run_id: int):
    """What the bar needs, polled by static/js/import-progress.js."""
    run = _run(run_id)
    done = import_jobs.rows_done(run)
    return jsonify(status=run.status.value, label=str(RUN_STATUS_LABELS[run.status]),
                   finished=run.finished, total=run.total_rows, done=done,
                   created=run.created, updated=run.updated, unchanged=run.unchanged,
                   bad=run.bad_rows, text=_progress_text(run, done))


def _run(run_id: int) -> ImportRun:
    run = db.session.get(ImportRun, run_id)
    if run is None:
        abort(404)
    return run


def _progress_text(run: ImportRun, done: int) -> str:
    if not run.total_rows and not run.finished:
        return _("The rows of the file are being counted.")
    return _("%(done)s of %(total)s rows", done=done, total=run.total_rows)
