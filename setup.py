"""Build the C parser extension; everything else is declared in pyproject.toml."""

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

# Portable C11: GCC and Clang warn about everything -Wextra and -pedantic know (the source is
# clean under them); MSVC needs /std:c11 for _Thread_local and compiles the same source.
GCC_ARGS = ["-O3", "-std=c11", "-Wall", "-Wextra", "-Wvla", "-pedantic"]
MSVC_ARGS = ["/O2", "/std:c11", "/W3"]


class BuildExt(build_ext):
    def build_extensions(self):
        args = MSVC_ARGS if self.compiler.compiler_type == "msvc" else GCC_ARGS
        for extension in self.extensions:
            extension.extra_compile_args = args
        super().build_extensions()


setup(
    ext_modules=[
        Extension(
            "unlisted.etl.x12._x12parse",
            sources=["etl/x12/_x12parse.c"],
            # the tables and columns (included by _x12parse.c): a change rebuilds, and the
            # source distribution carries it
            depends=["etl/x12/columns.h"],
        )
    ],
    cmdclass={"build_ext": BuildExt},
)
