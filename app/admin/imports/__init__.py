"""CSV imports of the org tree, users and the address directory.

Each `import_*` function takes the rows of a file read by `read_csv` (each
with its physical line number), keeps the good rows, reports the bad ones by
line, commits in batches and writes one audit row for the file. The `flask
import` commands (app/admin/cli.py) wrap them; docs/import.md describes the
columns. An import started from a page is an import run (`runs.py`), carried
out by a job (the register's: app/register/import_jobs.py).
"""

from app.admin.imports.addresses import import_addresses
from app.admin.imports.common import ImportFileError, ImportResult, Row, read_csv, read_table
from app.admin.imports.units import import_units
from app.admin.imports.users import import_users

__all__ = ["ImportFileError", "ImportResult", "Row", "import_addresses", "import_units",
           "import_users", "read_csv", "read_table"]
