"""The one settings class. The environment is read here and nowhere else."""

from __future__ import annotations

from pydantic import AliasChoices, BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WorkerSettings(BaseModel):
    consumer: str | None = Field(
        default=None, description="consumer name in the groups; default hostname-pid"
    )
    claim_idle_ms: int = Field(
        default=10_000, ge=100, description="pending entries idle this long are claimed"
    )
    max_attempts: int = Field(
        default=3, ge=1, description="deliveries before a failing message is dead-lettered"
    )
    polling_ms: int = Field(default=100, ge=1, description="XREADGROUP block time")
    read_count: int = Field(
        default=50, ge=1,
        description="entries one XREADGROUP takes at most (the read, the acknowledgement and "
        "the writes of a batch cost one round trip each, whatever its size); the entries in "
        "hand are claimed again while they wait, so that no other replica takes them",
    )
    linger_ms: int = Field(
        default=10, ge=0,
        description="under load (a read found its entries waiting) but short of read_count, "
        "the next read waits this long, so that entries arriving meanwhile are read, "
        "acknowledged and written on together: a batch of one costs a stage about twice "
        "per entry what a batch of ten does; a read that had to wait is not delayed, so a "
        "light load keeps its latency; 0: never wait",
    )
    flush_ms: int = Field(
        default=20, ge=0,
        description="the outputs and acknowledgements of a read's finished entries are sent "
        "together once the first of them has waited this long (and when the read is done)",
    )
    stream_maxlen: int = Field(
        default=100_000,
        ge=1000,
        description="approximate cap of streams that no consumer group reads (receipts; "
        "alerts while no subscriber group exists); grouped streams are trimmed behind "
        "their slowest group instead",
    )
    trim_every_s: float = Field(default=30.0, gt=0, description="how often streams are trimmed")
    shutdown_timeout_s: float = Field(
        default=10.0, gt=0, description="on SIGTERM, how long in-flight messages may take"
    )


class ExtractSettings(BaseModel):
    max_text_chars: int = Field(
        default=200_000, ge=1000, description="longer texts are cut before extraction"
    )
    languages: list[str] = Field(
        default_factory=lambda: ["en", "fr", "es"], description="languages to read"
    )
    processes: int | None = Field(
        default=None, ge=0,
        description="extraction processes of an extract worker; unset: one per core; 0: "
        "extract in the worker's own process (no time bound)",
    )
    timeout_s: float = Field(
        default=10.0, gt=0,
        description="an article whose extraction takes longer is abandoned and dead-lettered",
    )
    run_chars: int = Field(
        default=20_000, ge=1,
        description="a batch's articles go to an extraction process in runs of up to this "
        "many characters in all (an article longer than that goes alone): one message each "
        "way per run, and a run stays well inside the time bound",
    )


class WebhookSettings(BaseModel):
    enabled: bool = Field(default=True, description="the alert worker delivers webhooks")
    group: str = Field(default="webhooks", description="consumer group on the alerts stream")
    timeout_s: float = Field(default=10.0, gt=0, description="one POST's timeout")
    max_attempts: int = Field(default=6, ge=1, description="POSTs before dead-lettering")
    backoff_base_s: float = Field(default=0.5, gt=0, description="first retry delay")
    backoff_max_s: float = Field(default=60.0, gt=0, description="cap of one retry delay")
    retry_after_max_s: float = Field(
        default=300.0, gt=0, description="longest Retry-After honoured"
    )
    signature_tolerance_s: int = Field(
        default=300, ge=1, description="receivers refuse signatures older than this"
    )
    subscribers_refresh_s: float = Field(
        default=1.0, ge=0,
        description="the alert worker reads the subscriber list again after this long (not "
        "once per alert): a subscriber registered or removed takes effect within it; 0: "
        "read it for every alert",
    )


class AlertSettings(BaseModel):
    story_silence_days: int = Field(
        default=21, ge=1, description="a story with no article for this long is closed"
    )
    story_history: int = Field(
        default=100, ge=1, description="stories remembered per country for late articles"
    )
    memo_ttl_days: int = Field(
        default=30, ge=1, description="how long article-to-story and published-alert marks live"
    )
    cas_attempts: int = Field(
        default=50, ge=1, description="optimistic retries when workers race on one story"
    )
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)


