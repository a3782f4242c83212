"""Two responders at once never lose an update: writes to one incident are serialised."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from fireline.bootstrap import Fireline
from fireline.domain.state import replay
from fireline.services.incidents import commands as incidents

WRITERS = 6
NOTES_EACH = 8


def test_concurrent_writers_lose_nothing(core: Fireline) -> None:
    incident_id = incidents.declare(
        uow=core.uow(), actor="alice", title="Busy incident"
    ).incident.id

    def write(writer: int) -> None:
        for n in range(NOTES_EACH):
            incidents.add_note(
                uow=core.uow(), actor=f"user{writer}", incident_id=incident_id, text=f"{writer}-{n}"
            )
            if n % 3 == 0:
                level = ("high", "medium", "low")[(writer + n) % 3]
                incidents.update(
                    uow=core.uow(),
                    actor=f"user{writer}",
                    incident_id=incident_id,
                    changes={"urgency": level},
                )

    with ThreadPoolExecutor(WRITERS) as pool:
        list(pool.map(write, range(WRITERS)))

    with core.uow() as uow:
        state = uow.incidents.get(incident_id)
        timeline = uow.incidents.timeline(incident_id)
    notes = {e.event.data["text"] for e in timeline if e.event.kind == "note_added"}
    assert notes == {f"{w}-{n}" for w in range(WRITERS) for n in range(NOTES_EACH)}
    assert [e.seq for e in timeline] == list(range(1, len(timeline) + 1))
    assert replay(e.event for e in timeline) == state


def test_readers_do_not_wait_for_an_open_write(core: Fireline) -> None:
    import threading

    incident_id = incidents.declare(uow=core.uow(), actor="alice", title="Read me").incident.id
    read_done = threading.Event()

    def read() -> None:
        incidents.get(uow=core.uow(), incident_id=incident_id)
        read_done.set()

    with core.uow() as writer:
        state = writer.incidents.get(incident_id, for_update=True)  # holds the write lock
        reader = threading.Thread(target=read)
        reader.start()
        finished_while_writing = read_done.wait(timeout=20)
        assert state.id == incident_id
    reader.join()
    assert finished_while_writing


def test_concurrent_config_applies_all_succeed(core: Fireline) -> None:
    from fireline.services.admin.configuration import apply_config
    from tests.conftest import EXAMPLE

    def apply(_: int) -> str:
        report = apply_config(uow=core.uow(), text=EXAMPLE.read_text(), source="fireline.yaml")
        return "changed" if report.changed else "unchanged"

    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(apply, range(4)))

    assert sorted(outcomes) == ["changed", "unchanged", "unchanged", "unchanged"]


def test_token_authentication_does_not_wait_for_an_open_write(core: Fireline) -> None:
    """An API request's token check (and its failed-token throttle, a read) never queues
    behind a writer: during an alert storm the ingest writer holds the write lock almost always."""
    import threading

    from fireline.services.admin import auth
    from fireline.services.admin.configuration import apply_config
    from tests.conftest import EXAMPLE

    apply_config(uow=core.uow(), text=EXAMPLE.read_text(), source="fireline.yaml")
    token = auth.create_token(uow=core.uow(), user_id="bob")
    done = threading.Event()

    def check() -> None:
        auth.authenticate_from(
            uow=core.uow(), attempts=core.attempts(), token=token, address="127.0.0.1"
        )
        done.set()

    with core.uow() as writer:
        writer.incidents.next_id()  # any statement: the write transaction (and lock) is open
        reader = threading.Thread(target=check)
        reader.start()
        finished_while_writing = done.wait(timeout=20)
    reader.join()
    assert finished_while_writing


def test_a_writer_gets_its_turn_between_the_commits_of_a_busy_one(core: Fireline) -> None:
    """One thread writes back to back, each transaction holding the write lock 50 ms (the
    ingest writer during a storm); another thread's write (the embedded worker's) gets in after
    a few of them, instead of polling SQLite's lock until its busy timeout gives up."""
    import threading
    import time

    stop, commits = threading.Event(), [0]

    def busy() -> None:
        while not stop.is_set():
            with core.uow() as uow:
                uow.incidents.next_id()  # the write transaction, and the write lock, are open
                time.sleep(0.05)
                uow.commit()
            commits[0] += 1

    writer = threading.Thread(target=busy)
    writer.start()
    try:
        while commits[0] < 3:
            time.sleep(0.01)
        began, before = time.monotonic(), commits[0]
        incidents.declare(uow=core.uow(), actor="alice", title="Between two commits")
        waited, turns = time.monotonic() - began, commits[0] - before
    finally:
        stop.set()
        writer.join()
    print(f"\nwaited {waited:.3f} s, {turns} commits of the busy writer")
    assert (waited < 5, turns <= 3) == (True, True), (waited, turns)
