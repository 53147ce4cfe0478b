"""Normalisation of a submitted article into the `Article` of the articles stream.

Pure: no I/O, no broker. The text is tidied but otherwise kept as the source gave it, because
extraction quotes spans of it: Unicode NFC, line ends unified, control and invisible format
characters removed, runs of horizontal blanks reduced to one, blanks at line ends dropped,
more than one empty line reduced to one, and the whole stripped.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tld import get_fld

from schemas.article import Article, ArticleIn

# Query parameters that only say how a reader reached a page: campaign tags and click ids.
_TRACKING_PREFIXES = ("utm_", "mtm_", "pk_", "hsa_", "at_", "_hs")
# fmt: off
_TRACKING_NAMES = frozenset({
    "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid",
    "mc_cid", "mc_eid", "_ga", "_gl", "ocid", "cmpid", "ncid", "mkt_tok", "twclid", "ttclid",
    "li_fat_id", "s_cid", "vero_id", "oly_anon_id", "oly_enc_id", "rb_clickid", "wt_mc", "xtor",
    "ref_src", "ref_url", "smid",
})
# fmt: on
_DEFAULT_PORTS = {"http": 80, "https": 443}

# Invisible format characters that split words without showing: soft hyphen, zero-width space
# and joiners' cousins that never carry meaning in news text, word joiner, byte order mark.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u2060\ufeff"), None)
# Control characters (Unicode category Cc: U+0000-U+001F and U+007F-U+009F) but line feed
# and tab, removed by one regex: a per-character test took a second per 2 MB of text.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_HORIZONTAL_RUN = re.compile(r"[^\S\n]{2,}|\t")
_LINE_END_BLANKS = re.compile(r"[^\S\n]+\n")
_EMPTY_LINES = re.compile(r"\n{3,}")
_LANG = re.compile(r"^([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*$")


class RefusedError(ValueError):
    """The article cannot enter the pipeline; the message says why, for a human."""


def canonical_url(url: str | None) -> str | None:
    """The URL without tracking parameters, fragment, default port or user info.

    Scheme and host are lowercased; the remaining query parameters are sorted so that two
    orders of one query give one URL. Anything but an absolute http(s) URL gives None.
    """
    if url is None:
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    query = [
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if not _is_tracking(name)
    ]
    return urlunsplit((scheme, netloc, parts.path or "/", urlencode(sorted(query)), ""))


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in _TRACKING_NAMES or lowered.startswith(_TRACKING_PREFIXES)


def outlet_of(url: str | None) -> str | None:
    """The registered domain of a URL (`www.bbc.co.uk` gives `bbc.co.uk`), else its host."""
    canonical = canonical_url(url)
    if canonical is None:
        return None
    domain = get_fld(canonical, fail_silently=True)
    if isinstance(domain, str) and domain:
        return domain
    return urlsplit(canonical).hostname


def tidy_text(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.translate(_INVISIBLE)
    text = _CONTROLS.sub("", text)
    text = _HORIZONTAL_RUN.sub(" ", text)
    text = _LINE_END_BLANKS.sub("\n", text)
    text = _EMPTY_LINES.sub("\n\n", text)
    return text.strip()


def tidy_line(value: str | None) -> str | None:
    """A one-line field (title, outlet): tidied, blanks of any kind reduced to one space."""
    if value is None:
        return None
    line = " ".join(tidy_text(value).split())
    return line or None


def language_code(value: str | None) -> str | None:
    """`fr-FR`, `FR` and `fr_fr` give `fr`; anything that is not a language tag gives None."""
    if value is None:
        return None
    match = _LANG.match(value.strip())
    return match.group(1).lower() if match else None


def text_key(text: str) -> str:
    """What two copies of one text share: its words, case folded, blanks ignored."""
    return " ".join(text.casefold().split())


def article_id_for(item: ArticleIn) -> str:
    """The given id, else a stable hash of the canonical URL, else of the text."""
    if item.id is not None and item.id.strip():
        return item.id.strip()
    url = canonical_url(item.url)
    if url:
        return url_id(url)
    return _short_hash(f"text:{text_key(tidy_text(item.text))}")


def url_id(url: str) -> str:
    """The id of an article known by its canonical URL only."""
    return _short_hash(f"url:{url}")


def _short_hash(basis: str) -> str:
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:16]


def normalise(item: ArticleIn, *, ingested_at: float, max_text_chars: int) -> Article:
    """The article as the articles stream carries it; `RefusedError` when it cannot be."""
    if len(item.text) > 2 * max_text_chars:  # refused before tidying many megabytes
        msg = f"text: {len(item.text)} characters, more than the {max_text_chars} accepted"
        raise RefusedError(msg)
    text = tidy_text(item.text)
    if not text:
        msg = "text: nothing left once blanks and control characters are removed"
        raise RefusedError(msg)
    if len(text) > max_text_chars:
        msg = f"text: {len(text)} characters, more than the {max_text_chars} accepted"
        raise RefusedError(msg)
    url = canonical_url(item.url)
    return Article(
        id=article_id_for(item),
        url=url or (item.url.strip() if item.url and item.url.strip() else None),
        outlet=tidy_line(item.outlet) or outlet_of(url),
        published=item.published,
        lang=language_code(item.lang),
        title=tidy_line(item.title),
        text=text,
        ingested_at=ingested_at,
    )
