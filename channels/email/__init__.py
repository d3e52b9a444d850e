"""The email channel: Xietong's own SMTP intake server (aiosmtpd).

`server` answers SMTP and stores each message before it says 250; `parse`
reads what a person would read from mail in any Chinese encoding; `threads`
finds the case a reply belongs to; `intake` turns a message into a case or a
citizen message; `acknowledge` answers a new case through the outbox.
Run it with `python -m channels.email`.
"""
