"""The recording and cancellation rules, each citing the standard it implements.

Force-specific choices (who authorises, how long a recording decision may take) live in
:class:`~caselink.domain.rules.policy.ForcePolicy`, configuration with safe defaults.
"""