class IngestSettings(BaseModel):
    dedup_ttl_s: int = Field(
        default=30 * 86_400, ge=60, description="how long ingest remembers ids, URLs and texts"
    )
    near_duplicate_similarity: float = Field(
        default=0.8, ge=0, le=1,
        description="Jaccard similarity of word 3-shingles from which two texts with the same "
        "figures are near-duplicates; 0: off",
    )
    max_text_chars: int = Field(
        default=2_000_000, ge=1000, description="longer article texts are refused"
    )
    http_host: str = Field(default="127.0.0.1", description="address of POST /articles")
    http_port: int = Field(default=8080, ge=1, le=65535)
    http_max_body_bytes: int = Field(
        default=32 * 1024 * 1024, ge=1024, description="larger request bodies are refused"
    )
    sources_file: str | None = Field(
        default=None, description="TOML file of feeds that the ingest app polls"
    )
    feed_interval_s: float = Field(default=300.0, gt=0, description="default poll interval")
    feed_max_backoff_s: float = Field(
        default=3600.0, gt=0, description="longest wait after repeated feed errors"
    )
    page_min_words: int = Field(
        default=25, ge=1, description="a page whose main text is shorter is no article"
    )
    page_max_bytes: int = Field(
        default=2 * 1024 * 1024, ge=1024, description="larger pages are not read for their text"
    )
    page_timeout_s: float = Field(
        default=10.0, gt=0, description="hard bound on reading one page's text (then refused)"
    )
    max_items_per_poll: int = Field(
        default=50, ge=1, description="newest feed items looked at per poll"
    )
    fetch_timeout_s: float = Field(default=15.0, gt=0, description="whole-response time cap")
    fetch_max_bytes: int = Field(
        default=5 * 1024 * 1024, ge=1024, description="larger responses are refused"
    )
    fetch_max_redirects: int = Field(default=5, ge=0)
    fetch_per_host: int = Field(default=2, ge=1, description="concurrent requests per host")
    user_agent: str = "Tocsin/0.1 (+https://github.com/tocsin)"


class ObservabilitySettings(BaseModel):
    enabled: bool = Field(
        default=True, description="serve /healthz, /readyz and /metrics from every worker"
    )
    host: str = Field(default="127.0.0.1", description="address of the health and metrics server")
    port: int = Field(default=9100, ge=1, le=65535, description="port of /healthz /readyz /metrics")
    check_timeout_s: float = Field(
        default=2.0, gt=0, description="time allowed to the Redis checks of /readyz and /metrics"
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TOCSIN_",
        env_nested_delimiter="__",
        extra="ignore",
        populate_by_name=True,
    )

    redis_url: str = Field(
        default="redis://localhost:6379/0",
        validation_alias=AliasChoices("REDIS_URL", "TOCSIN_REDIS_URL"),
    )
    redis_cluster: bool = Field(
        default=False,
        description="REDIS_URL names one node of a Redis Cluster: open cluster clients, which "
        "find the other nodes and follow their redirections",
    )
    stream_prefix: str = Field(default="tocsin", min_length=1, pattern=r"^[A-Za-z0-9_.:-]+$")
    log_level: str = "INFO"
    log_json: bool | None = Field(
        default=None, description="JSON logs; default: JSON unless stderr is a terminal"
    )
    worker: WorkerSettings = Field(default_factory=WorkerSettings)
    extract: ExtractSettings = Field(default_factory=ExtractSettings)
    alert: AlertSettings = Field(default_factory=AlertSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    observability: ObservabilitySettings = Field(default_factory=ObservabilitySettings)
    fetch_allow_private: bool = Field(
        default=False,
        description="let the fetcher reach private, loopback and link-local addresses",
    )
    redis_timeout_s: float | None = Field(
        default=None, gt=0,
        description="how long a Redis reply may take before the call fails and the connection "
        "is dropped; unset: no bound (redis-py then sends each command directly instead of in a "
        "task of its own, ~20 us less per round trip). A dead server or a cut network is found "
        "by TCP keepalive in about 15 s either way",
    )
