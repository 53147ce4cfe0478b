"""Synthetic news for load and fault runs, written by us from templates.

Stories are per country; within a story the figures rise and measures change status, so that
articles raise alerts. Every article carries enough varied filler that near-duplicate
detection does not merge two of them.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

from schemas.article import ArticleIn

COUNTRIES = [
    ("en", "Nigeria", "Lagos"), ("en", "Kenya", "Mombasa"), ("en", "Bangladesh", "Dhaka"),
    ("en", "Sri Lanka", "Colombo"), ("en", "Pakistan", "Karachi"), ("en", "Uganda", "Kampala"),
    ("fr", "Sénégal", "Dakar"), ("fr", "Mali", "Bamako"), ("fr", "Guinée", "Conakry"),
    ("fr", "Cameroun", "Douala"), ("fr", "Tunisie", "Sfax"), ("fr", "Haïti", "Port-au-Prince"),
    ("es", "Perú", "Arequipa"), ("es", "Ecuador", "Guayaquil"), ("es", "Colombia", "Cali"),
    ("es", "Bolivia", "Cochabamba"), ("es", "Paraguay", "Asunción"),
    ("es", "Honduras", "Tegucigalpa"),
]

LEADS = {
    "en": [
        "Police in {country} said {killed} protesters were killed and {injured} people were "
        "injured in clashes in {city} on Tuesday.",
        "At least {killed} people have been killed in {country} since the protests began, a "
        "rights group said, and {arrested} people have been arrested.",
    ],
    "fr": [
        "Au {country}, la police a indiqué que {killed} manifestants ont été tués et {injured} "
        "personnes blessées mardi à {city}.",
        "Au moins {killed} personnes ont été tuées au {country} depuis le début des "
        "manifestations et {arrested} personnes ont été arrêtées, selon une ONG.",
    ],
    "es": [
        "La policía de {country} informó que {killed} manifestantes murieron y {injured} "
        "personas resultaron heridas el martes en {city}.",
        "Al menos {killed} personas han muerto en {country} desde el inicio de las protestas y "
        "{arrested} personas fueron detenidas, según una ONG.",
    ],
}

MEASURES = {
    "en": ["Authorities imposed a curfew in {city}.", "The curfew in {city} was lifted."],
    "fr": ["Les autorités ont imposé un couvre-feu à {city}.",
           "Le couvre-feu a été levé à {city}."],
    "es": ["Las autoridades impusieron el toque de queda en {city}.",
           "Se levantó el toque de queda en {city}."],
}

FILLER = {
    "en": ["Shops stayed shut along the main avenue", "Teachers joined the strike in the north",
           "The finance minister met union leaders", "Fuel queues stretched for hours",
           "Opposition leaders called for calm", "Hospitals asked for blood donations",
           "Schools were closed for the week", "Farmers blocked a highway with tractors",
           "The central bank kept its rate unchanged", "Bus drivers refused to work",
           "A bridge was reopened after repairs", "Market traders counted their losses"],
    "fr": ["Les commerces sont restés fermés", "Les enseignants ont rejoint la grève",
           "Le ministre a reçu les syndicats", "Les files d'attente s'allongent aux stations",
           "L'opposition appelle au calme", "Les hôpitaux demandent des dons de sang",
           "Les écoles sont fermées pour la semaine", "Des agriculteurs bloquent une route",
           "La banque centrale maintient son taux", "Les chauffeurs de bus refusent de rouler",
           "Un pont a été rouvert", "Les marchands font le compte de leurs pertes"],
    "es": ["Las tiendas siguieron cerradas", "Los docentes se sumaron a la huelga",
           "El ministro recibió a los sindicatos", "Las filas en las gasolineras crecen",
           "La oposición pidió calma", "Los hospitales piden donantes de sangre",
           "Las escuelas cerraron por una semana", "Campesinos bloquearon una carretera",
           "El banco central mantuvo su tasa", "Los choferes de buses no trabajaron",
           "Un puente fue reabierto", "Los comerciantes cuentan sus pérdidas"],
}


def _filler(rng: random.Random, lang: str) -> str:
    words = rng.sample(FILLER[lang], 6)
    return ". ".join(f"{w} ({rng.randint(2, 40)} km, ref {rng.getrandbits(40):x})"
                     for w in words) + "."


def articles(count: int, seed: int = 7, tag: str = "syn") -> Iterator[ArticleIn]:
    """`count` articles, round-robin over the stories, figures rising within each story."""
    rng = random.Random(seed)
    step: dict[int, int] = {}
    for n in range(count):
        story = n % len(COUNTRIES)
        k = step[story] = step.get(story, 0) + 1
        lang, country, city = COUNTRIES[story]
        lead = rng.choice(LEADS[lang]).format(
            country=country, city=city, killed=3 + 2 * k, injured=10 + 5 * k, arrested=20 + 7 * k
        )
        measure = MEASURES[lang][k % 2 if k % 3 else 0].format(city=city)
        text = f"{lead} {measure}\n\n{_filler(rng, lang)}"
        day = date(2025, 1, 1) + timedelta(days=k)
        yield ArticleIn(
            id=f"{tag}-{story:02d}-{k:05d}",
            url=f"https://synthetic.example/{tag}/{story}/{k}",
            outlet=f"outlet-{n % 5}",
            published=day.isoformat(),
            lang=lang,
            title=f"{country}: protests, day {k}",
            text=text,
        )
