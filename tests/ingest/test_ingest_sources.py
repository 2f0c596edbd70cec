import io
import tarfile
import zipfile

import pytest

from articles.ingest import iter_inputs

STORY = b"A headline\n\nA paragraph of the story.\n"


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "b.txt").write_bytes(STORY)
    (tmp_path / "a.txt").write_bytes(STORY)
    (tmp_path / "a.txt.json").write_text('{"title": "sidecar"}')
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.html").write_bytes(b"<html></html>")
    (tmp_path / "sub" / "c.json").write_text("{}")
    (tmp_path / ".hidden.txt").write_bytes(STORY)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_bytes(b"ref")
    return tmp_path


def names(inputs, root):
    return [item.name.replace(str(root) + "/", "") for item in inputs]


def test_folders_recurse_sorted_skipping_hidden_files_and_sidecars(folder):
    inputs = list(iter_inputs([str(folder)]))
    assert names(inputs, folder) == ["a.txt", "b.txt", "sub/c.html"]
    assert inputs[0].data == STORY
    assert inputs[0].path == str(folder / "a.txt")
    assert not any(item.error for item in inputs)


def test_a_json_file_that_is_no_sidecar_is_an_input(tmp_path):
    (tmp_path / "feed.json").write_text("{}")
    assert names(iter_inputs([str(tmp_path)]), tmp_path) == ["feed.json"]


def test_globs(folder):
    inputs = list(iter_inputs([str(folder / "*.txt")]))
    assert names(inputs, folder) == ["a.txt", "b.txt"]


def test_a_glob_matching_nothing_is_reported(tmp_path):
    [item] = iter_inputs([str(tmp_path / "*.nothing")])
    assert item.error == "no files match this pattern"


def test_missing_path_is_an_error_not_an_exception(tmp_path):
    inputs = list(iter_inputs([str(tmp_path / "gone.txt"), str(tmp_path)]))
    assert inputs[0].error == "no such file or directory"
    assert inputs[0].data == b""


def test_stdin():
    [item] = iter_inputs(["-"], stdin=io.BytesIO(STORY))
    assert (item.name, item.data, item.path) == ("-", STORY, None)


def test_zip_members_stream_with_display_names(tmp_path):
    archive = tmp_path / "batch.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("folder/b.txt", STORY)
        zipped.writestr("folder/a.txt", STORY)
        zipped.writestr("folder/a.txt.json", "{}")
        zipped.writestr("__MACOSX/folder/._a.txt", b"junk")
        zipped.writestr("big.txt", b"x" * 2000)
    everything = list(iter_inputs([str(archive)], max_bytes=1000))
    skipped = {item.name: item.skipped for item in everything if item.skipped}
    assert "hidden file" in skipped[f"{archive}:__MACOSX/folder/._a.txt"]
    assert "sidecar" in skipped[f"{archive}:folder/a.txt.json"]
    inputs = [item for item in everything if not item.skipped]
    assert [item.name for item in inputs] == [
        f"{archive}:big.txt",
        f"{archive}:folder/a.txt",
        f"{archive}:folder/b.txt",
    ]
    assert "too large" in inputs[0].error and inputs[0].data == b""
    assert inputs[1].data == STORY and inputs[1].path is None


@pytest.mark.parametrize("suffix", [".tar.gz", ".tgz"])
def test_tar_members(tmp_path, suffix):
    archive = tmp_path / f"batch{suffix}"
    with tarfile.open(archive, "w:gz") as tarred:
        for name, data in (("x/one.txt", STORY), ("x/huge.txt", b"y" * 5000)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tarred.addfile(info, io.BytesIO(data))
    inputs = list(iter_inputs([str(archive)], max_bytes=1000))
    assert inputs[0].name == f"{archive}:x/one.txt" and inputs[0].data == STORY
    assert "too large" in inputs[1].error


def test_a_broken_archive_is_reported(tmp_path):
    archive = tmp_path / "broken.zip"
    archive.write_bytes(b"PK not really")
    [item] = iter_inputs([str(archive)])
    assert item.error.startswith("cannot read the archive")


def test_oversized_file_is_flagged_without_reading(tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"z" * 5000)
    [item] = iter_inputs([str(big)], max_bytes=1000)
    assert "too large" in item.error and item.data == b""


def test_inputs_are_yielded_lazily(tmp_path):
    for number in range(3):
        (tmp_path / f"{number}.txt").write_bytes(STORY)
    stream = iter_inputs([str(tmp_path)])
    assert next(stream).name.endswith("0.txt")  # a generator, one input at a time


def test_a_folder_linked_into_itself_does_not_loop(tmp_path):
    (tmp_path / "a.txt").write_bytes(STORY)
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)
    assert names(iter_inputs([str(tmp_path)]), tmp_path) == ["a.txt"]
