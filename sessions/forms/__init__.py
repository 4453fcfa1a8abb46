"""Forms for teams, days, the items of a day and members' logs."""
