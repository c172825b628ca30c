"""The pipeline as a small state graph, the shape Amazon States Language describes.

Scenarios describe linear pipelines today (:func:`linear_graph`); the Step Functions patterns walk
the graph state by state, and the Lambda-chain patterns are derived from it (:func:`task_chain`),
which is only possible for a sequence of Tasks. Parallel and Map are part of the vocabulary so that
imported ASL definitions have somewhere to land; the engines reject them with a clear message until
they model them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from orchsim.errors import InputError
from orchsim.model.scenario import RetryPolicy, Scenario

__all__ = ["Choice", "Fail", "Graph", "Map", "Parallel", "State", "Succeed", "Task", "Wait", "linear_graph", "task_chain"]


@dataclass(frozen=True)
class Task:
    """A Lambda step: ``step`` indexes the scenario's steps; Retry then Catch on error."""

    name: str
    step: int
    next: str | None = None
    retry: RetryPolicy | None = None
    catch: str | None = None


@dataclass(frozen=True)
class Wait:
    """A fixed delay (a human approval or a callback is a long one)."""

    name: str
    seconds: float
    next: str | None = None


@dataclass(frozen=True)
class Choice:
    """A branch taken with a probability: ``branches`` pairs (probability, next state)."""

    name: str
    branches: tuple[tuple[float, str], ...]
    default: str | None = None


@dataclass(frozen=True)
class Succeed:
    """Ends the execution successfully."""

    name: str


@dataclass(frozen=True)
class Fail:
    """Ends the execution as failed."""

    name: str


@dataclass(frozen=True)
class Parallel:
    """Branches run concurrently; the state ends when all do."""

    name: str
    branches: tuple[Graph, ...]
    next: str | None = None
    retry: RetryPolicy | None = None
    catch: str | None = None


@dataclass(frozen=True)
class Map:
    """``items`` copies of ``iterator`` run with at most ``max_concurrency`` at once (0 = unbounded)."""

    name: str
    iterator: Graph
    items: int
    max_concurrency: int = 0
    next: str | None = None
    retry: RetryPolicy | None = None
    catch: str | None = None


State = Task | Wait | Choice | Succeed | Fail | Parallel | Map


@dataclass(frozen=True)
class Graph:
    """States by name and the start state."""

    start: str
    states: dict[str, State] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.start not in self.states:
            raise InputError("graph.start", f"start state {self.start!r} is not defined")
        for st in self.states.values():
            for target in _targets(st):
                if target not in self.states:
                    raise InputError(f"graph.states.{st.name}", f"goes to undefined state {target!r}")


def _targets(st: State) -> list[str]:
    out: list[str] = []
    if isinstance(st, Choice):
        out += [n for _, n in st.branches] + ([st.default] if st.default else [])
    else:
        nxt = getattr(st, "next", None)
        catch = getattr(st, "catch", None)
        out += [n for n in (nxt, catch) if n]
    return out


def linear_graph(scenario: Scenario) -> Graph:
    """The scenario's steps as a chain of Task states, each with the scenario's retry policy.

    Parameters
    ----------
    scenario
        The scenario whose pipeline to chain.

    Returns
    -------
    Graph
        Task states named ``"<k>:<step name>"`` (``k`` from 1), each going to the next; the last
        ends the execution.

    Examples
    --------
    >>> from orchsim.model.scenario import load_scenario
    >>> g = linear_graph(load_scenario("seed-article"))
    >>> g.start, len(g.states), task_chain(g)
    ('1:step1', 5, [0, 1, 2, 3, 4])
    """
    steps = scenario.steps()
    names = [f"{i + 1}:{s.name}" for i, s in enumerate(steps)]
    states: dict[str, State] = {}
    for i, name in enumerate(names):
        states[name] = Task(name=name, step=i, next=names[i + 1] if i + 1 < len(names) else None, retry=scenario.retry)
    return Graph(start=names[0], states=states)


def task_chain(graph: Graph) -> list[int]:
    """Step indices of a graph that is a plain sequence of Tasks (what a Lambda chain can express).

    Parameters
    ----------
    graph
        The workflow graph.

    Returns
    -------
    list of int
        Scenario step indices in the order the chain invokes them.

    Raises
    ------
    InputError
        If the graph loops or holds a state other than a Task.
    """
    order: list[int] = []
    name: str | None = graph.start
    seen: set[str] = set()
    while name is not None:
        if name in seen:
            raise InputError("pipeline", "a Lambda chain cannot express a loop")
        seen.add(name)
        st = graph.states[name]
        if not isinstance(st, Task):
            raise InputError("pipeline", f"a Lambda chain can only express Task sequences; state {name!r} is a {type(st).__name__}")
        order.append(st.step)
        name = st.next
    return order
