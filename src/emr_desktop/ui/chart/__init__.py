"""The chart window: banner and tabs of one patient's record (DESIGN §6)."""
