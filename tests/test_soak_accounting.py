"""The fault soak's bookkeeping (benchmarks/soak_accounting.py): a figure in its table means what
its label says. Reminders are counted per notification row, not per recipient."""

from benchmarks.soak_accounting import (
    Call,
    Received,
    Row,
    Window,
    failures_by_cause,
    failures_outside,
    notification_ids_of,
    reminder_accounting,
)


def row(pk: int, *, to: str = "ann@example.org", item: int | None = 7, state: str = "sent") -> Row:
    return Row(id=pk, recipient=to, item_id=item, kind="overdue", period="p", state=state)


def message(
    ids: tuple[int, ...],
    *,
    when: float,
    to: str = "ann@example.org",
    message_id: str = "<m1@x>",
    items: tuple[int, ...] = (7,),
) -> Received:
    text = " ".join(f"http://t/items/{item}/?lang=en" for item in items)
    return Received(when, (to,), message_id, ids, text)


def test_two_reminders_of_one_recipient_are_two_reminders_not_one() -> None:
    rows = [row(1), row(2, item=8)]
    tally = reminder_accounting(rows, [message((1,), when=1), message((2,), when=2, items=(8,))])
    assert (tally.planned, tally.delivered_once, tally.lost) == (2, 2, 0)


def test_a_reminder_the_recipient_never_received_is_lost_even_when_the_row_says_sent() -> None:
    rows = [row(1), row(2, item=8)]
    # The recipient received an email, but not one carrying row 2: per recipient this looked fine.
    tally = reminder_accounting(rows, [message((1,), when=1)])
    assert (tally.delivered_once, tally.lost, tally.lost_by_state) == (1, 1, {"sent": 1})


def test_a_resend_is_one_duplicate_email_and_says_whether_its_message_id_is_the_same() -> None:
    rows = [row(1), row(2, item=8)]
    first = message((1,), when=1, message_id="<a@x>")
    same = message((1,), when=2, message_id="<a@x>")
    # After a crash the row was claimed again with a new one and sent in a differently built email.
    regrouped = message((1, 2), when=3, message_id="<b@x>", items=(7, 8))
    tally = reminder_accounting(rows, [regrouped, first, same])
    assert (tally.delivered_once, tally.duplicated) == (1, 1)
    assert (tally.duplicate_messages, tally.duplicates_same_message_id) == (2, 1)


def test_a_cancelled_reminder_is_neither_delivered_nor_lost() -> None:
    tally = reminder_accounting([row(1, state="cancelled")], [])
    assert (tally.cancelled, tally.lost, tally.delivered_once) == (1, 0, 0)


def test_an_email_naming_a_row_of_another_recipient_or_item_is_counted_as_a_mismatch() -> None:
    rows = [row(1), row(2, to="bob@example.org")]
    tally = reminder_accounting(rows, [message((2,), when=1), message((1,), when=2, items=(9,))])
    assert (tally.mismatched, tally.delivered_once, tally.lost) == (2, 0, 2)


def test_a_delivered_row_still_pending_is_delivered_but_unrecorded() -> None:
    tally = reminder_accounting([row(1, state="pending")], [message((1,), when=1)])
    assert (tally.delivered_once, tally.lost, tally.unrecorded) == (1, 0, 1)


def test_the_notifications_header_is_read_strictly() -> None:
    assert notification_ids_of("3 12 40") == (3, 12, 40)
    assert notification_ids_of(None) == ()
    assert notification_ids_of("3 x ² 4") == (3, 4)


def call(started: float, status: int | None, failure: str = "") -> Call:
    return Call("r", "PATCH /api/v1/action-items/{id}/", started, 2.0, status, failure)


def test_no_answer_is_told_apart_from_a_5xx_and_placed_in_its_fault_window() -> None:
    windows = [Window("SMTP refused", 10, 20), Window("PostgreSQL restarted", 50, 55)]
    calls = [
        call(0, 200),
        call(12, None, "no answer within 20 s"),
        call(30, 502),
        call(54, 500),  # starts inside the outage
        call(49, 503),  # starts before it and ends inside it
    ]
    groups = {(g.outcome, g.window): g.count for g in failures_by_cause(calls, windows)}
    assert groups == {
        ("no answer within 20 s", "SMTP refused"): 1,
        ("502", "no fault"): 1,
        ("500", "PostgreSQL restarted"): 1,
        ("503", "PostgreSQL restarted"): 1,
    }
    assert failures_outside(calls, windows, "PostgreSQL restarted") == 2
