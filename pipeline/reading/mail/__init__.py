"""Saved e-mails (.eml, .msg, .mbox): their senders, dates and attachments."""
