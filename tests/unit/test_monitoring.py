"""The alert rules, their unit tests and the dashboard: valid for Prometheus, and only over metrics the code defines."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import unavailable
from tests.unit.test_metrics import every_service_registry, metric_names

METRIC = re.compile(r"\bcamille_[a-z0-9_]+\b")


@pytest.fixture(scope="module")
def monitoring(repo_root: Path) -> Path:
    return repo_root / "monitoring"


def promtool(*args: str, cwd: Path) -> str:
    binary = shutil.which("promtool")
    if binary is None:
        unavailable("promtool not installed (Debian's prometheus package; `make test` installs it as root)")
        raise AssertionError("unreachable")
    done = subprocess.run([binary, *args], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def rules(monitoring: Path) -> list[dict[str, Any]]:
    groups = yaml.safe_load((monitoring / "prometheus" / "alerts.yaml").read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def dashboard_exprs(monitoring: Path) -> list[str]:
    dashboard = json.loads((monitoring / "grafana" / "dashboards" / "camille.json").read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]


def test_promtool_accepts_the_rules_and_the_scrape_config(monitoring: Path) -> None:
    """`promtool check rules` and `promtool check config` pass."""
    assert "SUCCESS" in promtool("check", "rules", "alerts.yaml", cwd=monitoring / "prometheus")
    assert "SUCCESS" in promtool("check", "config", "prometheus.yml", cwd=monitoring / "prometheus")


def test_promtool_unit_tests_of_the_alerts_pass(monitoring: Path) -> None:
    """`promtool test rules` passes every firing and quiet case of alerts_test.yaml."""
    assert "SUCCESS" in promtool("test", "rules", "alerts_test.yaml", cwd=monitoring / "prometheus")


def test_every_alert_is_tested_firing_and_quiet(monitoring: Path) -> None:
    """Each alert has a case where it fires and one where it stays quiet."""
    cases = yaml.safe_load((monitoring / "prometheus" / "alerts_test.yaml").read_text())["tests"]
    checks = [check for case in cases for check in case["alert_rule_test"]]
    for rule in rules(monitoring):
        mine = [check for check in checks if check["alertname"] == rule["alert"]]
        assert any(check["exp_alerts"] for check in mine), f"{rule['alert']} never fires in a test"
        assert any(not check["exp_alerts"] for check in mine), f"{rule['alert']} is never shown quiet"


def test_the_brief_alerts_exist_with_their_severity(monitoring: Path) -> None:
    """Latency, tool errors, audit lag, dead letters, dropped events, emergencies (info) and voice capacity."""
    severity = {rule["alert"]: rule["labels"]["severity"] for rule in rules(monitoring)}
    assert severity["CamilleEmergency"] == "info"
    assert {
        "CamilleResponseLatencyHigh", "CamilleToolErrorRateHigh", "CamilleAuditLagGrowing", "CamilleAuditDeadLetters",
        "CamilleAuditEventsDropped", "CamilleNoVoiceCapacity",
    } <= set(severity)  # fmt: skip
    assert set(severity.values()) <= {"info", "warning", "critical"}


def test_rules_and_dashboard_use_only_metrics_the_code_defines(monitoring: Path) -> None:
    """Every camille_* name in an alert or a dashboard query is a series one of the services can expose."""
    defined = metric_names(every_service_registry())
    exprs = [rule["expr"] for rule in rules(monitoring)] + dashboard_exprs(monitoring)
    used = {name for expr in exprs for name in METRIC.findall(expr)}
    assert all(METRIC.search(expr) for expr in exprs)
    assert used - defined == set()
    assert len(used) > 15


def test_the_dashboard_is_provisioned_against_the_provisioned_datasource(monitoring: Path) -> None:
    """Every panel queries the datasource Grafana is provisioned with, panels fit the grid, ids are unique."""
    provisioning = monitoring / "grafana" / "provisioning"
    [datasource] = yaml.safe_load((provisioning / "datasources" / "prometheus.yaml").read_text())["datasources"]
    assert datasource["type"] == "prometheus" and datasource["url"] == "http://prometheus:9090"
    dashboard = json.loads((monitoring / "grafana" / "dashboards" / "camille.json").read_text())
    panels = dashboard["panels"]
    assert len({panel["id"] for panel in panels}) == len(panels)
    for panel in panels:
        assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == datasource["uid"] and panel["targets"], panel["title"]
    providers = yaml.safe_load((provisioning / "dashboards" / "camille.yaml").read_text())
    assert providers["providers"][0]["options"]["path"] == "/etc/grafana/dashboards"
