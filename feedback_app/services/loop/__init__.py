"""Closing the loop: actions and who hears of them, the email outbox, follow-ups, replies, the digest."""
