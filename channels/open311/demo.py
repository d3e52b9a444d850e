"""The demo district's Open311 part (the `open311` section of
app/demo/huangpu.json): a couple of category attributes and the city's
client key. Idempotent, like the demo loader; `flask open311-demo load`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from flask import Blueprint
from sqlalchemy import select

from cases.models import Category
from channels.open311.attributes import ServiceAttribute
from channels.open311.models import ApiKey, hash_key
from core.db import db

DATA = Path(__file__).resolve().parents[2] / "app" / "demo" / "huangpu.json"


def load(path: Path = DATA) -> dict[str, int]:
    """Add what is missing; returns how many attributes and keys were added."""
    section: dict[str, Any] = json.loads(path.read_text(encoding="utf-8")).get("open311", {})
    added = {"attributes": 0, "api keys": 0}
    for code, specs in section.get("attributes", {}).items():
        category = db.session.scalar(select(Category).where(Category.code == code))
        if category is None:
            raise ValueError(f"open311 demo: no category {code!r}; load the demo district first")
        have = set(db.session.scalars(
            select(ServiceAttribute.code).where(ServiceAttribute.category_id == category.id)))
        for spec in specs:
            if spec["code"] in have:
                continue
            db.session.add(ServiceAttribute(
                category_id=category.id, code=spec["code"], datatype=spec["datatype"],
                required=spec.get("required", False), position=spec.get("order", 1),
                description=spec.get("description", ""), choices=spec.get("values", []),
            ))
            added["attributes"] += 1
    for spec in section.get("clients", []):
        digest = hash_key(spec["demo_key"])
        if db.session.scalar(select(ApiKey).where(ApiKey.key_hash == digest)) is None:
            db.session.add(ApiKey(client=spec["client"], key_hash=digest))
            added["api keys"] += 1
    db.session.commit()
    return added


def register(bp: Blueprint) -> None:
    @bp.cli.command("load")
    def load_command() -> None:
        """Load the demo's Open311 attributes and the city's demo key."""
        added = load()
        click.echo("Open311 demo: " + ", ".join(f"{v} {k} added" for k, v in added.items()))
