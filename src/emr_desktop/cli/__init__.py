"""`emr-admin`: the command line that IT staff, scripts and tests drive."""
