"""The documented configuration matches what the plugin reads."""

from pathlib import Path

import pytest

from tpm_plugin import config


def test_readme_documents_every_config_key() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    missing = [key for key in config.DEFAULTS if f"| `{key}` |" not in readme]
    assert missing == []


def test_strict_getter_names_the_closest_key_for_a_typo() -> None:
    with pytest.raises(KeyError, match="Did you mean TPM_MAX_PAGE_SIZE"):
        config.get({}, "TPM_MAX_PAGESIZE")


def test_strict_getter_falls_back_to_the_default() -> None:
    assert config.get({}, "TPM_DEFAULT_PAGE_SIZE") == config.DEFAULTS["TPM_DEFAULT_PAGE_SIZE"]
