"""Images members paste or drop into markdown: checked, re-encoded, kept per team in the
database, served to the team alone, and written next to an exported post."""
