"""The Dockerfile and its scripts, checked without Docker: the image holds what the code needs,
installs the lock unchanged, and never takes in a secret."""

from __future__ import annotations

import re
import shlex
import subprocess
import tomllib

import pytest

from .compose import DOCKERFILE, ROOT, compose, named_volume_mounts

WORKDIR = "/opt/dti"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def copies() -> dict[str, str]:
    """{source as in the build context: destination in the image} of every COPY."""
    found = {}
    for word, args in instructions():
        if word != "COPY":
            continue
        parts = [p for p in shlex.split(args) if not p.startswith("--")]
        *sources, dest = parts
        for source in sources:
            target = dest if not dest.endswith("/") or len(sources) > 1 else dest
            found[source.rstrip("/")] = target
    return found


def test_the_image_copies_what_the_code_needs():
    """The project installs in editable mode at WORKDIR, so everything dti.config.PROJECT_ROOT is
    used with (dags/, dbt_project/, expectations/, plugins/) must sit beside include/ there."""
    workdirs = [args for word, args in instructions() if word == "WORKDIR"]
    assert workdirs == [WORKDIR]
    copied = copies()
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    package_roots = pyproject["tool"]["setuptools"]["packages"]["find"]["where"]
    needed = {"pyproject.toml", "requirements.lock", *package_roots}
    needed |= {"dags", "dbt_project", "expectations", "plugins"}
    assert needed <= set(copied), f"not copied: {sorted(needed - set(copied))}"
    for source, dest in copied.items():
        assert (ROOT / source).exists(), f"COPY {source}: no such file in the project"
        # Relative destinations resolve against WORKDIR: the checkout's layout is kept.
        if source not in ("deploy/requirements-celery.txt",):
            expected = {source, f"{source}/", "./"}
            assert dest in expected or dest.rstrip("/") == source, (source, dest)
    runs = " ".join(args for word, args in instructions() if word == "RUN")
    assert "uv pip sync --system" in runs and "requirements.lock" in runs
    assert "uv pip install --system --no-deps -e ." in runs
    envs = " ".join(args for word, args in instructions() if word == "ENV")
    assert f"DTI_HOME={WORKDIR}" in envs


def test_every_import_of_the_code_is_installed():
    """The library's third-party imports all come from distributions in the lock (which the
    image installs), so the image imports what the code imports; an import guarded by
    `except ImportError` is an optional extra and may be absent."""
    import ast
    import sys
    from importlib.metadata import packages_distributions

    def norm(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    lock = (ROOT / "requirements.lock").read_text()
    locked = {norm(line.split("==")[0]) for line in lock.splitlines() if "==" in line}
    dists = packages_distributions()
    missing = set()

    def optional(tree: ast.AST) -> set[int]:
        """Imports inside a `try` that handles ImportError: optional extras (WeasyPrint)."""
        ids = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Try) and any(
                isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError")
                for h in node.handlers
            ):
                ids |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
        return ids

    for path in (ROOT / "include").rglob("*.py"):
        tree = ast.parse(path.read_text())
        skip = optional(tree)
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in (m.split(".")[0] for m in modules):
                if module in sys.stdlib_module_names or module in ("dti", "__future__"):
                    continue
                if not {norm(d) for d in dists.get(module, [])} & locked:
                    missing.add(f"{module} ({path.relative_to(ROOT)})")
    assert not missing, f"imported but not in requirements.lock: {sorted(missing)}"


def test_the_celery_layer_adds_packages_without_moving_the_lock():
    lock = {
        line.split("==")[0].lower(): line.split("==")[1]
        for line in (ROOT / "requirements.lock").read_text().splitlines()
        if "==" in line and not line.startswith(" ")
    }
    extra = {
        line.split("==")[0].lower(): line.split("==")[1]
        for line in (ROOT / "deploy" / "requirements-celery.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    }
    assert "apache-airflow-providers-celery" in extra
    assert {"celery", "redis", "kombu"} <= set(extra)
    assert not set(extra) & set(lock), "the Celery layer must not re-pin locked packages"
    runs = " ".join(args for word, args in instructions() if word == "RUN")
    assert "-r deploy/requirements-celery.txt -c requirements.lock" in runs


def test_no_secret_enters_the_image():
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    for pattern in (".env", ".local/", ".venv/", ".git/"):
        assert pattern in ignored, f".dockerignore must exclude {pattern}"
    copied = copies()
    for source in copied:
        assert source not in ignored and f"{source}/" not in ignored, f"{source} is dockerignored"
    text = DOCKERFILE.read_text()
    assert not re.search(
        r"(?i)(password|token|secret|pseudonym_key)\s*=", text.replace("build:unused", "")
    )


def test_entrypoint_and_commands_exist():
    entry = [args for word, args in instructions() if word == "ENTRYPOINT"]
    assert entry == ['["/opt/dti/deploy/entrypoint.sh"]']
    for script in ("entrypoint.sh", "init.sh"):
        path = ROOT / "deploy" / script
        assert path.stat().st_mode & 0o111 or "chmod +x deploy/*.sh" in DOCKERFILE.read_text()
        subprocess.run(["bash", "-n", str(path)], check=True)
    model = compose()
    for name, service in model["services"].items():
        command = service.get("command")
        if isinstance(command, list) and command[0].startswith("/opt/dti/"):
            assert (ROOT / command[0].removeprefix("/opt/dti/")).is_file(), name


@pytest.mark.parametrize(
    "step", ["airflow db migrate", "airflow connections import --overwrite", "bootstrap("]
)
def test_init_job_does_its_steps(step):
    assert step in (ROOT / "deploy" / "init.sh").read_text()


def test_volume_mount_points_exist_in_the_image_for_its_user():
    """A named volume mounted where the image has no folder is created root-owned, and the
    containers (user airflow) could not write it: every mount point of the image's services is
    made in the Dockerfile and handed to the airflow user."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    made = set(re.search(r"mkdir -p ([^&]+)", text).group(1).split())
    owned = re.search(r"chown -R airflow:0 ([^&]+)", text).group(1).split()
    model = compose()
    for name, service in model["services"].items():
        if "build" not in service:
            continue
        for volume, target in named_volume_mounts(service).items():
            assert target in made, f"{name}: {volume} mounts at {target}, not made in the image"
            assert any(target == o or target.startswith(o + "/") for o in owned), (name, target)
