"""The phone channel's fixtures (signed webhooks, the Twilio REST stand-in),
for the end-to-end test of a case filed by SMS."""

from tests.channels.phone.conftest import stand_in, twilio, twilio_config  # noqa: F401
