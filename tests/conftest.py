import functools
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_8719396fc9f702ac.txt"
CORPUS = Path(os.environ.get("NEWSARCHIVE_CORPUS", ROOT.parent / "shared" / "corpus"))


@pytest.fixture
def corpus() -> Path:
    """The research corpus beside the project; tests that need it skip without it."""
    if not CORPUS.is_dir():
        pytest.skip(f"research corpus not found at {CORPUS} (set NEWSARCHIVE_CORPUS)")
    return CORPUS


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # The manifest storage needs collectstatic; tests render templates without it.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


FIXTURES = ROOT / "tests" / "fixtures"


@functools.cache
def load_bench():
    """bench/extraction.py as a module, for its in-process F1 measure."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("extraction", ROOT / "bench" / "extraction.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashers are slow by design; tests log in often and need no strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    # Pages cache archive-wide counts; each test starts from its own archive.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _search_index(settings, tmp_path_factory):
    # Each test's archive is its own (rolled back after it): so is its search index,
    # built from that archive by the first search and kept in step by the change log.
    from articles import search

    settings.NEWSARCHIVE_SEARCH_INDEX = tmp_path_factory.mktemp("search-index")
    search.forget_backends()
    yield
    search.forget_backends()


@pytest.fixture(scope="session", autouse=True)
def _cache_folder(tmp_path_factory):
    # A test run's file cache is its own, never the development server's.
    from django.conf import settings
    from django.test.utils import override_settings

    caches = {**settings.CACHES}
    if caches["default"]["BACKEND"].endswith("FileBasedCache"):
        folder = str(tmp_path_factory.mktemp("cache"))
        caches["default"] = {**caches["default"], "LOCATION": folder}
    with override_settings(CACHES=caches):
        yield caches["default"].get("LOCATION")
