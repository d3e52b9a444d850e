"""Time limits on a Chinese working-day calendar, timers, reminders,
escalation levels, extensions and supervision (督办)."""
