"""/admin/addresses: the address directory (road number ranges and compound
names -> community) that routes cases by their address text.

cases.routing keeps the directory in memory per process. A change saved
here is flushed through the ORM, which makes this process read it again at
once; other processes (the RQ workers) read it again within
cases.routing.DIRECTORY_TTL seconds."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from app.admin import PAGE_SIZE, bp
from app.admin.audit import AuditAction, record, record_change, snapshot
from app.admin.catalogue_forms import PARITY_LABELS, AddressForm
from app.auth import roles_required
from cases.models import AddressEntry, OrgUnit, Parity, UnitKind
from cases.models.users import Role
from core.db import db
from core.i18n import localname

ADDRESS_FIELDS = ("road", "number_from", "number_to", "parity", "compound", "community", "grid")


def _communities(keep: OrgUnit | None = None) -> list[OrgUnit]:
    """Active communities by street, and `keep` (an entry's own) even if inactive."""
    rows = db.session.scalars(
        select(OrgUnit).where(OrgUnit.kind == UnitKind.COMMUNITY)
        .order_by(OrgUnit.parent_id, OrgUnit.code)
    )
    return [c for c in rows if c.active or (keep is not None and c.id == keep.id)]


def _community_label(unit: OrgUnit) -> str:
    street = f"{localname(unit.parent)} · " if unit.parent else ""
    label = street + localname(unit)
    return label if unit.active else _("%(name)s (inactive)", name=label)


def _form(entry: AddressEntry | None = None) -> AddressForm:
    if entry is not None:
        form = AddressForm(obj=entry)
        if request.method == "GET":  # the form would show the OrgUnit, not its code
            form.community.data = entry.community.code
            form.grid.data = entry.grid.code if entry.grid else ""
        elif "grid" not in request.form:  # a post without the field: keep a grid that still fits
            fits = entry.grid is not None and entry.grid.parent.code == form.community.data
            form.grid.data = entry.grid.code if fits else ""
    else:
        form = AddressForm()
    form.community.choices = [("", _("Choose a community"))] + [
        (c.code, _community_label(c)) for c in _communities(entry.community if entry else None)
    ]
    grids = db.session.scalars(select(OrgUnit).where(OrgUnit.kind == UnitKind.GRID)
                               .order_by(OrgUnit.parent_id, OrgUnit.code)).all()
    form.grid.choices = [("", _("No grid yet"))] + [
        (g.code, f"{_community_label(g.parent)} · {localname(g)}") for g in grids
        if g.parent is not None and (g.active or (entry is not None and entry.grid_id == g.id))]
    return form


def _grid(form: AddressForm) -> OrgUnit | None:
    """The chosen grid, which must lie in the chosen community (else an error
    on the field and None)."""
    if not form.grid.data:
        return None
    grid = db.session.scalar(select(OrgUnit).where(OrgUnit.code == form.grid.data,
                                                   OrgUnit.kind == UnitKind.GRID))
    if grid is None or grid.parent is None or grid.parent.code != form.community.data:
        form.grid.errors.append(_("Choose a grid of the chosen community."))
        return None
    return grid


def _overlaps(a_from: int, a_to: int, a_parity: Parity, entry: AddressEntry) -> bool:
    if entry.number_from is None or entry.number_to is None:
        return False
    low, high = max(a_from, entry.number_from), min(a_to, entry.number_to)
    if low > high:
        return False
    if Parity.ALL in (a_parity, entry.parity) or a_parity is entry.parity:
        # An odd (or even) side shares a number with the other only if the
        # common span holds a number of that parity.
        wanted = a_parity if a_parity is not Parity.ALL else entry.parity
        if wanted is Parity.ALL or high > low:
            return True
        return (low % 2 == 1) == (wanted is Parity.ODD)
    return False  # odd against even never meet


def _check(form: AddressForm, entry: AddressEntry | None) -> bool:
    """What the directory must not hold twice: a compound, or house numbers
    that two entries would send to different communities (the resolver then
    gives up on those addresses). A grid must lie in the community."""
    if form.grid.data and _grid(form) is None:
        return False
    others = select(AddressEntry).where(AddressEntry.id != (entry.id if entry else -1))
    if form.compound.data:
        clash = db.session.scalar(others.where(AddressEntry.compound == form.compound.data))
        if clash is not None:
            form.compound.errors.append(
                _("This compound is already in the directory (in %(community)s).",
                  community=localname(clash.community)))
            return False
        return True
    parity = Parity(form.parity.data)
    community = form.community.data
    for other in db.session.scalars(others.where(AddressEntry.road == form.road.data)):
        if not _overlaps(form.number_from.data, form.number_to.data, parity, other):
            continue
        same = other.community.code == community
        if same and (other.number_from, other.number_to, other.parity) != (
                form.number_from.data, form.number_to.data, parity):
            continue  # a second range for the same community harms nobody
        form.number_from.errors.append(
            _("These numbers overlap %(road)s %(low)s–%(high)s (%(parity)s) in "
              "%(community)s.", road=other.road, low=other.number_from, high=other.number_to,
              parity=PARITY_LABELS[other.parity], community=localname(other.community)))
        return False
    return True


def _apply(form: AddressForm, entry: AddressEntry) -> None:
    entry.compound = form.compound.data or None
    entry.road = form.road.data or None
    if entry.road:
        entry.number_from, entry.number_to = form.number_from.data, form.number_to.data
        entry.parity = Parity(form.parity.data)
    else:
        entry.number_from = entry.number_to = None
        entry.parity = Parity.ALL
    entry.community = db.session.scalar(
        select(OrgUnit).where(OrgUnit.code == form.community.data,
                              OrgUnit.kind == UnitKind.COMMUNITY))
    entry.grid = _grid(form)


def _describe(entry: AddressEntry) -> str:
    where = entry.compound or f"{entry.road} {entry.number_from}-{entry.number_to} " \
        f"{entry.parity.value}"
    return f"{where} -> {entry.community.code}"


@bp.get("/addresses")
@roles_required(Role.ADMIN)
def addresses():
    """`?q=` finds a road or compound by part of its name; `?community=<code>` narrows."""
    q = request.args.get("q", "").strip()
    code = request.args.get("community", "")
    query = select(AddressEntry).order_by(
        AddressEntry.road.is_(None), AddressEntry.road, AddressEntry.number_from,
        AddressEntry.compound, AddressEntry.id)
    if q:
        like = f"%{q.replace('%', '').replace('_', '')}%"
        query = query.where(or_(AddressEntry.road.ilike(like), AddressEntry.compound.ilike(like)))
    if code:
        community = db.session.scalar(select(OrgUnit.id).where(
            OrgUnit.code == code, OrgUnit.kind == UnitKind.COMMUNITY))
        if community is None:
            abort(404)
        query = query.where(AddressEntry.community_id == community)
    page = db.paginate(query, per_page=PAGE_SIZE)
    communities = [(c.code, _community_label(c)) for c in _communities()]
    return render_template("admin/addresses.html", page=page, q=q, community=code,
                           communities=communities)


@bp.route("/addresses/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def address_new():
    form = _form()
    if form.validate_on_submit() and _check(form, None):
        entry = AddressEntry()
        _apply(form, entry)
        db.session.add(entry)
        db.session.flush()
        record(current_user, AuditAction.CREATE, "address_entry", entry.id,
               summary=_describe(entry), after=snapshot(entry, ADDRESS_FIELDS))
        db.session.commit()
        flash(_("The address entry has been added: new cases at this address go to "
                "%(community)s within a minute.", community=localname(entry.community)),
              "success")
        return redirect(url_for("admin.addresses", community=entry.community.code))
    return render_template("admin/addresses_form.html", form=form, entry=None)


@bp.route("/addresses/<int:entry_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def address_edit(entry_id: int):
    entry = db.get_or_404(AddressEntry, entry_id)
    form = _form(entry)
    if form.validate_on_submit() and _check(form, entry):
        before = snapshot(entry, ADDRESS_FIELDS)
        _apply(form, entry)
        if record_change(current_user, "address_entry", entry.id, before,
                         snapshot(entry, ADDRESS_FIELDS), summary=_describe(entry)):
            db.session.commit()
            flash(_("The address entry has been saved."), "success")
        else:
            flash(_("Nothing was changed."), "success")
        return redirect(url_for("admin.addresses", community=entry.community.code))
    return render_template("admin/addresses_form.html", form=form, entry=entry)


@bp.post("/addresses/<int:entry_id>/delete")
@roles_required(Role.ADMIN)
def address_delete(entry_id: int):
    entry = db.get_or_404(AddressEntry, entry_id)
    community = entry.community.code
    record(current_user, AuditAction.DELETE, "address_entry", entry.id,
           summary=_describe(entry), before=snapshot(entry, ADDRESS_FIELDS))
    db.session.delete(entry)
    db.session.commit()
    flash(_("The address entry has been deleted."), "success")
    return redirect(url_for("admin.addresses", community=community))
