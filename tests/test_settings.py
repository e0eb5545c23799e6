import stat

import pytest

from server.settings import PROJECT_ROOT, SettingsError, load_settings


def test_defaults_to_sqlite_under_var(tmp_path):
    settings = load_settings({"XIAOWAI_VAR_DIR": str(tmp_path)})

    assert settings.database_url == f"sqlite://{tmp_path / 'xiaowai.sqlite3'}"
    assert settings.is_embedded
    assert (settings.host, settings.port, settings.language) == (
        "127.0.0.1",
        8000,
        "zh",
    )
    assert not settings.debug
    assert not settings.student_names
    assert settings.evidence_folder == tmp_path / "evidence"


def test_default_var_folder_is_at_the_project_root_whatever_the_working_folder(
    monkeypatch, tmp_path
):
    monkeypatch.chdir(tmp_path)

    settings = load_settings({"SECRET_KEY": "given"})

    assert settings.var_dir == PROJECT_ROOT / "var"


def test_the_office_chooses_to_keep_student_names(tmp_path):
    environ = {"XIAOWAI_VAR_DIR": str(tmp_path), "XIAOWAI_STUDENT_NAMES": "on"}

    assert load_settings(environ).student_names


def test_secret_key_is_generated_once_and_kept_private(tmp_path):
    first = load_settings({"XIAOWAI_VAR_DIR": str(tmp_path)}).secret_key
    second = load_settings({"XIAOWAI_VAR_DIR": str(tmp_path)}).secret_key

    assert first == second
    assert len(first) >= 48
    mode = (tmp_path / "secret_key").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600


def test_secret_key_from_the_environment_wins(tmp_path):
    settings = load_settings({"XIAOWAI_VAR_DIR": str(tmp_path), "SECRET_KEY": "s3cret"})

    assert settings.secret_key == "s3cret"
    assert not (tmp_path / "secret_key").exists()


def test_postgresql_scheme_is_accepted_as_written_by_libpq(tmp_path):
    settings = load_settings(
        {"XIAOWAI_VAR_DIR": str(tmp_path), "DATABASE_URL": "postgresql://u@db:5432/x"}
    )

    assert settings.database_url == "postgres://u@db:5432/x"
    assert not settings.is_embedded


@pytest.mark.parametrize(
    ("name", "value", "hint"),
    [
        ("DATABASE_URL", "mysql://db/x", "sqlite:// or postgres://"),
        ("XIAOWAI_PORT", "eighty", "1 to 65535"),
        ("XIAOWAI_PORT", "70000", "1 to 65535"),
        ("XIAOWAI_LANGUAGE", "fr", "zh, en"),
        ("XIAOWAI_LOG_LEVEL", "loud", "DEBUG, INFO, WARNING, ERROR"),
        ("XIAOWAI_NOTICE_FORMAT", "整改第{number}号", "{year} and {number}"),
        ("XIAOWAI_NOTICE_FORMAT", "整改〔{year}〕{sequence}号", "{year} and {number}"),
        ("XIAOWAI_CARD_GREEN_FROM", "ninety", "score from 0 to 100"),
        ("XIAOWAI_CARD_RED_BELOW", "101", "score from 0 to 100"),
        ("XIAOWAI_STANDING_SWEEP_MINUTES", "hourly", "whole number, 0 or more"),
        ("XIAOWAI_PUBLIC_URL", "xiaowai.example.cn", "a web address such as"),
    ],
)
def test_bad_setting_says_what_would_be_accepted(tmp_path, name, value, hint):
    with pytest.raises(SettingsError, match=hint):
        load_settings({"XIAOWAI_VAR_DIR": str(tmp_path), name: value})
