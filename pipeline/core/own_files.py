"""The files bloc-score keeps for itself in a folder it writes into: never an input, never an output.

Named here, below every layer, because the writer makes them (outputs/lock.py, outputs/commit.py) and the
reader must pass over them in a folder it reads (reading/inputs.py).
"""

from __future__ import annotations

# The operating system's lock that lets one command at a time write into the folder. It stays in place
# between commands: removing it would let a waiting command lock a file that is no longer there.
LOCK_NAME = ".bloc-score.lock"
# The moves of a commit under way; present only while one is (docs/guarantees.md, Writing outputs).
JOURNAL_NAME = ".bloc-score.journal"
# The journal being written, before it is renamed into place: its commit never started.
JOURNAL_DRAFT_NAME = ".bloc-score.journal-new"

OWN_FILES = frozenset({LOCK_NAME, JOURNAL_NAME, JOURNAL_DRAFT_NAME})

# Where a file replaced by a newer one goes, never deleted: previous/<its time>/ inside its own folder. The
# writers put earlier outputs and records there, the desk a unit's file the secretary set aside (input/); the
# readers pass over it.
PREVIOUS_FOLDER = "previous"
# previous/<the earlier files' time>/: a sortable date and time, no ':' (Windows refuses it in a name).
STAMP_FORMAT = "%Y-%m-%d %H.%M.%S"
