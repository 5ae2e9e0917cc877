"""Workspace file operations for the codemode sandbox host, run INSIDE the sandbox.

The host never touches a workspace path with its own rights: every read, write, list,
stat, delete, mkdir, wipe and output spill runs here, as the sandbox's unprivileged
uid in the sandbox's mount namespace. A symlink planted by sandboxed code can then
only lead where that code could go anyway, so check-then-use races gain nothing.

Usage: file_helper.py OP ROOT MAX_BYTES QUOTA_BYTES [PATH]
  read    file bytes on stdout (regular files only, at most MAX_BYTES actually read)
  write   stdin into PATH (parents created; at most MAX_BYTES; quota checked)
  mkdir   PATH and its parents
  delete  PATH (a directory with its contents; a symlink itself, never its target)
  stat    JSON entry or null on stdout
  list    JSON entries on stdout (PATH, "1" for recursive as 6th argument)
  wipe    every entry of ROOT
  isdir   exit 0 when PATH is a directory inside ROOT
  usage   bytes ROOT occupies on disk
Errors: one JSON line {"code", "message"} on stderr and exit status 3.
"""

import datetime
import json
import os
import shutil
import stat
import sys

LIST_LIMIT = 10_000
CHUNK = 1 << 20


class Fail(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def inside(root, real):
    return real == root or real.startswith(root + "/")


def display(root, path):
    return "/workspace" + path[len(root):] if inside(root, path) else path


def check_name(path):
    for part in path.split("/"):
        if len(part.encode("utf-8", "surrogateescape")) > 255:
            raise Fail("INVALID_PATH", f"a path component is longer than 255 bytes: {part[:40]}...")
    if len(path.encode("utf-8", "surrogateescape")) > 4000:
        raise Fail("INVALID_PATH", "the path is longer than 4000 bytes")


def confined(root, path):
    """Real path of `path`; it (or its deepest existing ancestor) must stay in ROOT."""
    real = os.path.realpath(path)
    if not inside(root, real):
        raise Fail("PATH_OUTSIDE_WORKSPACE", f'Path "{display(root, path)}" is outside the workspace.')
    return real


def entry(root, path, st):
    mode = st.st_mode
    kind = (
        "symlink" if stat.S_ISLNK(mode) else
        "directory" if stat.S_ISDIR(mode) else
        "file" if stat.S_ISREG(mode) else "other"
    )
    mtime = datetime.datetime.fromtimestamp(st.st_mtime, datetime.timezone.utc)
    return {
        "path": display(root, path),
        "type": kind,
        "size": 0 if kind == "directory" else st.st_size,
        "modifiedAt": mtime.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }


def open_regular(root, path, flags):
    real = confined(root, path)
    try:
        fd = os.open(real, flags | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC, 0o644)
    except IsADirectoryError:
        raise Fail("NOT_A_FILE", f"{display(root, path)} is a directory")
    st = os.fstat(fd)
    if stat.S_ISDIR(st.st_mode):
        raise Fail("NOT_A_FILE", f"{display(root, path)} is a directory")
    if not stat.S_ISREG(st.st_mode):
        raise Fail("NOT_A_FILE", f"{display(root, path)} is not a regular file (a FIFO, socket or device)")
    os.set_blocking(fd, True)
    return fd


def usage(root):
    total = 0
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_blocks * 512
            except OSError:
                pass
    return total


def op_read(root, path, max_bytes, _quota):
    fd = open_regular(root, path, os.O_RDONLY)
    out = sys.stdout.buffer
    count = 0
    while True:
        # read one byte past the limit: sizes reported by stat mean nothing here
        chunk = os.read(fd, min(CHUNK, max_bytes + 1 - count))
        if not chunk:
            break
        count += len(chunk)
        if count > max_bytes:
            raise Fail("FILE_TOO_LARGE", f"{display(root, path)} is over the read limit of {max_bytes} bytes")
        out.write(chunk)
    out.flush()


def make_dirs(root, path):
    real = confined(root, path)
    if os.path.isdir(real):
        return
    if os.path.lexists(real):
        raise Fail("NOT_A_DIRECTORY", f"{display(root, path)} exists and is not a directory")
    os.makedirs(real, exist_ok=True)


def op_write(root, path, max_bytes, quota):
    if path == root:
        raise Fail("NOT_A_FILE", "/workspace is a directory")
    make_dirs(root, os.path.dirname(path))
    used = usage(root) if quota > 0 else 0
    fd = open_regular(root, path, os.O_WRONLY | os.O_CREAT)
    # the old contents of the file being replaced do not count against the new ones
    free = quota - used + os.fstat(fd).st_blocks * 512 if quota > 0 else None
    os.ftruncate(fd, 0)
    count = 0
    src = sys.stdin.buffer
    while True:
        chunk = src.read(CHUNK)
        if not chunk:
            break
        count += len(chunk)
        if count > max_bytes:
            os.ftruncate(fd, 0)
            raise Fail("FILE_TOO_LARGE", f"file of more than {max_bytes} bytes exceeds the limit")
        if free is not None and count > free:
            os.ftruncate(fd, 0)
            raise Fail("DISK_QUOTA", f"the workspace is over its disk quota of {quota} bytes")
        view = memoryview(chunk)
        while view:
            view = view[os.write(fd, view):]


def op_mkdir(root, path, _max, _quota):
    make_dirs(root, path)


def op_delete(root, path, _max, _quota):
    if path == root:
        raise Fail("INVALID_PATH", "cannot delete /workspace itself")
    parent = confined(root, os.path.dirname(path))
    target = os.path.join(parent, os.path.basename(path))
    st = os.lstat(target)
    if stat.S_ISDIR(st.st_mode):
        force_rmtree(target)
    else:
        os.unlink(target)


def force_rmtree(path):
    def retry(func, p, _exc):
        # a directory without write or search permission for its owner: grant and retry
        os.chmod(os.path.dirname(p), 0o700)
        if os.path.isdir(p) and not os.path.islink(p):
            os.chmod(p, 0o700)
        func(p)

    shutil.rmtree(path, onerror=retry)


def op_stat(root, path, _max, _quota):
    try:
        real = confined(root, path)
        st = os.stat(real)
    except FileNotFoundError:
        print("null")
        return
    print(json.dumps(entry(root, path, st)))


def op_list(root, path, _max, _quota, recursive):
    real = confined(root, path)
    if not os.path.isdir(real):
        raise Fail("NOT_A_DIRECTORY", f"{display(root, path)} is not a directory")
    out = []

    def walk(host_dir, shown):
        try:
            names = sorted(os.listdir(host_dir))
        except OSError:
            return
        for name in names:
            if len(out) >= LIST_LIMIT:
                return
            child = os.path.join(host_dir, name)
            try:
                st = os.lstat(child)
            except OSError:
                continue
            out.append(entry(root, shown + "/" + name, st))
            if recursive and stat.S_ISDIR(st.st_mode):
                walk(child, shown + "/" + name)

    walk(real, display(root, path) if path != root else "/workspace")
    json.dump(out, sys.stdout)


def op_wipe(root, _path, _max, _quota):
    for name in os.listdir(root):
        p = os.path.join(root, name)
        try:
            if os.path.isdir(p) and not os.path.islink(p):
                force_rmtree(p)
            else:
                os.unlink(p)
        except FileNotFoundError:
            pass


def op_usage(root, _path, _max, _quota):
    print(usage(root))


def op_isdir(root, path, _max, _quota):
    if not os.path.isdir(confined(root, path)):
        raise Fail("NOT_A_DIRECTORY", f"working directory {display(root, path)} is not an existing directory")


OPS = {
    "read": op_read,
    "write": op_write,
    "mkdir": op_mkdir,
    "delete": op_delete,
    "stat": op_stat,
    "wipe": op_wipe,
    "isdir": op_isdir,
    "usage": op_usage,
}


def main(argv):
    op, root, max_bytes, quota = argv[1], argv[2], int(argv[3]), int(argv[4])
    rel = argv[5] if len(argv) > 5 else ""
    path = os.path.join(root, rel) if rel else root
    try:
        check_name(path)
        if op == "list":
            op_list(root, path, max_bytes, quota, len(argv) > 6 and argv[6] == "1")
        else:
            OPS[op](root, path, max_bytes, quota)
    except Fail as f:
        fail(f.code, f.message)
    except FileNotFoundError:
        fail("FILE_NOT_FOUND", f"no such file or directory: {display(root, path)}")
    except NotADirectoryError:
        fail("NOT_A_DIRECTORY", f"a parent of {display(root, path)} is not a directory")
    except OSError as e:
        import errno

        if e.errno == errno.ELOOP:
            fail("PATH_OUTSIDE_WORKSPACE", f"{display(root, path)} is a symbolic link that cannot be followed")
        if e.errno == errno.ENAMETOOLONG:
            fail("INVALID_PATH", f"the path is too long: {display(root, path)[:80]}...")
        if e.errno in (errno.EDQUOT, errno.ENOSPC):
            fail("DISK_QUOTA", "the workspace is out of disk space")
        if e.errno == errno.EFBIG:
            fail("FILE_TOO_LARGE", f"file exceeds the limit of {max_bytes} bytes")
        if e.errno in (errno.EACCES, errno.EPERM):
            fail("INVALID_PATH", f"permission denied: {display(root, path)}")
        fail("INTERNAL", f"{op} failed: {e.strerror}")


def fail(code, message):
    sys.stderr.write(json.dumps({"code": code, "message": message[:2000]}) + "\n")
    sys.stderr.flush()
    os._exit(3)


main(sys.argv)
