"""Made-up news-like texts for the tests (never corpus text): a story, its copies, its update."""

from __future__ import annotations

import random

# fmt: off
_WORDS = (
    "city", "council", "police", "street", "market", "station", "morning", "evening", "report",
    "crowd", "road", "bridge", "square", "government", "minister", "protest", "group", "witness",
    "hospital", "official", "statement", "office", "night", "capital", "region", "village",
    "district", "army", "spokesman", "province", "border", "convoy", "school", "leader", "union",
    "court", "traffic", "harbour", "airport", "weather", "river", "hill", "people", "residents",
)
# fmt: on


def story(seed: int, figure: int = 12, words: int = 160) -> str:
    """About `words` words of sentences, in paragraphs, that state `figure` once."""
    rng = random.Random(seed)
    sentences = [f"Officials said {figure} people were hurt in the {rng.choice(_WORDS)}."]
    count = len(sentences[0].split())
    while count < words:
        length = rng.randint(8, 14)
        body = " ".join(rng.choice(_WORDS) for _ in range(length))
        sentences.append(body.capitalize() + ".")
        count += length
    paragraphs = [" ".join(sentences[i : i + 4]) for i in range(0, len(sentences), 4)]
    return "\n\n".join(paragraphs)


def retouched(text: str) -> str:
    """The same wire copy as another outlet runs it: a byline added, one word changed."""
    words = text.split(" ")
    middle = len(words) // 2
    words[middle] = "reportedly"
    return "From our correspondents. " + " ".join(words)


def updated(text: str, old: int, new: int) -> str:
    """The same copy with its figure changed: news, not a duplicate."""
    return text.replace(f"said {old} people", f"said {new} people", 1)
