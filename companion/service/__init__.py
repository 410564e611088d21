"""``cashback-companion service``: run the companion whenever the shopper is logged in.

One service manager per system: a systemd user unit on Linux (``systemd.py``), a launchd agent
on macOS (``launchd.py``), a per-user scheduled task on Windows (``schtasks.py``). Each module
is pure: it renders its definition file and plans the steps that install, remove or inspect
it (``plan.py``). ``runner.py`` is the only code that writes those files and runs the system's
commands; ``manager.py`` reads the current state through it, asks the platform for a plan and
has the runner carry it out.
"""
