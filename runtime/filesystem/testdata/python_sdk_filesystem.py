"""filesystem.Filesystem through the published Python SDK (e2b from PyPI), including the sync
SDK's polled watchers (CreateWatcher/GetWatcherEvents/RemoveWatcher); run by python_sdk_test.ts."""
import os

from e2b import Sandbox
from e2b.exceptions import NotFoundException
from e2b.sandbox.filesystem.filesystem import FileType
from e2b.sandbox.filesystem.watch_handle import FilesystemEventType

sbx = Sandbox.create()
root = f"py_fs_{os.getpid()}"

assert sbx.files.make_dir(f"{root}/subdir1/subdir1_1") is True
assert sbx.files.make_dir(f"{root}/subdir1/subdir1_1") is False
sbx.files.make_dir(f"{root}/subdir2")
sbx.files.write(f"{root}/file1.txt", "x")
listed = [e.path for e in sbx.files.list(root, depth=2)]
prefix = f"/home/user/{root}/"
assert listed == [prefix + p for p in ["file1.txt", "subdir1", "subdir1/subdir1_1", "subdir2"]], listed
first = sbx.files.list(root)[0]
assert (first.type, first.mode, first.owner, first.group, first.permissions) == (
    FileType.FILE, 0o644, "user", "user", "-rw-r--r--"), first

assert sbx.files.exists(f"{root}/file1.txt") is True
assert sbx.files.exists(f"{root}/nope") is False
info = sbx.files.get_info(f"{root}/subdir1")
assert (info.type, info.mode, info.path) == (FileType.DIR, 0o755, prefix + "subdir1"), info

moved = sbx.files.rename(f"{root}/file1.txt", f"{root}/renamed.txt")
assert moved.path == prefix + "renamed.txt", moved
try:
    sbx.files.rename(f"{root}/file1.txt", f"{root}/x.txt")
    raise AssertionError("expected NotFoundException")
except NotFoundException:
    pass
sbx.files.remove(f"{root}/does-not-exist")

# Sync watch: events are polled, and a poll returns the events of every change made before it:
# E2B's own sync tests write a file and call get_new_events() once, at once.
handle = sbx.files.watch_dir(root, recursive=True)
sbx.files.write(f"{root}/renamed.txt", "changed")
sbx.files.write(f"{root}/subdir2/new.txt", "new")
seen = [(e.name, e.type) for e in handle.get_new_events()]
assert seen == [
    ("renamed.txt", FilesystemEventType.WRITE),
    ("subdir2/new.txt", FilesystemEventType.CREATE),
    ("subdir2/new.txt", FilesystemEventType.CHMOD),
    ("subdir2/new.txt", FilesystemEventType.WRITE),
], seen
sbx.files.write(f"{root}/subdir2/new.txt", "again")
seen = [(e.name, e.type) for e in handle.get_new_events()]
assert ("subdir2/new.txt", FilesystemEventType.WRITE) in seen, seen
assert handle.get_new_events() == []
handle.stop()
try:
    sbx.files.watch_dir(f"{root}/missing")
    raise AssertionError("expected NotFoundException")
except NotFoundException:
    pass

sbx.files.remove(root)
assert sbx.files.exists(root) is False
print("OK")
