"""The settings' schema: a wrong or unknown key is refused by name, and docs/settings.md is the
schema printed."""

from __future__ import annotations

import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from unlisted.settings import ConfigError, load_config, metric_settings
from unlisted.settings_schema import reference_markdown

DOCS = Path(__file__).parents[1] / "docs" / "settings.md"


def settings_file(tmp_path, text: str) -> Path:
    path = tmp_path / "unlisted.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_defaults_and_a_users_values_key_by_key(tmp_path):
    config = load_config(settings_file(tmp_path, '[metrics]\ntolerance_dollars = "2.50"\n'
                                                 '[metrics.payer_tolerance.SUMMIT01]\n'
                                                 'percent = "0.05"\n'))  # fmt: skip
    assert config["metrics"]["codes"] == ["97139"]
    assert config["appeals"]["window_days"] == 120
    figures = metric_settings(config, None)
    assert figures["tolerance_dollars"] == Decimal("2.50")
    # The payer's own table keeps the [metrics] value for the key it leaves out.
    assert figures["payer_tolerance"] == {"SUMMIT01": (Decimal("2.50"), Decimal("0.05"))}


@pytest.mark.parametrize(("text", "message"), [
    ('[metrics]\ntolerence_dollars = "1"\n',
     "unknown setting metrics.tolerence_dollars; the [metrics] table takes: codes, min_count, "
     "payer_tolerance, tolerance_dollars, tolerance_percent"),
    ("[metricz]\n",
     "unknown setting metricz; the settings file takes: access, appeal_letters, appeals, check, "
     "dashboard, documentation, load, metrics, pricing, rules"),
    ("[metrics.payer_tolerance.SUMMIT01]\ndollar = 2\n",
     "unknown setting metrics.payer_tolerance.SUMMIT01.dollar; the "
     "[metrics.payer_tolerance.SUMMIT01] table takes: dollars, percent"),
    ("[appeals]\nwindow_days = true\n", "appeals.window_days must be a whole number, not True"),
    ("[appeals.payer_window_days]\nACME01 = -1\n",
     "appeals.payer_window_days.ACME01 must be a number of at least 0, not -1"),
    ('[metrics]\ntolerance_dollars = "abc"\n',
     "metrics.tolerance_dollars must be a number, not 'abc'"),
    ('[access]\nsecure_cookies = "sometimes"\n',
     "access.secure_cookies must be one of 'auto', 'always' or 'never', not 'sometimes'"),
    ("[access]\nallowed_hosts = []\n",
     "access.allowed_hosts must be a list of at least one item, not []"),
    ("[load]\nmax_member_bytes = 0\n", "load.max_member_bytes must be a number above 0, not 0"),
])  # fmt: skip
def test_a_wrong_or_unknown_key_is_refused_by_name(tmp_path, text, message):
    with pytest.raises(ConfigError) as caught:
        load_config(settings_file(tmp_path, text))
    assert message in str(caught.value)


def test_a_long_wrong_value_is_cut_in_the_message(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_config(settings_file(tmp_path, f'[metrics]\nmin_count = "{"x" * 5000}"\n'))
    assert len(str(caught.value)) < 300 + len(str(tmp_path))


def test_docs_settings_is_the_schema_printed():
    """Regenerate with: unlisted settings --markdown > docs/settings.md"""
    assert DOCS.read_text(encoding="utf-8") == reference_markdown()


def test_the_printed_template_is_a_valid_settings_file_once_uncommented(tmp_path):
    run = subprocess.run([sys.executable, "-m", "unlisted.cli", "settings"], capture_output=True,
                         text=True, timeout=60)  # fmt: skip
    assert run.returncode == 0, run.stderr
    # Uncomment every table header and assignment (not the descriptions) up to the optional
    # OpenID Connect table, which turns a sign-in on: the defaults again.
    shown = run.stdout.split("# [access.oidc]")[0]
    lines = [m.group(1) for line in shown.splitlines()
             if (m := re.fullmatch(r"# (\[[a-z_.]+\]|[a-z_]+ = .+)", line))]  # fmt: skip
    assert len(lines) == 38
    assert load_config(settings_file(tmp_path, "\n".join(lines))) == load_config(None)


def test_the_cli_names_the_wrong_key_and_exits_2(tmp_path):
    path = settings_file(tmp_path, "[metrics]\ncodez = 1\n")
    run = subprocess.run([sys.executable, "-m", "unlisted.cli", "settings", "--config", str(path)],
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert run.returncode == 2
    assert "unknown setting metrics.codez" in " ".join(run.stderr.split())
