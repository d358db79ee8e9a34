"""English date formats: "28 Nov 2026, 20:35"; to the second where events of one task
are seconds apart (the admin)."""

DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y, H:i:s"
SHORT_DATETIME_FORMAT = "Y-m-d H:i:s"
