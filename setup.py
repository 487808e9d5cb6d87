"""gradspec's build: pyproject.toml holds the metadata; this file adds the optional compiled core.

Every module of ``backends/engine`` and ``backends/engine/ops`` (but those listed in
``backends/engine/core.py``'s ``EXCLUDED``) is compiled by Cython, as it is: the ``.py`` files
stay the source, and typing for Cython lives beside them in ``.pxd`` files.  The extensions
go to ``backends/engine/_compiled/`` with a manifest of the sources they were built from; at
run time ``core.py`` loads them only while every source still matches (see its docstring).

Without Cython, without a working C compiler, or with ``GRADSPEC_PURE=1``, the build prints
one line saying so and installs the pure-Python engine (``pip install -v`` shows build output).
Generated C files and compiled modules are cached in ``build/core/`` by content, so rebuilding
after an edit recompiles only the modules that changed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shutil
import sys
import sysconfig
import time
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent
ENGINE = ROOT / "backends" / "engine"
CACHE = ROOT / "build" / "core"

# Options for the generated C: -O2 without debug information (Python's own CFLAGS say -O3 -g,
# which doubles the compile time of these large generated files for no measurable gain).
CFLAGS = ["-O2", "-g0"]
# Cython reads the .py files as Python: annotations are hints, never C types (a hint like
# ``dim: int`` must not start rejecting numpy integers); the .pxd files carry the C typing.
DIRECTIVES = {"language_level": 3, "annotation_typing": False, "binding": True,
              "emit_code_comments": False}


def _load_core():
    spec = importlib.util.spec_from_file_location("_gradspec_core", ENGINE / "core.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


core = _load_core()
COMPILED = core.compiled_set(str(ENGINE))  # module name -> path relative to backends/engine


def _note(message: str) -> None:
    print(f"gradspec: {message}", file=sys.stderr, flush=True)


def _digest(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode() if isinstance(p, str) else p)
        h.update(b"\0")
    return h.hexdigest()


def _cimported(rel: str) -> list[bytes]:
    """The texts of the .pxd files a module's C depends on: those its own .pxd cimports from the
    engine, transitively (its own .pxd is in its source hash)."""
    seen: dict[str, bytes] = {}
    todo = [rel[:-3] + ".pxd"]
    while todo:
        pxd = ENGINE / todo.pop()
        if not pxd.exists():
            continue
        for match in re.finditer(rf"^\s*from\s+{re.escape(core.PACKAGE)}\.([\w.]+)\s+cimport",
                                 pxd.read_text(encoding="utf-8"), re.M):
            dep = match.group(1).replace(".", "/") + ".pxd"
            if dep not in seen and (ENGINE / dep).exists():
                seen[dep] = (ENGINE / dep).read_bytes()
                todo.append(dep)
    return [seen[k] for k in sorted(seen)]


def _extensions() -> list[Extension]:
    """One extension per module, named into ``_compiled/`` (so that Python's own finder, which
    looks beside the .py, never loads it); its C source is generated in `BuildCore.run`."""
    out = []
    for name, rel in COMPILED.items():
        target = name.replace(core.PACKAGE, f"{core.PACKAGE}.{core.FOLDER}", 1)
        c_file = CACHE / "c" / (name + ".c")
        out.append(Extension(target, [str(c_file.relative_to(ROOT))],
                             extra_compile_args=list(CFLAGS)))
        out[-1].gradspec_module = name
        out[-1].gradspec_source = rel
    return out


class BuildCore(build_ext):
    """Compile the engine when it can; otherwise one line and the pure engine."""

    def finalize_options(self) -> None:
        super().finalize_options()
        if not self.parallel:
            self.parallel = os.cpu_count() or 1

    def run(self) -> None:
        started = time.monotonic()
        reason = self._why_pure()
        if reason is None:
            try:
                self._cythonize()
                self._make_folders()
                super().run()
            except Exception as exc:  # noqa: BLE001 - any failure: the pure engine, said once
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                reason = f"compiling the engine failed ({type(exc).__name__}: {first})"
        if reason is not None:
            _note(f"installing the pure-Python engine: {reason}.")
            self._write_manifest({"pure": reason})
            return
        modules = {}
        for ext in self.extensions:
            rel = self.get_ext_filename(self.get_ext_fullname(ext.name))
            folder = os.path.join(*core.PACKAGE.split("."), core.FOLDER)
            modules[ext.gradspec_module] = {
                "source": ext.gradspec_source,
                "hash": core.source_hash(str(ENGINE), ext.gradspec_source),
                "extension": os.path.relpath(rel, folder),
            }
        self._write_manifest({"modules": modules})
        _note(f"compiled the engine core: {len(modules)} modules in "
              f"{time.monotonic() - started:.0f} s ({core.PURE_ENV}=1 runs it as pure Python).")

    def _make_folders(self) -> None:
        """setuptools copies an editable install's extensions into the source tree without
        creating their folders (``_compiled/`` and ``_compiled/ops/`` are new)."""
        if not (self.inplace or getattr(self, "editable_mode", False)):
            return
        build_py = self.get_finalized_command("build_py")
        for ext in self.extensions:
            package = ext.name.rpartition(".")[0]
            os.makedirs(build_py.get_package_dir(package), exist_ok=True)

    # -- why not compile ------------------------------------------------------------------------
    def _why_pure(self) -> str | None:
        if core.is_forced_pure():
            return f"{core.PURE_ENV}=1 is set"
        try:
            import Cython  # noqa: F401
        except ImportError:
            return "Cython is not installed (pip install cython, then reinstall)"
        try:
            self._probe_compiler()
        except Exception as exc:  # noqa: BLE001
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            return f"no working C compiler ({first})"
        return None

    def _probe_compiler(self) -> None:
        from setuptools._distutils.ccompiler import new_compiler
        from setuptools._distutils.sysconfig import customize_compiler

        cc = new_compiler(compiler=self.compiler, force=True)
        customize_compiler(cc)
        os.makedirs(self.build_temp, exist_ok=True)
        probe = os.path.join(self.build_temp, "gradspec_probe.c")
        with open(probe, "w", encoding="ascii") as f:
            f.write("#include <Python.h>\nint gradspec_probe(void) { return 0; }\n")
        cc.compile([probe], output_dir=self.build_temp,
                   include_dirs=[sysconfig.get_paths()["include"]])

    # -- Cython: .py -> .c, cached by content ----------------------------------------------------
    def _cythonize(self) -> None:
        import Cython
        from Cython.Build import cythonize

        include = self._include_tree()
        todo = []
        for ext in self.extensions:
            c_file = ROOT / ext.sources[0]
            key = _digest(Cython.__version__, json.dumps(DIRECTIVES, sort_keys=True),
                          core.source_hash(str(ENGINE), ext.gradspec_source),
                          *_cimported(ext.gradspec_source))
            stamp = c_file.with_suffix(".key")
            if c_file.exists() and stamp.exists() and stamp.read_text() == key:
                continue
            todo.append((ext, c_file, stamp, key))
        if not todo:
            return
        c_dir = CACHE / "c"
        c_dir.mkdir(parents=True, exist_ok=True)
        sources = [Extension(ext.gradspec_module,
                             [str((ENGINE / ext.gradspec_source).relative_to(ROOT))])
                   for ext, *_ in todo]
        cwd = os.getcwd()
        os.chdir(ROOT)  # relative source paths: tracebacks say backends/engine/x.py
        try:
            built = cythonize(sources, compiler_directives=DIRECTIVES, include_path=[str(include)],
                              build_dir=str(CACHE / "cython"), nthreads=self.parallel or 1,
                              quiet=True, force=True)
        finally:
            os.chdir(cwd)
        for (ext, c_file, stamp, key), out in zip(todo, built):
            shutil.copyfile(ROOT / out.sources[0], c_file)
            stamp.write_text(key)
        shutil.rmtree(CACHE / "cython", ignore_errors=True)


    @staticmethod
    def _include_tree() -> Path:
        """A folder where ``gradspec/backends/engine/x.pxd`` resolves (the package is mapped
        from ``backends/``), for cimports between the engine's modules."""
        tree = CACHE / "include"
        pkg = tree / "gradspec"
        pkg.mkdir(parents=True, exist_ok=True)
        (pkg / "__init__.py").touch()
        link = pkg / "backends"
        if not link.exists():
            try:
                link.symlink_to(ROOT / "backends", target_is_directory=True)
            except OSError:  # no symlinks here: copy the declarations
                for pxd in (ROOT / "backends").rglob("*.pxd"):
                    dest = link / pxd.relative_to(ROOT / "backends")
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(pxd, dest)
                for init in (ROOT / "backends").rglob("__init__.py"):
                    dest = link / init.relative_to(ROOT / "backends")
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    dest.touch()
        return tree

    # -- C -> extension, cached by content -------------------------------------------------------
    def build_extension(self, ext: Extension) -> None:
        target = self.get_ext_fullpath(ext.name)
        c_text = (ROOT / ext.sources[0]).read_bytes()
        key = _digest(c_text, " ".join(CFLAGS), sysconfig.get_config_var("EXT_SUFFIX") or "",
                      sys.version)
        cached = CACHE / "so" / (key + ".so")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if cached.exists():
            tmp = f"{target}.{os.getpid()}.tmp"
            shutil.copyfile(cached, tmp)
            os.replace(tmp, target)
            return
        super().build_extension(ext)
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(target, cached)
        except OSError:
            pass  # a read-only tree: no cache, nothing else lost

    def copy_file(self, infile, outfile, *args, **kwargs):  # noqa: ANN001, ANN201
        """Extensions land by rename, never by rewriting a file in place: a process that has
        the old module loaded (a test run during a rebuild) keeps its copy intact."""
        if not str(outfile).endswith(_ext_suffix()) or getattr(self, "dry_run", False):
            return super().copy_file(infile, outfile, *args, **kwargs)
        os.makedirs(os.path.dirname(outfile) or ".", exist_ok=True)
        tmp = f"{outfile}.{os.getpid()}.tmp"
        shutil.copyfile(infile, tmp)
        os.replace(tmp, outfile)
        return outfile, 1

    # -- the manifest core.py reads ----------------------------------------------------------------
    def _write_manifest(self, body: dict) -> None:
        body["build"] = {"cython": _cython_version(), "suffix": _ext_suffix(),
                         "built": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "cflags": CFLAGS}
        text = json.dumps(body, indent=1, sort_keys=True) + "\n"
        folders = [os.path.join(self.build_lib, *core.PACKAGE.split("."), core.FOLDER)]
        if self.inplace or getattr(self, "editable_mode", False):
            build_py = self.get_finalized_command("build_py")
            folders.append(os.path.join(build_py.get_package_dir(core.PACKAGE), core.FOLDER))
        for folder in folders:
            os.makedirs(folder, exist_ok=True)
            if "pure" in body:  # no compiled module may be left to look current
                for old in Path(folder).rglob("*"):
                    if old.is_file() and old.name != core.MANIFEST:
                        old.unlink()
            with open(os.path.join(folder, core.MANIFEST), "w", encoding="utf-8") as f:
                f.write(text)


def _cython_version() -> str | None:
    try:
        import Cython
    except ImportError:
        return None
    return Cython.__version__


def _ext_suffix() -> str:
    import importlib.machinery

    return importlib.machinery.EXTENSION_SUFFIXES[0]


setup(ext_modules=_extensions(), cmdclass={"build_ext": BuildCore})
