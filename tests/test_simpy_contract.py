"""The SimPy internals the simulation's hot path relies on, checked so a SimPy upgrade that changes
them fails here, loudly, instead of silently changing numbers.

:class:`orchsim.sim.patterns.base.Wake` is a bare already-succeeded event: it sets SimPy's private
``_ok`` and ``_value`` and is pushed with ``Environment.schedule(event, NORMAL, delay)``, sparing
the ``Timeout`` constructor (one per Lambda invocation; measured faster than
``env.timeout(d).callbacks.append(cb)``, the public way). That needs, from SimPy 4.x:

* ``Environment.schedule(event, priority, delay)`` pushes ``(now + delay, priority, eid, event)``;
* ``Environment.step`` pops it, calls ``event.callbacks`` with the event, sets them to None, then
  reads ``event._ok`` (and ``event._value`` only when ``_ok`` is false);
* ``simpy.events.NORMAL`` is the priority Timeouts use, so Wakes and Timeouts due at the same time
  run in scheduling order.
"""

from __future__ import annotations

import inspect

import simpy
import simpy.core
import simpy.events
from simpy.events import NORMAL

from orchsim.sim.patterns.base import Wake, later


def test_simpy_major_version_is_4() -> None:
    major = int(simpy.__version__.split(".")[0])
    assert major == 4, f"Wake relies on SimPy 4 internals (_ok, _value, Environment.step); found SimPy {simpy.__version__}: re-check them"


def test_timeouts_still_carry_the_private_fields_wake_imitates() -> None:
    env = simpy.Environment()
    t = env.timeout(1.0, value="v")
    assert t._ok is True and t._value == "v", "Timeout must still store its outcome in _ok and _value"
    assert simpy.events.Timeout(env, 0)._ok is True, "a Timeout is created already succeeded"


def test_environment_step_reads_ok_and_calls_callbacks() -> None:
    source = inspect.getsource(simpy.core.Environment.step)
    assert "event._ok" in source and "event.callbacks" in source, "Environment.step must read event._ok and event.callbacks"
    params = list(inspect.signature(simpy.core.Environment.schedule).parameters)
    assert params[:4] == ["self", "event", "priority", "delay"], f"Environment.schedule(event, priority, delay) changed: {params}"
    assert NORMAL == simpy.events.NORMAL, "NORMAL priority must stay importable from simpy.events"


def test_wakes_fire_in_time_order_interleaved_with_timeouts() -> None:
    env = simpy.Environment()
    fired: list[tuple[str, float]] = []
    later(env, 2.0, lambda ev: fired.append(("wake 2", env.now)))
    env.timeout(1.0).callbacks.append(lambda ev: fired.append(("timeout 1", env.now)))  # type: ignore[union-attr]
    later(env, 1.0, lambda ev: fired.append(("wake 1", env.now)))
    later(env, 0.5, lambda ev: later(env, 1.0, lambda ev2: fired.append(("wake 0.5+1", env.now))))
    env.run()
    assert fired == [("timeout 1", 1.0), ("wake 1", 1.0), ("wake 0.5+1", 1.5), ("wake 2", 2.0)], (
        f"expected time order with ties in scheduling order, got {fired}"
    )


def test_a_processed_wake_has_its_callbacks_cleared_and_the_event_passed() -> None:
    env = simpy.Environment()
    seen: list[object] = []
    wake = Wake(seen.append)
    env.schedule(wake, NORMAL, 3.0)  # type: ignore[arg-type]
    env.run(until=10.0)
    assert seen == [wake], "the callback receives the Wake itself"
    assert wake.callbacks is None, "Environment.step sets a processed event's callbacks to None"
    assert env.now == 10.0, "run(until=) still ends at the given time"


def test_run_until_stops_before_later_wakes() -> None:
    env = simpy.Environment()
    fired: list[float] = []
    for t in (1.0, 5.0, 9.0):
        later(env, t, lambda ev: fired.append(env.now))
    env.run(until=5.0)
    assert fired == [1.0], f"run(until=5) processes events before 5 s only (SimPy's until event is URGENT), got {fired}"
