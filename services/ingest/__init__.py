"""Ingest: raw articles in, normalised and de-duplicated articles out on the articles stream.

Sources: the inbox stream (`submit`, `POST /articles`, `tocsin submit`), and RSS/Atom feeds
(`tocsin poll`, or the sources file of the worker). The modules:

- pure, importing neither faststream nor redis: `normalize` (canonical URL, outlet, text,
  ids), `fingerprints` (digest, MinHash, figures), `feeds` (feedparser), `pages` (trafilatura),
  `sources` (the TOML sources file);
- with I/O: `fetch` (the careful HTTP fetcher), `dedup` (the shared memory in Redis, its
  Lua in `scripts`),
  `pipeline` (one article through ingest), `poller` (feeds on a schedule), `submit`,
  `http_api`, `handlers` and `app` (the worker), `cli` (the commands).

A near-duplicate from another outlet is published with `duplicate_of` = the first copy's id
(see `pipeline`): extract does not extract it again, and the alert worker counts its outlet
among those reporting the first copy's figures. A copy from the same outlet is a duplicate.

Nothing is imported here, so that the pure modules stay light to import.
"""
