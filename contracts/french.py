"""Dates and times as a French receptionist says and writes them."""

from __future__ import annotations

import datetime as dt

JOURS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MOIS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip


def french_date(day: dt.date) -> str:
    """'mardi 24 novembre 2026'."""
    return f"{JOURS[day.weekday()]} {day.day} {MOIS[day.month - 1]} {day.year}"


def french_time(at: dt.time) -> str:
    """'9h00', '14h20'."""
    return f"{at.hour}h{at.minute:02d}"
