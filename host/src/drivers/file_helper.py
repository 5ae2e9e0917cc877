"""Workspace file server for the codemode sandbox host, run INSIDE the sandbox.

The host never touches a workspace path with its own rights: every read, write, list,
stat, delete, mkdir, wipe and output spill runs here, as the sandbox's unprivileged
uid in the sandbox's mount namespace. A symlink planted by sandboxed code can then
only lead where that code could go anyway, so check-then-use races gain nothing.

Usage: file_helper.py ROOT MAX_BYTES QUOTA_BYTES (one server per workspace)

Requests on fd 0, one at a time: a JSON line {"op", "path", "recursive"?, "size"?}
followed, for "write", by exactly `size` raw bytes. Responses on fd 1: any number of
data frames "D <n>\\n" + n bytes, then one end frame "E <json>\\n" where json is
{"ok": true} or {"ok": false, "code", "message"}.

  read    the file's bytes (regular files only, at most MAX_BYTES actually read)
  write   the request's bytes into PATH (parents created; MAX_BYTES; quota)
  mkdir   PATH and its parents
  delete  PATH (a directory with its contents; a symlink itself, never its target)
  stat    JSON entry or null
  list    JSON entries
  wipe    every entry of ROOT
  isdir   ok when PATH is a directory inside ROOT
  usage   bytes ROOT occupies on disk
  count   "FILES BYTES": regular files under ROOT and their sizes
"""

import datetime
import errno
import json
import os
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
    """Opens a regular file; FIFOs, sockets and devices are refused without blocking."""
    real = confined(root, path)
    try:
        fd = os.open(real, flags | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC, 0o644)
    except IsADirectoryError:
        raise Fail("NOT_A_FILE", f"{display(root, path)} is a directory") from None
    st = os.fstat(fd)
    if stat.S_ISREG(st.st_mode):
        os.set_blocking(fd, True)
        return fd
    os.close(fd)
    if stat.S_ISDIR(st.st_mode):
        raise Fail("NOT_A_FILE", f"{display(root, path)} is a directory")
    raise Fail("NOT_A_FILE", f"{display(root, path)} is not a regular file (a FIFO, socket or device)")


def usage(root):
    total = 0
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_blocks * 512
            except OSError:
                pass
    return total


def count(root):
    files = total = 0
    for dirpath, _dirnames, filenames in os.walk(root):
        for name in filenames:
            try:
                st = os.lstat(os.path.join(dirpath, name))
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode):
                files += 1
                total += st.st_size
    return files, total


