"""E-mail notifications: the outbox sent over SMTP (``safet notify``), deadline reminders queued,
who gets what (``settings``), the messages themselves (``compose``)."""
