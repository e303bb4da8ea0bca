"""Ray backend: each video is a Ray task on a cluster (or a local Ray instance).

Same jobs, same outputs, same manifest and resume rules as the local engine: the driver plans,
skips finished outputs, submits one task per video, and writes the manifest as tasks finish.
Outputs go to ``OUT`` as seen by the workers, so ``OUT`` must be on a filesystem every node
mounts. Install aucli on every node (``pip install 'aucli[ray]'``). A recipe that runs a trained
model (stage ``au-model``) asks Ray for ``gpus_per_video`` GPUs per task.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aucli.extract.batch import Job, Outcome, _finish, skip_done
from aucli.errors import AucliError
from aucli.extract.pipeline import Resolved

GPU_STAGES = ("au-model",)


@dataclass(frozen=True)
class RayOptions:
    address: str = "local"
    """"local" starts a Ray instance on this machine; "auto" joins the running cluster; or HOST:PORT."""
    cpus_per_video: float = 1.0
    """CPUs Ray reserves for each video task."""
    gpus_per_video: float = 0.5
    """GPUs reserved per task when the recipe runs a trained model on CUDA (two tasks share one)."""
    num_cpus: int | None = None
    """local only: CPUs the local instance may use (default: all)."""


def _extract_task(job: Job, resolved: Resolved) -> Outcome:
    from aucli.extract.batch import extract_one

    return extract_one(job, resolved, lambda _kind, _value: None)


def connect(options: RayOptions) -> Any:
    try:
        import ray
    except ImportError:
        raise AucliError("the Ray engine needs the ray extra: pip install 'aucli[ray]'") from None
    if not ray.is_initialized():
        kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                  "ignore_reinit_error": True, "configure_logging": False}
        if options.address == "local":
            kwargs["num_cpus"] = options.num_cpus
        else:
            kwargs["address"] = options.address
        try:
            ray.init(**kwargs)
        except ConnectionError as exc:
            raise AucliError(f"cannot reach a Ray cluster at {options.address!r}: {exc}") from None
    return ray


def _gpus(resolved: Resolved, ray: Any, options: RayOptions) -> float:
    wants = any(s in GPU_STAGES for s in resolved.pipeline.stages) and resolved.pipeline.device != "cpu"
    return options.gpus_per_video if wants and ray.cluster_resources().get("GPU", 0) > 0 else 0.0


def run_batch_ray(jobs: list[Job], out_dir: Path, resolved: Resolved, options: RayOptions,
                  overwrite: bool = False, progress: Any = None) -> list[Outcome]:
    ray = connect(options)
    todo, outcomes = skip_done(jobs, out_dir, overwrite, progress)
    task = ray.remote(_extract_task).options(
        num_cpus=options.cpus_per_video, num_gpus=_gpus(resolved, ray, options), max_retries=1)
    shared = ray.put(resolved)
    pending = {task.remote(job, shared): k for k, job in enumerate(todo)}
    while pending:
        done, _ = ray.wait(list(pending), num_returns=1)
        key = pending.pop(done[0])
        try:
            outcome = ray.get(done[0])
        except Exception as exc:  # a task whose worker died; the video is reported, not lost
            message = f"{todo[key].video}: ray task failed: {type(exc).__name__}".splitlines()[0]
            outcome = Outcome(str(todo[key].video), "failed", error=message)
        outcomes.append(_finish(outcome, out_dir, progress, key))
    return outcomes
