"""The controlled vocabularies of ANNOTATION.md, defined once and used everywhere."""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    KILLED = "killed"
    INJURED = "injured"
    ARRESTED = "arrested"


class Group(StrEnum):
    PROTESTERS = "protesters"
    SECURITY_FORCES = "security_forces"
    CIVILIANS = "civilians"
    MILITANTS = "militants"
    UNSPECIFIED = "unspecified"


class Qualifier(StrEnum):
    EXACT = "exact"
    AT_LEAST = "at_least"
    ABOUT = "about"
    NEARLY = "nearly"
    UP_TO = "up_to"
    VAGUE = "vague"


class MeasureKind(StrEnum):
    CURFEW = "curfew"
    INTERNET_SHUTDOWN = "internet_shutdown"
    STATE_OF_EMERGENCY = "state_of_emergency"
    FOREIGN_TROOPS = "foreign_troops"
    MILITARY_DEPLOYMENT = "military_deployment"
    SHOOT_TO_KILL = "shoot_to_kill"
    TRANSPORT_SUSPENSION = "transport_suspension"
    GATHERING_BAN = "gathering_ban"


class MeasureStatus(StrEnum):
    IN_FORCE = "in_force"
    LIFTED = "lifted"
    PARTIAL = "partial"
    PLANNED = "planned"


class AlertKind(StrEnum):
    CASUALTY_CHANGE = "casualty_change"
    MEASURE_CHANGE = "measure_change"


class FactType(StrEnum):
    CASUALTY = "casualty"
    MEASURE = "measure"
