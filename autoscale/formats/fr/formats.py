"""French dates and numbers: "28 nov. 2026, 20:35", "1 234,5".

The rest (input formats, first day of the week) is Django's own French.
"""

DATE_FORMAT = "j N Y"  # N: "nov.", "juin", "sept." (Django's abbreviations in French)
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j N Y, H:i:s"  # the admin: to the second, like the English one
SHORT_DATETIME_FORMAT = "d/m/Y H:i:s"
DECIMAL_SEPARATOR = ","
# A narrow no-break space, as French typography (and browsers' toLocaleString) has it.
THOUSAND_SEPARATOR = "\u202f"
NUMBER_GROUPING = 3
