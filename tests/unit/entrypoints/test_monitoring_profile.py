"""The `monitoring` profile of docker-compose.yml: Prometheus scrapes the API and the
workers where they serve /metrics, and Grafana's dashboard asks only for metrics the
service exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]


def test_prometheus_and_grafana_are_an_optional_profile_scraping_api_and_workers():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    for name in ("prometheus", "grafana"):
        assert services[name]["profiles"] == ["monitoring"]
    config = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert jobs["meli-api"]["static_configs"][0]["targets"] == ["api:8012"]
    assert jobs["meli-worker"]["dns_sd_configs"][0]["port"] == 9012
    mounted = " ".join(services["grafana"]["volumes"])
    assert "deploy/grafana/provisioning" in mounted and "deploy/grafana/dashboards" in mounted


def test_the_grafana_dashboard_uses_only_exported_metrics():
    dashboard = json.loads((ROOT / "deploy/grafana/dashboards/meli.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    names = {n for e in exprs for n in re.findall(r"\bmeli_[a-z0-9_]+", e)}
    documented = (ROOT / "docs/metrics.md").read_text()
    for name in names:
        base = re.sub(r"_(bucket|gcount|gsum)$", "", name)
        assert f"`{base}`" in documented, name
    for wanted in (
        "meli_orders_last_30_days",
        "meli_sales_last_30_days",
        "meli_unanswered_questions",
        "meli_question_answer_seconds_bucket",
        "meli_labels_to_print",
        "meli_reputation_level",
    ):
        assert wanted in names
