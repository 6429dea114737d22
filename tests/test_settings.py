"""Settings: defaults, file and environment overrides, and one clear line for each malformed value."""

import subprocess
import sys

import pytest

from bot.settings import SettingsError, load
from sidebar_web.cli import main

GOOD = {
    "SCRM_WECOM__CORP_ID": "ww1436e0e65a779aee",
    "SCRM_WECOM__TOKEN": "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo",
    "SCRM_WECOM__ENCODING_AES_KEY": "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt",
    "SCRM_WECOM__AGENT_SECRET": "agent-secret-value-123",
}


def test_defaults_come_from_config_default_toml():
    s = load(env={})
    assert (s.server.host, s.server.port) == ("127.0.0.1", 8080)
    assert s.database_url.startswith("sqlite://") and s.database_url.endswith("scrm.sqlite3")
    assert s.wecom.api_base_url == "https://qyapi.weixin.qq.com"


def test_environment_beats_the_file_which_beats_the_defaults(tmp_path):
    cfg = tmp_path / "site.toml"
    cfg.write_text('[server]\nport = 9000\nhost = "0.0.0.0"\n[wecom]\nagent_id = 1000005\n')
    s = load(cfg, env={"SCRM_SERVER__PORT": "9100"})
    assert (s.server.host, s.server.port, s.wecom.agent_id) == ("0.0.0.0", 9100, 1000005)
    assert load(env={"SCRM_CONFIG": str(cfg)}).server.port == 9000


def test_secrets_stay_out_of_the_settings_repr():
    text = repr(load(env=GOOD))
    for secret in (
        GOOD["SCRM_WECOM__TOKEN"],
        GOOD["SCRM_WECOM__ENCODING_AES_KEY"],
        GOOD["SCRM_WECOM__AGENT_SECRET"],
    ):
        assert secret not in text


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SCRM_WECOM__CORP_ID", "corp-1", "setting wecom.corp_id (SCRM_WECOM__CORP_ID): must look like ww"),
        (
            "SCRM_WECOM__TOKEN",
            "x" * 33,
            "setting wecom.token (SCRM_WECOM__TOKEN): must be 1-32 letters or digits",
        ),
        (
            "SCRM_WECOM__TOKEN",
            "bad token!",
            "setting wecom.token (SCRM_WECOM__TOKEN): must be 1-32 letters or digits",
        ),
        (
            "SCRM_WECOM__ENCODING_AES_KEY",
            "a" * 42,
            "setting wecom.encoding_aes_key (SCRM_WECOM__ENCODING_AES_KEY): "
            "must be exactly 43 letters or digits",
        ),
        ("SCRM_SERVER__PORT", "70000", "setting server.port (SCRM_SERVER__PORT): must be a port number"),
        ("SCRM_SERVER__PORT", "eighty", "setting server.port (SCRM_SERVER__PORT): must be a whole number"),
        (
            "SCRM_DATABASE__URL",
            "mysql://db/scrm",
            "setting database.url (SCRM_DATABASE__URL): must start with sqlite://",
        ),
        (
            "SCRM_DATABASE__URL",
            "postgres://localhost",
            "setting database.url (SCRM_DATABASE__URL): postgres URL needs",
        ),
        (
            "SCRM_DATABASE__URL",
            "postgres://h:99999/db",
            "setting database.url (SCRM_DATABASE__URL): has a port",
        ),
        (
            "SCRM_INBOX__RETENTION_DAYS",
            "0",
            "setting inbox.retention_days (SCRM_INBOX__RETENTION_DAYS): must be at least 1",
        ),
        ("SCRM_SERVER__TIMEZONE", "Mars/Olympus", "setting server.timezone (SCRM_SERVER__TIMEZONE): must be"),
        ("SCRM_ACCESS__API_TOKENS", "short-token", "setting access.api_tokens (SCRM_ACCESS__API_TOKENS):"),
        (
            "SCRM_ACCESS__SESSION_SECRET",
            "not-a-fernet-key-but-long-enough",
            "setting access.session_secret (SCRM_ACCESS__SESSION_SECRET): must be a Fernet key",
        ),
        (
            "SCRM_ACCESS__COLLEAGUE_RELATION_FIELDS",
            "remark,phone",
            "setting access.colleague_relation_fields (SCRM_ACCESS__COLLEAGUE_RELATION_FIELDS): "
            "unknown phone; each must be one of remark, description, remark_mobiles, remark_corp_name, tags, "
            "channel",
        ),
        (
            "SCRM_ACCESS__DEPARTMENT_ADMINS",
            "lisi=sales",
            "setting access.department_admins (SCRM_ACCESS__DEPARTMENT_ADMINS): departments of lisi",
        ),
    ],
)
def test_each_malformed_value_names_its_setting(name, value, message):
    with pytest.raises(SettingsError) as err:
        load(env={**GOOD, name: value})
    assert str(err.value).startswith(message)
    assert value not in str(err.value) or len(value) < 8  # secrets are never echoed back


