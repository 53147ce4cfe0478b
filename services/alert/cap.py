"""An alert as a Common Alerting Protocol 1.2 message (OASIS, urn:oasis:names:tc:emergency:cap:1.2).

One `<alert>` per Tocsin alert: identifier = the alert id, sent = when it was raised, one
`<info>` with severity and certainty from the alert (see severity.py), the quote as
description, the article's url as web, the place (or the country) as area, and Tocsin's own
fields as `<parameter>` pairs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from schemas.alerts import Alert
from schemas.vocab import AlertKind, MeasureStatus

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
SENDER = "tocsin"


def _sent(at: float) -> str:
    # CAP wants e.g. 2002-05-24T16:49:00-07:00, no fractions, "-00:00" never used for UTC
    return datetime.fromtimestamp(at, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _event(alert: Alert) -> str:
    if alert.kind == AlertKind.CASUALTY_CHANGE:
        return f"{alert.category} {alert.group}".replace("_", " ")
    return f"{alert.measure} {alert.status}".replace("_", " ")


def _headline(alert: Alert) -> str:
    where = alert.location or alert.country or "unknown country"
    if alert.kind == AlertKind.CASUALTY_CHANGE:
        was = f" (was {alert.previous.min})" if alert.previous is not None else ""
        return f"{where}: {alert.min} {_event(alert)}{was}"
    was = f" (was {alert.previous_status})" if alert.previous_status is not None else ""
    return f"{where}: {_event(alert)}{was}"


def _parameters(alert: Alert) -> list[tuple[str, str]]:
    names = (
        "story_id", "kind", "category", "group", "location", "min", "max", "qualifier",
        "measure", "status", "target", "previous_status", "article_id", "outlet", "day",
        "outlets",
    )
    data = alert.model_dump(mode="json")
    pairs = [(n, str(data[n])) for n in names if data.get(n) is not None]
    if alert.previous is not None:
        pairs.append(("previous_min", str(alert.previous.min)))
    return pairs


def to_cap(alert: Alert, sender: str = SENDER) -> str:
    """The alert as a CAP 1.2 XML document (UTF-8 text with its declaration)."""
    ET.register_namespace("", CAP_NS)

    def add(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
        node = ET.SubElement(parent, f"{{{CAP_NS}}}{tag}")
        if text is not None:
            node.text = text
        return node

    root = ET.Element(f"{{{CAP_NS}}}alert")
    add(root, "identifier", alert.id)
    add(root, "sender", sender)
    add(root, "sent", _sent(alert.raised_at))
    add(root, "status", "Actual")
    add(root, "msgType", "Alert")
    add(root, "scope", "Public")
    info = add(root, "info")
    add(info, "category", "Security")
    add(info, "event", _event(alert))
    future = alert.status == MeasureStatus.PLANNED
    add(info, "urgency", "Future" if future else "Immediate")
    add(info, "severity", alert.severity)
    add(info, "certainty", alert.certainty)
    add(info, "senderName", alert.outlet or sender)
    add(info, "headline", _headline(alert))
    add(info, "description", alert.quote)
    if alert.url:
        add(info, "web", alert.url)
    for name, value in _parameters(alert):
        param = add(info, "parameter")
        add(param, "valueName", name)
        add(param, "value", value)
    area = add(info, "area")
    add(area, "areaDesc", ", ".join(p for p in (alert.location, alert.country) if p) or "unknown")
    if alert.country:
        code = add(area, "geocode")
        add(code, "valueName", "ISO3166-1")
        add(code, "value", alert.country)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
