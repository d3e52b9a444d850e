"""/admin/register/import: an existing register's properties or residents
from a CSV or XLSX file, through the same importers as `flask import
properties|residents` (bad rows reported by line, good rows kept, one audit
row per file). The command line shows a progress bar; the page, the result."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from app.admin.imports.common import ImportFileError, read_table
from app.auth import roles_required
from app.register import imports
from app.register.admin import bp
from cases.models.users import Role

KINDS = {"properties": (imports.PROPERTY_COLUMNS, imports.import_properties),
         "residents": (imports.RESIDENT_COLUMNS, imports.import_residents)}
MAX_BYTES = 20 * 1024 * 1024


@bp.route("/import", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def import_register():
    result, error, kind = None, None, request.form.get("kind", "properties")
    if request.method == "POST":
        upload = request.files.get("file")
        if kind not in KINDS:
            error = _("Choose what the file holds.")
        elif upload is None or not upload.filename:
            error = _("Choose a CSV or XLSX file.")
        else:
            data = upload.read(MAX_BYTES + 1)
            columns, run = KINDS[kind]
            try:
                if len(data) > MAX_BYTES:
                    raise ImportFileError("the file is larger than 20 MB")
                parsed = read_table(data, upload.filename, columns)
            except ImportFileError as exc:
                error = str(exc)
            else:
                result = run(parsed.rows, current_user.username, source=upload.filename[:100],
                             dry_run=request.form.get("dry_run") == "y")
    return render_template("register/admin_import.html", result=result, error=error, kind=kind,
                           kinds=KINDS)
