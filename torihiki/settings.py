"""One settings object; environment variables (TORIHIKI_*) override the defaults."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TORIHIKI_", extra="ignore")

    database_url: str = "sqlite:///data/torihiki.db"
    # Files above this size are refused before they are parsed.
    max_input_bytes: int = 20 * 1024 * 1024
    # spaCy model; tests and the benchmark use the same one.
    spacy_model: str = "ja_ginza"
    # SQLite busy timeout (seconds) so concurrent runs wait instead of failing.
    sqlite_busy_timeout: float = 30.0
    # `torihiki ingest https://...`: per-connection timeout (seconds), redirects
    # followed, and whether loopback, link-local and private addresses may be
    # fetched (off: the fetcher cannot be aimed at the local network).
    fetch_timeout: float = 20.0
    fetch_max_redirects: int = 5
    fetch_allow_private: bool = False


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