class Server:
    def __init__(self, root, max_bytes, quota):
        self.root = root
        self.max = max_bytes
        self.quota = quota
        self.inp = os.fdopen(os.dup(0), "rb", buffering=CHUNK)
        self.out = os.fdopen(os.dup(1), "wb", buffering=CHUNK)
        # nothing else may write into the protocol stream
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)
        os.close(null)

    def data(self, chunk):
        self.out.write(b"D %d\n" % len(chunk))
        self.out.write(chunk)

    def end(self, obj):
        self.out.write(b"E " + json.dumps(obj).encode() + b"\n")
        self.out.flush()

    def serve(self):
        while True:
            line = self.inp.readline()
            if not line:
                return
            req = json.loads(line)
            # request bytes not consumed yet: skipped after a failure to stay in step
            self.unread = int(req.get("size") or 0)
            rel = req.get("path") or ""
            path = os.path.join(self.root, rel) if rel else self.root
            try:
                check_name(path)
                getattr(self, "op_" + req["op"])(path, req, self.unread)
                self.end({"ok": True})
            except Fail as f:
                self.fail(f.code, f.message)
            except FileNotFoundError:
                self.fail("FILE_NOT_FOUND", f"no such file or directory: {display(self.root, path)}")
            except NotADirectoryError:
                self.fail("NOT_A_DIRECTORY", f"a parent of {display(self.root, path)} is not a directory")
            except OSError as e:
                self.fail(*os_error(e, display(self.root, path), self.max))

    def fail(self, code, message):
        while self.unread > 0:
            self.take()
        self.end({"ok": False, "code": code, "message": message[:2000]})

    def take(self):
        """Reads the next chunk of the request's bytes."""
        got = self.inp.read(min(CHUNK, self.unread))
        if not got:
            raise SystemExit(0)  # the host hung up
        self.unread -= len(got)
        return got

    def op_read(self, path, _req, _size):
        fd = open_regular(self.root, path, os.O_RDONLY)
        try:
            count = 0
            while True:
                # read one byte past the limit: sizes reported by stat mean nothing here
                chunk = os.read(fd, min(CHUNK, self.max + 1 - count))
                if not chunk:
                    return
                count += len(chunk)
                if count > self.max:
                    raise Fail(
                        "FILE_TOO_LARGE",
                        f"{display(self.root, path)} is over the read limit of {self.max} bytes",
                    )
                self.data(chunk)
        finally:
            os.close(fd)

    def make_dirs(self, path):
        real = confined(self.root, path)
        if os.path.isdir(real):
            return
        if os.path.lexists(real):
            raise Fail("NOT_A_DIRECTORY", f"{display(self.root, path)} exists and is not a directory")
        os.makedirs(real, exist_ok=True)

    def op_write(self, path, _req, size):
        if path == self.root:
            raise Fail("NOT_A_FILE", "/workspace is a directory")
        if size > self.max:
            raise Fail("FILE_TOO_LARGE", f"file of {size} bytes exceeds the limit of {self.max} bytes")
        self.make_dirs(os.path.dirname(path))
        used = usage(self.root) if self.quota > 0 else 0
        fd = open_regular(self.root, path, os.O_WRONLY | os.O_CREAT)
        try:
            # the old contents of the file being replaced do not count against the new ones
            if self.quota > 0 and size > self.quota - used + os.fstat(fd).st_blocks * 512:
                raise Fail(
                    "DISK_QUOTA",
                    f"writing {size} bytes would put the workspace over its disk quota of {self.quota} bytes "
                    f"({used} bytes in use)",
                )
            os.ftruncate(fd, 0)
            while self.unread > 0:
                view = memoryview(self.take())
                while view:
                    view = view[os.write(fd, view):]
        finally:
            os.close(fd)

    def op_mkdir(self, path, _req, _size):
        self.make_dirs(path)

    def op_delete(self, path, _req, _size):
        if path == self.root:
            raise Fail("INVALID_PATH", "cannot delete /workspace itself")
        parent = confined(self.root, os.path.dirname(path))
        force_remove(os.path.join(parent, os.path.basename(path)))

    def op_stat(self, path, _req, _size):
        try:
            st = os.stat(confined(self.root, path))
            self.data(json.dumps(entry(self.root, path, st)).encode())
        except FileNotFoundError:
            self.data(b"null")

    def op_list(self, path, req, _size):
        real = confined(self.root, path)
        if not os.path.isdir(real):
            raise Fail("NOT_A_DIRECTORY", f"{display(self.root, path)} is not a directory")
        out = []
        recursive = bool(req.get("recursive"))

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
                out.append(entry(self.root, shown + "/" + name, st))
                if recursive and stat.S_ISDIR(st.st_mode):
                    walk(child, shown + "/" + name)

        walk(real, display(self.root, path) if path != self.root else "/workspace")
        self.data(json.dumps(out).encode())

    def op_wipe(self, _path, _req, _size):
        for name in os.listdir(self.root):
            force_remove(os.path.join(self.root, name))

    def op_isdir(self, path, _req, _size):
        if not os.path.isdir(confined(self.root, path)):
            raise Fail(
                "NOT_A_DIRECTORY",
                f"working directory {display(self.root, path)} is not an existing directory",
            )

    def op_usage(self, _path, _req, _size):
        self.data(str(usage(self.root)).encode())

    def op_count(self, _path, _req, _size):
        files, total = count(self.root)
        self.data(f"{files} {total}".encode())


def force_remove(path):
    """Removes a file, a link or a whole tree, granting ourselves access where needed."""
    stack = [(path, False)]
    while stack:
        p, emptied = stack.pop()
        try:
            st = os.lstat(p)
        except FileNotFoundError:
            continue
        if not stat.S_ISDIR(st.st_mode):
            os.unlink(p)
        elif emptied:
            os.rmdir(p)
        else:
            if stat.S_IMODE(st.st_mode) & 0o700 != 0o700:
                os.chmod(p, 0o700)
            stack.append((p, True))
            stack.extend((os.path.join(p, n), False) for n in os.listdir(p))


def os_error(e, shown, max_bytes):
    if e.errno == errno.ELOOP:
        return "PATH_OUTSIDE_WORKSPACE", f"{shown} is a symbolic link that cannot be followed"
    if e.errno == errno.ENAMETOOLONG:
        return "INVALID_PATH", f"the path is too long: {shown[:80]}..."
    if e.errno in (errno.EDQUOT, errno.ENOSPC):
        return "DISK_QUOTA", "the workspace is out of disk space"
    if e.errno == errno.EFBIG:
        return "FILE_TOO_LARGE", f"file exceeds the limit of {max_bytes} bytes"
    if e.errno in (errno.EACCES, errno.EPERM):
        return "INVALID_PATH", f"permission denied: {shown}"
    if e.errno == errno.ENXIO:
        return "NOT_A_FILE", f"{shown} is not a regular file (a FIFO, socket or device)"
    if e.errno == errno.EEXIST:
        return "NOT_A_DIRECTORY", f"{shown} exists and is not a directory"
    return "INTERNAL", f"file operation failed: {e.strerror}"


def main(argv):
    root, max_bytes, quota = argv[1], int(argv[2]), int(argv[3])
    server = Server(root, max_bytes, quota)
    server.end({"ok": True, "ready": True})
    server.serve()


main(sys.argv)
