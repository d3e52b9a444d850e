"""What the IVR says and the SMS replies, from the message catalogue in
Chinese (the hotline's language), like the email acknowledgement."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _

from channels.phone.common import spoken_digits

LOCALE = "zh_CN"


def greeting(hotline: str) -> str:
    with force_locale(LOCALE):
        return _("Welcome to the Huangpu District %(hotline)s hotline.",
                 hotline=spoken_digits(hotline))


def main_menu() -> str:
    with force_locale(LOCALE):
        return _("To report a problem, press 1 or say report. To check a request, press 2 "
                 "or say check. For an operator, press 0 or say operator.")


def not_understood() -> str:
    with force_locale(LOCALE):
        return _("Sorry, we did not understand that.")


def group_menu(groups: list[tuple[str, str]]) -> str:
    """groups: (key, group name) pairs."""
    with force_locale(LOCALE):
        options = "；".join(_("for %(group)s press %(key)s", group=name, key=key)
                           for key, name in groups)
        return _("Please choose the kind of problem: %(options)s. You can also say it.",
                 options=options)


def record_prompt() -> str:
    with force_locale(LOCALE):
        return _("After the tone, describe the problem and where it is, in up to two "
                 "minutes, then press the hash key.")


def nothing_recorded() -> str:
    with force_locale(LOCALE):
        return _("Sorry, nothing was recorded.")


def reported(number: str) -> str:
    digits = spoken_digits(number)
    with force_locale(LOCALE):
        return _("Your request has been registered. Your tracking number is %(digits)s. "
                 "Once more, your tracking number is %(digits)s. Thank you for calling, "
                 "goodbye.", digits=digits)


def check_prompt() -> str:
    with force_locale(LOCALE):
        return _("Please key the ten-digit tracking number, then press the hash key.")


def no_such_case() -> str:
    with force_locale(LOCALE):
        return _("Sorry, no request has that tracking number.")


def case_status(number: str, status: str) -> str:
    with force_locale(LOCALE):
        return _("Request %(digits)s is %(status)s.", digits=spoken_digits(number),
                 status=status)


def latest_update(text: str) -> str:
    with force_locale(LOCALE):
        return _("The latest update: %(text)s", text=text)


def after_check() -> str:
    with force_locale(LOCALE):
        return _("If there is anything else:") + " " + main_menu()


def connecting() -> str:
    with force_locale(LOCALE):
        return _("Connecting you to an operator, please hold.")


def operator_busy() -> str:
    with force_locale(LOCALE):
        return _("Sorry, all operators are busy. Please leave a message.")


def apology() -> str:
    with force_locale(LOCALE):
        return _("Sorry, something went wrong with this call.")


def goodbye() -> str:
    with force_locale(LOCALE):
        return _("Thank you for calling, goodbye.")


def hold() -> str:
    with force_locale(LOCALE):
        return _("All operators are busy, please hold.")


# -- SMS ---------------------------------------------------------------------

def sms_new_case(number: str, link: str) -> str:
    with force_locale(LOCALE):
        return _("Your request has been registered with tracking number %(number)s. "
                 "Follow it at %(link)s. Reply STOP to opt out.", number=number, link=link)


def sms_added(number: str) -> str:
    with force_locale(LOCALE):
        return _("Your message has been added to request %(number)s.", number=number)


def sms_empty() -> str:
    with force_locale(LOCALE):
        return _("Sorry, your message was empty. Please describe the problem and where it is.")


def sms_stopped() -> str:
    with force_locale(LOCALE):
        return _("You will receive no more SMS from us. Reply START to receive them again.")


def sms_started() -> str:
    with force_locale(LOCALE):
        return _("You will receive SMS from us again. Reply STOP to opt out.")


def sms_failed() -> str:
    with force_locale(LOCALE):
        return _("Sorry, we could not take your message just now. Please try again later.")


# -- SMS: asking where a message belongs (channels/phone/sms_cases.py) -------------

def sms_question(number: str, minutes: int) -> str:
    with force_locale(LOCALE):
        return _("Your request %(number)s is open. Reply 1 to add this message to it, or 2 to "
                 "report it as a new problem. Without a reply within %(minutes)s minutes it "
                 "becomes a new request.", number=number, minutes=minutes)


def sms_question_information(number: str, minutes: int) -> str:
    with force_locale(LOCALE):
        return _("Request %(number)s is waiting for information from you. Reply 1 to add this "
                 "message to it, or 2 to report it as a new problem. Without a reply within "
                 "%(minutes)s minutes it is added to %(number)s.", number=number,
                 minutes=minutes)


def sms_timed_out_new_case(number: str, link: str) -> str:
    with force_locale(LOCALE):
        return _("You did not reply, so your message has been registered as a new request "
                 "with tracking number %(number)s. Follow it at %(link)s.", number=number,
                 link=link)


def sms_timed_out_added(number: str) -> str:
    with force_locale(LOCALE):
        return _("You did not reply, so your message has been added to request %(number)s "
                 "as the information asked for.", number=number)


def sms_already_new_case(number: str) -> str:
    with force_locale(LOCALE):
        return _("Your earlier message has already been registered as request %(number)s.",
                 number=number)


def sms_already_added(number: str) -> str:
    with force_locale(LOCALE):
        return _("Your earlier message has already been added to request %(number)s. If it "
                 "is a new problem, please send it again.", number=number)
