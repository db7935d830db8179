"""Reading docker-compose.yml as `docker compose` does, without Docker: YAML (with merge keys),
`.env`-style files, and the Compose specification's variable interpolation."""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERFILE = ROOT / "Dockerfile"
SCHEMA_FILE = Path(__file__).with_name("data") / "compose-spec.json"

# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}, ${NAME:+alt}; $NAME.
_BRACED = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>.*))?\}$")
_PLAIN = re.compile(r"\$(?P<name>[A-Za-z_][A-Za-z0-9_]*)")


class InterpolationError(ValueError):
    pass


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines (comments and blank lines skipped), as compose reads `.env`."""
    values = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            raise ValueError(f"{path}:{number}: not KEY=VALUE: {line!r}")
        key, value = line.split("=", 1)
        values[key.strip()] = value.strip().strip("'\"")
    return values


def commented_keys(path: Path) -> set[str]:
    """Keys documented as `# KEY=value` (optional settings shown but not set)."""
    return set(re.findall(r"^#\s*([A-Z][A-Z0-9_]*)=", path.read_text(), re.M))


def example_env() -> dict[str, str]:
    """`.env.example` with each `change-me` replaced by a URL-safe secret, as a user would."""
    return {
        k: (secrets.token_urlsafe(16) if v == "change-me" else v)
        for k, v in read_env_file(ENV_EXAMPLE).items()
    }


def _braced_end(text: str, start: int) -> int:
    """Index just past the `}` closing the `${` at `start` (defaults may nest `${...}`)."""
    depth = 0
    i = start
    while i < len(text):
        if text.startswith("${", i):
            depth += 1
            i += 2
            continue
        if text[i] == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise InterpolationError(f"unclosed ${{ in {text!r}")


def interpolate(text: str, env: dict[str, str]) -> str:
    out = []
    i = 0
    while i < len(text):
        if text.startswith("$$", i):
            out.append("$")
            i += 2
        elif text.startswith("${", i):
            end = _braced_end(text, i)
            match = _BRACED.match(text[i:end])
            if not match:
                raise InterpolationError(f"bad interpolation {text[i:end]!r}")
            name, op, arg = match["name"], match["op"], match["arg"]
            value = env.get(name)
            if op in (":-", "-"):
                unset = value is None or (op == ":-" and value == "")
                out.append(interpolate(arg, env) if unset else value)
            elif op in (":?", "?"):
                if value is None or (op == ":?" and value == ""):
                    raise InterpolationError(f"required variable {name} is missing: {arg}")
                out.append(value)
            elif op == ":+":
                out.append(interpolate(arg, env) if value else "")
            else:
                out.append(value or "")
            i = end
        elif (match := _PLAIN.match(text, i)) is not None:
            out.append(env.get(match["name"], ""))
            i = match.end()
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def interpolate_tree(node: Any, env: dict[str, str]) -> Any:
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, list):
        return [interpolate_tree(v, env) for v in node]
    if isinstance(node, dict):
        return {k: interpolate_tree(v, env) for k, v in node.items()}
    return node


def variables_used(text: str) -> set[str]:
    """Every variable the file interpolates (`$$` escapes and YAML comments excluded)."""
    text = _strip_comments(text).replace("$$", "")
    return set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", text)) | set(
        re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", text)
    )


def _strip_comments(text: str) -> str:
    return re.sub(r"(^|\s)#.*$", "", text, flags=re.M)


def required_variables(text: str) -> set[str]:
    text = _strip_comments(text).replace("$$", "")
    return set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*):?\?", text))


def raw_compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def compose(env: dict[str, str] | None = None) -> dict[str, Any]:
    """The compose model after interpolation with `env` (default: a filled-in .env.example)."""
    return interpolate_tree(raw_compose(), example_env() if env is None else env)


def as_mapping(environment: Any) -> dict[str, str]:
    """A service's `environment` as a dict (the spec allows a list of KEY=VALUE too)."""
    if environment is None:
        return {}
    if isinstance(environment, list):
        return dict(item.split("=", 1) for item in environment)
    return {k: "" if v is None else str(v) for k, v in environment.items()}


def service_environment(
    model: dict[str, Any], name: str, env_files: dict[str, dict[str, str]]
) -> dict[str, str]:
    """The container environment of a service: its env_file(s), then `environment` over them.

    `env_files` maps an env_file path as written in the compose file to its content."""
    service = model["services"][name]
    merged: dict[str, str] = {}
    for entry in service.get("env_file") or []:
        path = entry["path"] if isinstance(entry, dict) else entry
        merged.update(env_files[path])
    merged.update(as_mapping(service.get("environment")))
    return merged


def named_volume_mounts(service: dict[str, Any]) -> dict[str, str]:
    """{volume name: mount path} for the service's named-volume mounts (short or long syntax)."""
    mounts = {}
    for item in service.get("volumes") or []:
        if isinstance(item, str):
            source, target = item.split(":")[:2]
        else:
            source, target = item.get("source", ""), item["target"]
        if source and not source.startswith((".", "/", "~", "$")):
            mounts[source] = target
    return mounts


def instructions_env() -> dict[str, str]:
    """The image's ENV settings (Dockerfile `ENV K=V ...` lines), as a container starts with."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    env = {}
    for line in text.splitlines():
        line = line.strip()
        if line.upper().startswith("ENV "):
            for token in line[4:].split():
                if "=" in token:
                    key, value = token.split("=", 1)
                    env[key] = value
    return env


WORKER_MACHINE_FILE = ROOT / "deploy" / "docker-compose.worker-machine.yml"


class _Reset:
    """Compose's `!reset` tag: the key is removed from the merged model."""


RESET = _Reset()


class ComposeLoader(yaml.SafeLoader):
    pass


ComposeLoader.add_constructor("!reset", lambda loader, node: RESET)


def load_compose_text(text: str) -> dict[str, Any]:
    return yaml.load(text, Loader=ComposeLoader)  # noqa: S506 - a SafeLoader subclass


def merge(base: Any, override: Any) -> Any:
    """`docker compose -f base -f override`: mappings merge key by key, `!reset` removes a key,
    scalars and sequences of the override win (compose merges some sequences by key; the files
    here override none)."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            if value is RESET:
                merged.pop(key, None)
            elif key in merged:
                merged[key] = merge(merged[key], value)
            else:
                merged[key] = value
        return merged
    return override


def worker_machine_compose(env: dict[str, str]) -> dict[str, Any]:
    """docker-compose.yml with deploy/docker-compose.worker-machine.yml over it, interpolated."""
    merged = merge(raw_compose(), load_compose_text(WORKER_MACHINE_FILE.read_text()))
    return interpolate_tree(merged, env)
