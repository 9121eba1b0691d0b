"""CPU time of the processes taking part in a benchmark, read from /proc (user + system, all threads).

Unlike a rate, CPU time per operation barely depends on what else a shared host runs.
"""
import contextlib
import os
import pathlib


def cpu_seconds(pid):
    """Return the CPU time process ``pid`` has used so far."""
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU seconds used by named groups of processes between ``start()`` and ``stop()``.

    A group is a function returning its pids now; a pid first seen at ``stop()`` started in
    between and counts from zero, one gone by then is left out (a PostgreSQL backend that
    closed during the round).
    """

    def __init__(self, **groups):
        self.groups = groups
        self.before = {}

    def _sample(self):
        samples = {}
        for name, pids in self.groups.items():
            for pid in pids():
                with contextlib.suppress(OSError):
                    samples[name, pid] = cpu_seconds(pid)
        return samples

    def start(self):
        self.before = self._sample()

    def stop(self):
        """Return ``{group: CPU seconds}``."""
        used = dict.fromkeys(self.groups, 0.0)
        for (name, pid), seconds in self._sample().items():
            used[name] += seconds - self.before.get((name, pid), 0.0)
        return used


def postgresql_backends(engine):
    """Return a function listing the pids of the PostgreSQL backends connected to ``engine``'s database."""
    from sqlalchemy import text

    if engine.dialect.name != "postgresql":
        return lambda: []

    def pids():
        with engine.connect() as connection:
            return list(connection.scalars(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")))

    return pids


def redis_server(url):
    """Return a function giving the pid of the Redis server at ``url`` (on this host, shared with other work)."""
    import redis

    pid = redis.Redis.from_url(url).info("server")["process_id"]
    return lambda: [pid]
