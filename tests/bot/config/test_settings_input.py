"""Any environment is Settings or a SettingsError on one line: no value makes startup crash.

The environment is typed by operators into deploy dashboards; a stray value must be named, not
end in a traceback (a time zone the length of a paragraph once raised OSError).
"""

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.config.settings import Settings, SettingsError

NAMES = ("PORT", "CMSBOT_RETRY_BACKOFF", "CMSBOT_TIMEZONE", "CMSBOT_LOG_LEVEL",
         "CMSBOT_PROVIDER_TIMEOUT", "SMS_RATE_PER_SECOND", "CMSBOT_RECONCILE_SECONDS",
         "CMSBOT_REPLY_BUDGET", "CMSBOT_BODY_DEADLINE", "CMSBOT_MAX_IN_FLIGHT",
         "CMSBOT_PUBLIC_URL", "CMSBOT_LOG_FORMAT")
VALUES = st.text(st.characters(exclude_categories=("Cs",)), max_size=12) | st.sampled_from(
    ["1e309", "nan", "inf", "-1", "0", "9" * 5000, "a=1", "web=0,api=x", "../etc", "1,,2"])


@settings(max_examples=500, deadline=None)
@given(environ=st.dictionaries(st.sampled_from(NAMES), VALUES, max_size=4))
@example(environ={"CMSBOT_TIMEZONE": "9" * 5000})
def test_any_environment_is_settings_or_a_one_line_settings_error(environ):
    try:
        Settings.from_env(environ)
    except SettingsError as error:
        assert str(error).strip() and "\n" not in str(error)
