"""Strict reading of configuration from environment variables."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from craneledger.env import env_bool, env_int, env_list, env_url

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("raw,expected", [("1", True), ("Yes", True), ("off", False)])
def test_env_bool_reads_words(monkeypatch, raw, expected):
    monkeypatch.setenv("FLAG", raw)
    assert env_bool("FLAG", not expected) is expected


def test_env_bool_rejects_other_words(monkeypatch):
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="FLAG"):
        env_bool("FLAG", False)


def test_env_bool_default_when_unset(monkeypatch):
    monkeypatch.delenv("FLAG", raising=False)
    assert env_bool("FLAG", True) is True


def test_env_int_rejects_text(monkeypatch):
    monkeypatch.setenv("COUNT", "ten")
    with pytest.raises(ImproperlyConfigured, match="COUNT"):
        env_int("COUNT", 1)


def test_env_list_splits_commas(monkeypatch):
    monkeypatch.setenv("HOSTS", "a.example, b.example,,")
    assert env_list("HOSTS", []) == ["a.example", "b.example"]


@pytest.mark.parametrize(
    "raw",
    ["mysql://localhost/db", "postgres//localhost/db", "postgres://host:port/db", "x"],
)
def test_env_url_rejects_malformed(monkeypatch, raw):
    monkeypatch.setenv("DATABASE_URL", raw)
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        env_url("DATABASE_URL", {"sqlite", "postgres"})


def test_env_url_accepts_postgres(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@127.0.0.1:5432/db")
    url = env_url("DATABASE_URL", {"postgres"})
    assert url == "postgres://u@127.0.0.1:5432/db"


@pytest.mark.parametrize(
    "name,value",
    [("DEBUG", "maybe"), ("DATABASE_URL", "ftp://x/y"), ("REDIS_URL", "localhost")],
)
def test_bad_variable_stops_start_up(tmp_path, name, value):
    env = {**os.environ, name: value, "CRANELEDGER_VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert name in result.stderr
