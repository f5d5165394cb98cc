"""The kinds of emergency Camille recognises: one list for the detector, its model and the audit events."""

from __future__ import annotations

from enum import StrEnum


class EmergencyCategory(StrEnum):
    """What kind of emergency the caller describes."""

    # The order is part of the learned detector's weights (one column per category, after "none"): a new category
    # goes at the end, and the model is retrained.
    CHEST_PAIN = "chest_pain"
    NOT_BREATHING = "not_breathing"
    UNCONSCIOUS = "unconscious"
    STROKE = "stroke"
    HEAVY_BLEEDING = "heavy_bleeding"
    SEIZURE = "seizure"
    ANAPHYLAXIS = "anaphylaxis"
    POISONING_OVERDOSE = "poisoning_overdose"
    SUICIDAL = "suicidal"
    OBSTETRIC_BLEEDING = "obstetric_bleeding"
    CHILD_DISTRESS = "child_distress"
    SEVERE_BURN = "severe_burn"
    MAJOR_TRAUMA = "major_trauma"


class DetectorLayer(StrEnum):
    """A part of the emergency detector that can fail on its own: the text's normalisation, the rules, the learned
    model, or the per-call watch around them."""

    NORMALISE = "normalise"
    RULES = "rules"
    MODEL = "model"
    WATCH = "watch"
