"""How the voice worker has LiveKit start each call's process: its modules preloaded once in the forkserver, and
LiveKit's local VAD and end-of-turn model (which Camille never uses) not loaded."""

from __future__ import annotations

import importlib
import importlib.util
import os
from pathlib import Path

import pytest

from voice_worker.settings import VoiceWorkerSettings
from voice_worker.worker import (
    JOB_PRELOAD_MODULES,
    PRELOAD_LOCAL_INFERENCE_ENV,
    skip_local_inference_preload,
    worker_options,
)


def test_the_worker_preloads_its_own_modules_in_the_forkserver() -> None:
    """The worker options name the voice worker's modules for LiveKit's forkserver, and each one imports."""
    options = worker_options(VoiceWorkerSettings())
    assert options.preload_modules == list(JOB_PRELOAD_MODULES)
    assert options.multiprocessing_context == "forkserver"
    for module in JOB_PRELOAD_MODULES:
        importlib.import_module(module)


def test_local_inference_is_not_preloaded_unless_the_operator_asks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unset, the worker turns LiveKit's local-model preload off; an operator's own value is left as it is."""
    monkeypatch.delenv(PRELOAD_LOCAL_INFERENCE_ENV, raising=False)
    skip_local_inference_preload()
    assert os.environ[PRELOAD_LOCAL_INFERENCE_ENV] == "0"
    monkeypatch.setenv(PRELOAD_LOCAL_INFERENCE_ENV, "1")
    skip_local_inference_preload()
    assert os.environ[PRELOAD_LOCAL_INFERENCE_ENV] == "1"


def test_livekit_still_reads_the_variable_the_worker_sets() -> None:
    """LiveKit's warm-up module reads the variable by this name (pinned to the installed LiveKit; read, not
    imported: importing it runs the warm-up)."""
    spec = importlib.util.find_spec("livekit.agents.ipc._preload")
    assert spec is not None and spec.origin is not None
    assert f'ENV_PRELOAD_LOCAL_INFERENCE = "{PRELOAD_LOCAL_INFERENCE_ENV}"' in Path(spec.origin).read_text()
