"""setup_logging and Progress."""

from __future__ import annotations

import logging

from depsim.output.log import Progress, setup_logging


def test_run_log_and_quiet(tmp_path, capsys):
    logger = setup_logging(tmp_path, level="INFO", quiet=True)
    assert logger.name == "depsim"
    logger.debug("debug line")
    logger.info("info line")
    logger.warning("warning line")
    for h in logger.handlers:
        h.flush()
    text = (tmp_path / "run.log").read_text()
    assert "debug line" in text and "info line" in text and "warning line" in text
    err = capsys.readouterr().err
    assert "info line" not in err and "warning line" in err
    # reconfiguring replaces the handlers (no duplicates)
    logger = setup_logging(None, level="DEBUG", quiet=False)
    assert len(logger.handlers) == 1
    logger.handlers[0].close()


def test_progress_logs_every_n_steps_without_terminal(tmp_path):
    logger = setup_logging(tmp_path, level="INFO", quiet=False)
    with Progress(10.0, every=2) as bar:
        assert not bar.active  # pytest captures stderr: not a terminal
        for k in range(1, 6):
            bar.update(2.0 * k, dt=2.0, newton=3)
    for h in logger.handlers:
        h.flush()
    lines = [ln for ln in (tmp_path / "run.log").read_text().splitlines() if "step" in ln]
    assert len(lines) == 2 and "newton = 3" in lines[0]
    for h in list(logger.handlers):
        logger.removeHandler(h)
        h.close()


def test_progress_quiet_is_silent(tmp_path):
    logger = setup_logging(tmp_path, quiet=True)
    with Progress(1.0, quiet=True, every=1) as bar:
        bar.update(0.5, dt=0.5)
    for h in logger.handlers:
        h.flush()
    assert "step" not in (tmp_path / "run.log").read_text()
    for h in list(logging.getLogger("depsim").handlers):
        logging.getLogger("depsim").removeHandler(h)
        h.close()
