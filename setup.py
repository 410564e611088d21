"""The companion's one compiled module; everything else about the package is in pyproject.toml.

``_hostwalk`` is the compiled twin of companion/tracking/hostwalk.py. Its build is optional:
where no C compiler is at hand the install goes on, and the companion runs the Python one
(tests/unit/test_hostwalk.py holds the two to the same answers).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "companion.tracking._hostwalk",
            sources=["companion/tracking/_hostwalk.c"],
            optional=True,
            extra_compile_args=["-Wall", "-Wextra", "-Wno-unused-parameter"],
        )
    ]
)
