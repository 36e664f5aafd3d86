"""Deployment files: the compose file parses, and every setting it passes exists."""

from __future__ import annotations

from pathlib import Path

import yaml

from bots.runtime.settings import Settings

DOCKER = Path(__file__).resolve().parent.parent / "docker"
COMPOSE_ONLY = {"POSTGRES_PASSWORD", "POSTGRES_DB", "POSTGRES_USER"}
SETTINGS = {name.upper() for name in Settings.model_fields}


def _compose() -> dict[str, object]:
    document = yaml.safe_load((DOCKER / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def test_compose_has_every_service() -> None:
    services = _compose()["services"]
    assert isinstance(services, dict)
    assert {"postgres", "redis", "migrate", "telegram", "vk", "max", "rasa-train",
            "rasa"} <= set(services)  # fmt: skip
    assert services["max"]["command"] == ["run", "max"]
    assert services["rasa"]["image"] == "rasa/rasa:3.6.21-full"
    assert services["rasa-train"]["image"] == "rasa/rasa:3.6.21-full"
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert services["telegram"]["environment"]["RASA_URL"] == "http://rasa:5005"


def test_every_setting_compose_passes_exists() -> None:
    services = _compose()["services"]
    assert isinstance(services, dict)
    for name, service in services.items():
        if "lifebot" not in str(service.get("image", "")):
            continue
        passed = set(service.get("environment") or {})
        assert passed - COMPOSE_ONLY <= SETTINGS, (name, passed - SETTINGS)


def test_env_example_lists_every_setting_and_nothing_else() -> None:
    keys = {
        line.split("=", 1)[0]
        for line in (DOCKER / ".env.example").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    }
    assert keys - COMPOSE_ONLY == SETTINGS


def test_the_image_is_multi_stage_non_root_and_checks_its_health() -> None:
    dockerfile = (DOCKER / "Dockerfile").read_text(encoding="utf-8")
    assert dockerfile.count("\nFROM ") + dockerfile.startswith("FROM ") >= 2
    assert "\nUSER lifebot" in dockerfile
    assert "HEALTHCHECK" in dockerfile
    installed = next(line for line in dockerfile.splitlines() if 'pip install ".[' in line)
    assert all(extra in installed for extra in ("telegram", "vk", "max"))  # every channel
    assert f"HEALTH_PORT={Settings.model_fields['health_port'].default}" in dockerfile
