# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""The collection's version, as galaxy.yml says it (a test holds the two together): reports name it."""

from __future__ import annotations

COLLECTION_VERSION = '0.1.0'
