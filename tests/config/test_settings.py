from __future__ import annotations

import os
from pathlib import Path

import pytest

from artaud.config.settings import SettingsError, load


def test_defaults_load_and_derive_the_control_url():
    s = load(env={})
    assert s.warehouse.backend == "chdb"
    assert s.control_url == f"sqlite:///{Path('var') / 'control.sqlite'}"
    assert "film" in s.collector.allowed_url_params


def test_environment_overrides_are_typed():
    s = load(
        env={
            "ARTAUD_COLLECTOR__PORT": "9999",
            "ARTAUD_PRIVACY__HONOUR_DNT": "false",
            "ARTAUD_COLLECTOR__ALLOWED_URL_PARAMS": "film, seance",
            "ARTAUD_PATHS__DATA_DIR": "/srv/a",
        }
    )
    assert s.collector.port == 9999 and s.privacy.honour_dnt is False
    assert s.collector.allowed_url_params == ("film", "seance")
    assert s.data_dir == Path("/srv/a")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ARTAUD_COLLECTOR__PORT": "eighty"}, "collector.port"),
        ({"ARTAUD_COLLECTOR__PORT": "70000"}, "collector.port"),
        ({"ARTAUD_WAREHOUSE__BACKEND": "mysql"}, "warehouse.backend"),
        ({"ARTAUD_PRIVACY__EVENT_RETENTION_MONTHS": "36"}, "privacy.event_retention_months"),
        ({"ARTAUD_PRIVACY__SALT_RETENTION_HOURS": "72"}, "privacy.salt_retention_hours"),
        ({"ARTAUD_COLLECTOR__PUBLIC_URL": "ftp://x"}, "collector.public_url"),
        ({"ARTAUD_WAREHOUSE__DATABASE": "a; DROP"}, "warehouse.database"),
        ({"ARTAUD_COLLECTOR__NOPE": "1"}, "ARTAUD_COLLECTOR__NOPE: unknown setting collector.nope"),
        ({"ARTAUD_CONFIG": "/does/not/exist.toml"}, "ARTAUD_CONFIG: cannot read"),
        (
            {"ARTAUD_PARTNERS__WINDOW_DAYS": "30"},
            "partners.window_days must be at least privacy.partner_key_rotation_days (30 < 90)",
        ),
    ],
)
def test_bad_values_name_the_key(env, message):
    with pytest.raises(SettingsError) as exc:
        load(env=env)
    assert message in str(exc.value)


def test_a_toml_file_overrides_defaults_and_env_overrides_the_file(tmp_path):
    f = tmp_path / "artaud.toml"
    f.write_text('[collector]\nport = 7000\nworkers = 3\n[warehouse]\nbackend = "server"\n')
    s = load(env={"ARTAUD_CONFIG": str(f), "ARTAUD_COLLECTOR__PORT": "7001"})
    assert (s.collector.port, s.collector.workers, s.warehouse.backend) == (7001, 3, "server")
    f.write_text("[collector]\nbogus = 1\n")
    with pytest.raises(SettingsError, match=r"collector\.bogus: unknown setting"):
        load(env={"ARTAUD_CONFIG": str(f)})
    f.write_text("[collector\n")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load(env={"ARTAUD_CONFIG": str(f)})


def test_every_default_is_said_once_in_defaults_toml():
    """The model gives types and bounds; defaults.toml every value (a default in both drifted)."""
    import tomllib
    from importlib import resources

    from artaud.config.settings import Settings

    toml = tomllib.loads(resources.files("artaud.config").joinpath("defaults.toml").read_text())
    for section, field in Settings.model_fields.items():
        model = field.annotation
        assert isinstance(model, type)
        assert set(model.model_fields) == set(toml[section]), section
        defaulted = [k for k, f in model.model_fields.items() if not f.is_required()]
        assert not defaulted, f"{section}: defaults in the model: {defaulted}"


def test_a_child_process_runs_with_its_supervisors_settings_as_validated(tmp_path, monkeypatch):
    from artaud.config.settings import INHERITED_ENV, SettingsError, for_child, inherited, load

    monkeypatch.chdir(tmp_path)
    parent = load({"ARTAUD_PATHS__DATA_DIR": "relative/var", "ARTAUD_COLLECTOR__WORKERS": "3"})
    handed = for_child(parent)
    # the child's own environment says otherwise: the handed settings win, whole
    child = inherited({**handed, "ARTAUD_COLLECTOR__WORKERS": "7"})
    assert child.collector.workers == 3
    assert child.data_dir == tmp_path / "relative" / "var"
    assert child.model_dump(exclude={"paths"}) == parent.model_dump(exclude={"paths"})
    assert inherited({"ARTAUD_COLLECTOR__WORKERS": "7"}).collector.workers == 7
    with pytest.raises(SettingsError, match=INHERITED_ENV):
        inherited({INHERITED_ENV: '{"paths": {}}'})


def test_the_command_line_passes_its_data_dir_as_a_value_not_through_the_environment(tmp_path, monkeypatch):
    import argparse

    from artaud.cli import settings_of

    monkeypatch.delenv("ARTAUD_PATHS__DATA_DIR", raising=False)
    s = settings_of(argparse.Namespace(data_dir=tmp_path / "d"))
    assert s.data_dir == tmp_path / "d"
    assert "ARTAUD_PATHS__DATA_DIR" not in os.environ
