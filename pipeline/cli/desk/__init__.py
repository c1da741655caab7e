"""The secretary's desk: a page in her browser over the working folder, by the commands' own calls."""