def test_roles_read_from_a_file_or_from_variables(tmp_path):
    cfg = tmp_path / "roles.toml"
    cfg.write_text('[access]\nadmins = ["ops"]\ndepartment_admins = { lisi = [2, 3] }\n')
    from_file = load(cfg, env={}).access
    from_env = load(env={"SCRM_ACCESS__ADMINS": "ops", "SCRM_ACCESS__DEPARTMENT_ADMINS": "lisi=2,3"}).access
    assert from_file.admins == from_env.admins == ("ops",)
    assert from_file.department_admins == from_env.department_admins == {"lisi": (2, 3)}


def test_what_colleagues_read_of_a_relation_is_nothing_extra_unless_listed(tmp_path):
    assert load(env={}).access.colleague_relation_fields == ()
    cfg = tmp_path / "colleagues.toml"
    cfg.write_text('[access]\ncolleague_relation_fields = ["remark", "channel"]\n')
    from_env = load(env={"SCRM_ACCESS__COLLEAGUE_RELATION_FIELDS": "remark, channel"}).access
    assert load(cfg, env={}).access.colleague_relation_fields == from_env.colleague_relation_fields
    assert from_env.colleague_relation_fields == ("remark", "channel")


def test_an_unknown_setting_is_named_not_ignored(tmp_path):
    cfg = tmp_path / "typo.toml"
    cfg.write_text("[server]\nprot = 1\n")
    with pytest.raises(SettingsError, match=r"server\.prot"):
        load(cfg, env={})


def test_the_command_line_prints_one_line_and_exits_2(capsys):
    code = main(["--config", "/nonexistent/scrm.toml", "migrate"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "does not exist" in err


def test_serve_without_callback_credentials_names_the_missing_setting(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "SCRM_DATA__DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "sidebar_web.cli", "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert (
        done.stderr.strip()
        == "scrm: setting wecom.corp_id (SCRM_WECOM__CORP_ID): is required to receive WeCom callbacks"
    )


def test_a_bad_token_in_the_environment_stops_serve_with_one_line(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "SCRM_DATA__DIR": str(tmp_path),
        **GOOD,
        "SCRM_WECOM__TOKEN": "no spaces allowed",
    }
    done = subprocess.run(
        [sys.executable, "-m", "sidebar_web.cli", "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "scrm: setting wecom.token (SCRM_WECOM__TOKEN): must be 1-32 letters or digits"
    ]


def test_an_unreachable_database_stops_with_one_line_naming_the_setting(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "SCRM_DATA__DIR": str(tmp_path), **GOOD,
           "SCRM_DATABASE__URL": "postgres://postgres@127.0.0.1:9/scrm"}  # fmt: skip
    for command in (["migrate"], ["serve"], ["worker"]):
        argv = [sys.executable, "-m", "sidebar_web.cli", *command]
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 2, command
        assert done.stderr.splitlines()[-1].startswith(
            "scrm: setting database.url (SCRM_DATABASE__URL): cannot connect: "
        ), done.stderr
        assert "Traceback" not in done.stderr and "scrm serving" not in done.stdout
